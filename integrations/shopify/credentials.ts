// What a company stores to connect one Shopify shop (`lux integrations set shopify ...`). A custom app
// created in the shop's admin gives both secrets: the Admin API access token (read_orders scope) for
// imports, and the app's client secret, with which Shopify signs every webhook it sends.
import { z } from 'zod';

/**
 * Prefixes Shopify gives Admin API access tokens: shpat_ (custom apps created in the admin; the one
 * docs/integrations/shopify.md asks for), shpca_ (custom apps made in the Partner Dashboard) and shppa_
 * (the older private apps). Any of them authenticates `X-Shopify-Access-Token` the same way.
 */
const ACCESS_TOKEN = /^shp(at|ca|pa)_[A-Za-z0-9]+$/;

/** Shopify names API versions after the quarter they ship in: 2025-01, 2025-04, 2025-07, 2025-10. */
const API_VERSION = /^\d{4}-(01|04|07|10)$/;

export const DEFAULT_SHOPIFY_API_VERSION = '2025-01';

export const shopifyCredentialsSchema = z.object({
  /** The shop's permanent domain (`example.myshopify.com`), never a custom storefront domain. */
  shopDomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'expected the shop\'s permanent domain, e.g. example.myshopify.com'),
  accessToken: z.string().trim().regex(ACCESS_TOKEN, 'expected an Admin API access token (shpat_...)'),
  /** The app's client secret ("API secret key"): the HMAC key of X-Shopify-Hmac-Sha256. */
  webhookSecret: z.string().trim().min(1, 'expected the app\'s client secret (it signs webhooks)'),
  apiVersion: z.string().trim().regex(API_VERSION, 'expected an API version such as 2025-01').default(DEFAULT_SHOPIFY_API_VERSION),
  /**
   * Where the Admin API lives. Unset in production (it is `https://<shopDomain>`); tests point it at a
   * local fake, and an operator could point it at an egress proxy.
   */
  apiBaseUrl: z
    .string()
    .trim()
    .url('expected an http(s) URL')
    .refine((v) => /^https?:\/\//i.test(v), 'expected an http(s) URL')
    .optional(),
});

export type ShopifyCredentials = z.infer<typeof shopifyCredentialsSchema>;
/** What a caller writes (apiVersion may be left out). */
export type ShopifyCredentialsInput = z.input<typeof shopifyCredentialsSchema>;

/** The Admin API origin to call, without a trailing slash. */
export function shopifyApiBaseUrl(credentials: Pick<ShopifyCredentials, 'shopDomain' | 'apiBaseUrl'>): string {
  return (credentials.apiBaseUrl ?? `https://${credentials.shopDomain}`).replace(/\/+$/, '');
}
