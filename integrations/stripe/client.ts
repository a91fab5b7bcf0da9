// One way to build the Stripe SDK client, and one way to turn its errors into ours. Everything in
// integrations/stripe that talks to Stripe goes through these two, so an activity only ever sees
// VendorHttpError (retry or not, and how long Stripe asked us to wait) or VendorResponseError.
import Stripe from 'stripe';
import { VendorHttpError, parseRetryAfter } from '../http';
import { stripeCredentialsSchema, type StripeCredentialsInput } from './credentials';

export const STRIPE_VENDOR = 'stripe';

/** Per-request timeout. Stripe list pages are small; a minute means something is wrong. */
export const STRIPE_DEFAULT_TIMEOUT_MS = 30_000;

export type StripeClientOptions = { timeoutMs?: number };

/**
 * A Stripe client for one company's credentials.
 *
 * - host/port/protocol come from apiBaseUrl, so tests talk to a local fake through the real SDK.
 * - maxNetworkRetries 0: Temporal retries the activity with its own backoff and records every attempt;
 *   hidden SDK retries would make an attempt's duration and outcome lie. (The SDK still retries a
 *   closed keep-alive socket once; that request never reached Stripe.)
 * - telemetry off: the SDK otherwise reports request timings back to Stripe in a header.
 * - The API version is the SDK's pinned one (see docs/integrations/stripe.md), so response shapes match
 *   the SDK's type definitions our schemas were checked against.
 */
export function createStripeClient(credentials: StripeCredentialsInput, options: StripeClientOptions = {}): Stripe {
  const parsed = stripeCredentialsSchema.parse(credentials);
  const base = new URL(parsed.apiBaseUrl);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(parsed.apiKey, {
    host: base.hostname,
    port: base.port !== '' ? base.port : protocol === 'http' ? '80' : '443',
    protocol,
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? STRIPE_DEFAULT_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'lux-marketing-analytics' },
  });
}

/**
 * Any error thrown by a Stripe SDK call → VendorHttpError, so callers handle one type:
 * - an API error answer keeps its HTTP status (429 and 5xx are retryable, other 4xx not) and the
 *   Retry-After header when Stripe sent one;
 * - a connection failure or timeout becomes status 0 (retryable);
 * - an answer that was not JSON at all (a proxy's HTML 502, say) has no status: also status 0, since
 *   it is transient far more often than not and the activity's retry limit still ends it loudly.
 * Errors that did not come from the SDK (a bug of ours) are returned unchanged.
 */
export function toVendorError(error: unknown): Error {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  if (error instanceof Stripe.errors.StripeConnectionError || typeof error.statusCode !== 'number') {
    return new VendorHttpError(STRIPE_VENDOR, 0, `stripe: ${error.message}`, null);
  }
  const retryAfter = parseRetryAfter(error.headers?.['retry-after'] ?? null);
  const detail = [error.type, error.code].filter((part) => typeof part === 'string' && part !== '').join('/');
  return new VendorHttpError(STRIPE_VENDOR, error.statusCode, `stripe: HTTP ${error.statusCode}${detail ? ` (${detail})` : ''}: ${error.message}`, retryAfter);
}

/** Runs one SDK call and rethrows its failure through toVendorError. */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toVendorError(error);
  }
}
