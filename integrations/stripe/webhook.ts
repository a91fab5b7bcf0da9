// Stripe webhook authenticity. The SDK's constructEvent checks the `Stripe-Signature` header
// (t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">) in constant time and the timestamp against a
// tolerance; we only adapt its answer to our WebhookVerification. It must see the raw bytes: a body
// parsed and re-serialised no longer matches its signature.
import Stripe from 'stripe';
import type { WebhookHeaders, WebhookVerification } from '../contracts';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
/** Stripe's own default: a signed delivery older than this is refused as a possible replay. */
export const STRIPE_DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Verifies one delivery. A valid one is accepted whatever its event type: unsupported types are still
 * stored raw (normaliseStripeEvent rejects them with the reason), so nothing Stripe sent is lost.
 *
 * dedupeKey = `event:<event id>`: Stripe redelivers an event (retries for up to three days, or a
 * manual resend) with the same id, so a redelivery maps to the stored row.
 */
export function verifyStripeWebhook(
  rawBody: Buffer,
  headers: WebhookHeaders,
  webhookSecret: string,
  toleranceSeconds = STRIPE_DEFAULT_TOLERANCE_SECONDS,
): WebhookVerification {
  const signature = headerValue(headers, STRIPE_SIGNATURE_HEADER);
  if (signature === null) return { ok: false, reason: 'missing Stripe-Signature header' };
  if (Array.isArray(signature)) return { ok: false, reason: 'more than one Stripe-Signature header' };

  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, webhookSecret, toleranceSeconds);
  } catch (error) {
    // The SDK verifies first and parses second: anything but a signature error means the signed body is not JSON.
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return { ok: false, reason: `invalid Stripe signature: ${firstLine(error)}` };
    return { ok: false, reason: `signed Stripe payload is not JSON: ${firstLine(error)}` };
  }

  // The signature is good, so the body is Stripe's; still, never trust a shape unchecked.
  if (!isRecord(event) || typeof event.id !== 'string' || event.id === '' || typeof event.type !== 'string' || event.type === '') {
    return { ok: false, reason: 'signed Stripe payload is not an event (no id or type)' };
  }
  return { ok: true, webhook: { topic: event.type, dedupeKey: `event:${event.id}`, deliveryId: event.id, payload: event } };
}

/** Header names are case-insensitive; Node lower-cases them, other callers may not. */
function headerValue(headers: WebhookHeaders, name: string): string | string[] | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (Array.isArray(value)) return value.length === 1 && value[0] !== undefined ? value[0] : value;
    return value.trim() === '' ? null : value;
  }
  return null;
}

/** The SDK's reason without its multi-line documentation links (a JSON parse error is reported as is). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'verification failed';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
