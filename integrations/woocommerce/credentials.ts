// A company's WooCommerce connection, as stored by `lux integrations set woocommerce` and handed to the
// import stream and the webhook receiver. Validated here so a typo fails when it is saved, not at 3 a.m.
// in an import run.
import { z } from 'zod';

/**
 * The shop's own address, e.g. https://shop.example.com or https://example.com/store when WordPress
 * lives in a sub-folder. The REST API is under `${storeUrl}/wp-json/wc/v3`.
 *
 * http:// is accepted for local fakes and development shops only: WooCommerce itself accepts Basic auth
 * (our keys in a header) only over HTTPS, so a production shop is always https.
 */
const storeUrl = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an absolute URL such as https://shop.example.com' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an http:// or https:// URL' });
    }
    // Credentials go in the Authorization header, never in the URL (URLs end up in logs).
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not contain a user name or password' });
    }
    if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not contain a query string or fragment' });
    }
  })
  // One spelling, so `${storeUrl}/wp-json/...` never has a double slash.
  .transform((value) => value.replace(/\/+$/, ''));

export const wooCommerceCredentialsSchema = z.object({
  storeUrl,
  /** WooCommerce → Settings → Advanced → REST API: "Consumer key" (ck_ + 40 hex digits in practice). */
  consumerKey: z.string().trim().regex(/^ck_\w+$/, 'expected a WooCommerce consumer key (ck_...)'),
  /** "Consumer secret" (cs_...). */
  consumerSecret: z.string().trim().regex(/^cs_\w+$/, 'expected a WooCommerce consumer secret (cs_...)'),
  /**
   * The "Secret" of the order.created / order.updated webhooks. Never empty: an HMAC under an empty key
   * is one anybody can compute.
   */
  webhookSecret: z.string().min(1, 'the webhook secret must not be empty'),
});

export type WooCommerceCredentials = z.infer<typeof wooCommerceCredentialsSchema>;

/** `${storeUrl}/wp-json/wc/v3` — the REST v3 base every request is built from. */
export function wooCommerceRestBase(credentials: Pick<WooCommerceCredentials, 'storeUrl'>): string {
  return `${credentials.storeUrl.replace(/\/+$/, '')}/wp-json/wc/v3`;
}

/** The Basic auth header value (consumer key as user, consumer secret as password). */
export function wooCommerceAuthorization(credentials: Pick<WooCommerceCredentials, 'consumerKey' | 'consumerSecret'>): string {
  const token = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`, 'utf8').toString('base64');
  return `Basic ${token}`;
}
