// Shopify webhook deliveries: prove they come from Shopify (HMAC of the raw body under the app's client
// secret), pick the topics LUX subscribes to, and key each event so a redelivery is stored once.
// ../shared/REFERENCE.md "Webhook authenticity" is the source of these rules.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NormaliseResult } from '../../lib/commerce/records';
import type { WebhookHeaders, WebhookVerification } from '../contracts';
import { normaliseShopifyCheckout, normaliseShopifyOrder } from './normalise';

export const SHOPIFY_WEBHOOK_TOPICS = ['orders/create', 'orders/updated', 'checkouts/create'] as const;
export type ShopifyWebhookTopic = (typeof SHOPIFY_WEBHOOK_TOPICS)[number];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function verifyShopifyWebhook(rawBody: Buffer, headers: WebhookHeaders, webhookSecret: string): WebhookVerification {
  // An empty key would make every signature computable by anyone: refuse to "verify" with it.
  if (webhookSecret === '') return { ok: false, reason: 'shopify: no webhook secret (app client secret) is configured' };
  const signature = headerValue(headers, 'x-shopify-hmac-sha256');
  if (signature === null) return { ok: false, reason: 'shopify: missing X-Shopify-Hmac-Sha256 header' };
  if (!signatureMatches(rawBody, signature, webhookSecret)) {
    return { ok: false, reason: 'shopify: X-Shopify-Hmac-Sha256 does not match the body (wrong client secret, or the body was altered)' };
  }

  // Only now, with the sender proven, is anything in the request worth reading.
  const topic = headerValue(headers, 'x-shopify-topic');
  if (topic === null) return { ok: false, reason: 'shopify: missing X-Shopify-Topic header' };
  if (!isShopifyWebhookTopic(topic)) {
    return { ok: false, reason: `shopify: topic ${JSON.stringify(topic)} is not handled; subscribe only ${SHOPIFY_WEBHOOK_TOPICS.join(', ')}` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: `shopify: ${topic} body is not JSON` };
  }

  const eventId = headerValue(headers, 'x-shopify-event-id');
  const webhookId = headerValue(headers, 'x-shopify-webhook-id');
  return {
    ok: true,
    webhook: { topic, dedupeKey: shopifyDedupeKey(eventId, webhookId, rawBody), deliveryId: webhookId ?? eventId, payload },
  };
}

/**
 * Which deliveries are the same event:
 * - X-Shopify-Event-Id names the event itself; Shopify documents that several deliveries carrying the
 *   same event id are duplicates (a retry after a slow 200, or two subscriptions to one topic), so it
 *   is the best key.
 * - Older API versions omit it; X-Shopify-Webhook-Id then identifies the delivery, which Shopify keeps
 *   across its retries of that delivery.
 * - With neither header, identical bytes are the same event: the body carries the order's updated_at,
 *   so a real change always hashes differently.
 */
export function shopifyDedupeKey(eventId: string | null, webhookId: string | null, rawBody: Buffer): string {
  if (eventId !== null) return `event:${eventId}`;
  if (webhookId !== null) return `webhook:${webhookId}`;
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/** The payload of a verified delivery → records (orders/*) or nothing (checkouts/create). */
export function normaliseShopifyWebhook(topic: string, payload: unknown): NormaliseResult {
  switch (topic) {
    case 'orders/create':
    case 'orders/updated':
      return normaliseShopifyOrder(payload);
    case 'checkouts/create':
      return normaliseShopifyCheckout(payload);
    default:
      return { ok: false, rejected: { externalId: null, reason: `shopify: topic ${JSON.stringify(topic)} is not handled`, raw: null } };
  }
}

export function isShopifyWebhookTopic(topic: string): topic is ShopifyWebhookTopic {
  return (SHOPIFY_WEBHOOK_TOPICS as readonly string[]).includes(topic);
}

/**
 * Compares raw HMAC bytes in constant time. The header is decoded first (a malformed one cannot
 * match); a length mismatch is a rejection, checked before timingSafeEqual, which would throw on it.
 */
function signatureMatches(rawBody: Buffer, signature: string, secret: string): boolean {
  if (!BASE64.test(signature)) return false;
  const given = Buffer.from(signature, 'base64');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A header by name, whatever its case (Node lower-cases, a test or proxy may not). Repeated values (or
 * the same name in two spellings) are joined as Node joins them, so a doubled signature header never
 * matches; blank means absent.
 */
function headerValue(headers: WebhookHeaders, name: string): string | null {
  const values = Object.entries(headers)
    .filter(([key]) => key.toLowerCase() === name)
    .flatMap(([, value]) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));
  const text = values.join(', ').trim();
  return text === '' ? null : text;
}
