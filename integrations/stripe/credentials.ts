// What a company stores to connect Stripe (docs/integrations/stripe.md). Validated once, when set with
// `lux integrations set stripe` and again before every use, so a bad value fails with a field name
// instead of as a confusing 401 in the middle of an import.
import { z } from 'zod';

export const STRIPE_DEFAULT_API_BASE_URL = 'https://api.stripe.com';

export const stripeCredentialsSchema = z.object({
  /**
   * A secret key (sk_live_/sk_test_) or, preferably, a restricted key (rk_live_/rk_test_) with read
   * access to charges, refunds, invoices, subscriptions and disputes. We only ever read.
   */
  apiKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'expected a Stripe secret (sk_...) or restricted (rk_...) API key'),
  /** The signing secret of the webhook endpoint (Dashboard → Webhooks → endpoint → Signing secret). */
  webhookSecret: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9_+/=]+$/, 'expected a Stripe webhook signing secret (whsec_...)'),
  /**
   * Where the Stripe API lives. Only tests change it (they point it at a local fake); the SDK always
   * adds `/v1/...` itself, so a path here would be ignored and is refused instead.
   */
  apiBaseUrl: z
    .string()
    .url()
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'expected an http or https URL')
    .refine((value) => ['', '/'].includes(new URL(value).pathname), 'expected a URL without a path (the SDK adds /v1/...)')
    .default(STRIPE_DEFAULT_API_BASE_URL),
});

/** Parsed credentials (apiBaseUrl always filled in). */
export type StripeCredentials = z.infer<typeof stripeCredentialsSchema>;
/** What a caller may pass in (apiBaseUrl optional). */
export type StripeCredentialsInput = z.input<typeof stripeCredentialsSchema>;
