// WooCommerce webhook deliveries: is this really from the shop, which event is it, and which key makes a
// redelivery of the same event land on the same row. ../shared/REFERENCE.md has the vendor's rules:
// - X-WC-Webhook-Signature = base64(HMAC-SHA256(secret, raw body)); there is no timestamp, so there is
//   no replay window to check — dedupe on the event instead.
// - X-WC-Webhook-Delivery-ID is hash(webhook id . time in seconds): NOT unique per event, so it is
//   kept for the audit trail only, never used to dedupe.
// - Creating a webhook sends an unsigned `webhook_id=<id>` form body that must be answered 2xx.
// - More than 5 consecutive non-2xx answers and WooCommerce disables the webhook (no retries).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NormaliseResult } from '../../lib/commerce/records';
import type { VerifiedWebhook, WebhookHeaders, WebhookVerification } from '../contracts';
import { normaliseWooCommerceOrder, redactWooCommerceRow } from './normalise';

/** The topics we subscribe to: both carry the full order JSON. */
export const WOOCOMMERCE_WEBHOOK_TOPICS = ['order.created', 'order.updated'] as const;
export type WooCommerceWebhookTopic = (typeof WOOCOMMERCE_WEBHOOK_TOPICS)[number];

export function isWooCommerceWebhookTopic(topic: string): topic is WooCommerceWebhookTopic {
  return (WOOCOMMERCE_WEBHOOK_TOPICS as readonly string[]).includes(topic);
}

/** The creation ping's whole body. Anything else unsigned is refused. */
const PING_BODY = /^webhook_id=\d+$/;

/**
 * Verifies one delivery against the company's webhook secret, over the raw body bytes exactly as
 * received (a re-serialised body would not match the signature).
 */
export function verifyWooCommerceWebhook(rawBody: Buffer, headers: WebhookHeaders, webhookSecret: string): WebhookVerification {
  const signature = header(headers, 'x-wc-webhook-signature');
  if (signature === null) {
    if (isPing(rawBody, headers)) return { ok: 'ping' };
    return { ok: false, reason: 'missing X-WC-Webhook-Signature header' };
  }
  if (webhookSecret === '') {
    // An HMAC under an empty key proves nothing: anybody can compute it.
    return { ok: false, reason: 'no WooCommerce webhook secret is configured for this company' };
  }
  const expected = createHmac('sha256', webhookSecret).update(rawBody).digest('base64');
  if (!constantTimeEqual(signature, expected)) {
    return { ok: false, reason: 'X-WC-Webhook-Signature does not match the body (wrong secret, or the body was changed)' };
  }

  // Signed by the shop from here on: the remaining checks are about what it sent.
  const topic = header(headers, 'x-wc-webhook-topic');
  if (topic === null) return { ok: false, reason: 'missing X-WC-Webhook-Topic header' };
  if (!isWooCommerceWebhookTopic(topic)) {
    return { ok: false, reason: `unsupported topic ${JSON.stringify(topic)}: only ${WOOCOMMERCE_WEBHOOK_TOPICS.join(' and ')} are handled` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  const webhook: VerifiedWebhook = {
    topic,
    dedupeKey: wooCommerceDedupeKey(topic, payload, rawBody),
    deliveryId: header(headers, 'x-wc-webhook-delivery-id'),
    payload,
  };
  return { ok: true, webhook };
}

/**
 * One key per event: `${topic}:${order id}:${date_modified_gmt}` — the same order state delivered again
 * (WooCommerce, a proxy, or a person re-sending it) gets the same key, and a later modification a new
 * one. Without an id and modification time the key is the body's SHA-256, which is still identical for
 * an identical delivery.
 */
export function wooCommerceDedupeKey(topic: string, payload: unknown, rawBody: Buffer): string {
  if (typeof payload === 'object' && payload !== null) {
    const { id, date_modified_gmt: modified } = payload as { id?: unknown; date_modified_gmt?: unknown };
    const idText = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : typeof id === 'string' && id !== '' ? id : null;
    if (idText !== null && typeof modified === 'string' && modified !== '') return `${topic}:${idText}:${modified}`;
  }
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/** A verified delivery's payload → records (order topics only). Never throws. */
export function normaliseWooCommerceWebhook(topic: string, payload: unknown): NormaliseResult {
  if (isWooCommerceWebhookTopic(topic)) return normaliseWooCommerceOrder(payload);
  return {
    ok: false,
    rejected: { externalId: null, reason: `unsupported WooCommerce webhook topic ${JSON.stringify(topic)}`, raw: redactWooCommerceRow(payload) },
  };
}

/** The creation ping: unsigned, form-encoded, and nothing but `webhook_id=<digits>`. */
function isPing(rawBody: Buffer, headers: WebhookHeaders): boolean {
  const contentType = header(headers, 'content-type');
  if (contentType === null || !/^application\/x-www-form-urlencoded\b/i.test(contentType)) return false;
  return PING_BODY.test(rawBody.toString('utf8').trim());
}

/**
 * Header lookup ignoring case (Node lower-cases incoming names, tests and other servers may not). A
 * repeated header arrives as an array: the first value is used. Empty values count as absent.
 */
function header(headers: WebhookHeaders, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    const trimmed = first?.trim();
    if (trimmed !== undefined && trimmed !== '') return trimmed;
  }
  return null;
}

/** timingSafeEqual needs equal lengths; a different length is simply a mismatch (its length is no secret). */
function constantTimeEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
