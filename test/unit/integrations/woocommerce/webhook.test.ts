import { createHash } from 'node:crypto';
import { normaliseWooCommerceWebhook, verifyWooCommerceWebhook } from '../../../../integrations/woocommerce';
import type { WebhookVerification, VerifiedWebhook } from '../../../../integrations/contracts';
import { signWooCommerceWebhook, wooCommerceWebhookHeaders, wooOrder } from '../../../support/fakes/woocommerce';

const SECRET = 'whsec-woo-test-0123456789';

function body(overrides: Parameters<typeof wooOrder>[0] = {}): Buffer {
  return Buffer.from(JSON.stringify(wooOrder({ id: 1234, date_modified_gmt: '2024-03-01T10:05:00', ...overrides })), 'utf8');
}

/** Node hands request headers over with lower-cased names. */
function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function verified(result: WebhookVerification): VerifiedWebhook {
  if (result.ok !== true) throw new Error(`expected a verified webhook, got ${JSON.stringify(result)}`);
  return result.webhook;
}

describe('verifyWooCommerceWebhook: signature', () => {
  it('accepts a correctly signed delivery and returns topic, payload and delivery id', () => {
    const raw = body();
    const result = verifyWooCommerceWebhook(raw, lowerCased(wooCommerceWebhookHeaders(raw, SECRET, 'order.updated')), SECRET);
    const webhook = verified(result);
    expect(webhook.topic).toBe('order.updated');
    expect(webhook.deliveryId).toBe('c81e728d9d4c2f636f067f89cc14862c');
    expect(webhook.payload).toEqual(JSON.parse(raw.toString('utf8')));
    expect(webhook.dedupeKey).toBe('order.updated:1234:2024-03-01T10:05:00');
  });

  it('looks headers up whatever their case, and takes the first value of a repeated header', () => {
    const raw = body();
    const headers = wooCommerceWebhookHeaders(raw, SECRET, 'order.created'); // X-WC-Webhook-* spelling
    expect(verified(verifyWooCommerceWebhook(raw, headers, SECRET)).topic).toBe('order.created');
    const repeated = { ...lowerCased(headers), 'x-wc-webhook-signature': [signWooCommerceWebhook(raw, SECRET), 'other'] };
    expect(verifyWooCommerceWebhook(raw, repeated, SECRET).ok).toBe(true);
  });

  it('rejects a body changed after signing', () => {
    const raw = body();
    const headers = lowerCased(wooCommerceWebhookHeaders(raw, SECRET));
    const tampered = Buffer.from(raw.toString('utf8').replace('"49.90"', '"0.01"'), 'utf8');
    expect(tampered.equals(raw)).toBe(false);
    const result = verifyWooCommerceWebhook(tampered, headers, SECRET);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/does not match/) as unknown });
  });

  it('rejects a delivery signed with another secret', () => {
    const raw = body();
    const result = verifyWooCommerceWebhook(raw, lowerCased(wooCommerceWebhookHeaders(raw, 'someone-else')), SECRET);
    expect(result.ok).toBe(false);
  });

  it('rejects a signature of a different length without throwing', () => {
    const raw = body();
    const headers = { ...lowerCased(wooCommerceWebhookHeaders(raw, SECRET)), 'x-wc-webhook-signature': 'c2hvcnQ=' };
    expect(verifyWooCommerceWebhook(raw, headers, SECRET).ok).toBe(false);
  });

  it('rejects a JSON delivery without a signature header', () => {
    const raw = body();
    const headers = lowerCased(wooCommerceWebhookHeaders(raw, SECRET));
    delete headers['x-wc-webhook-signature'];
    expect(verifyWooCommerceWebhook(raw, headers, SECRET)).toEqual({ ok: false, reason: 'missing X-WC-Webhook-Signature header' });
  });

  it('refuses to verify when no secret is configured (an empty-key HMAC proves nothing)', () => {
    const raw = body();
    const result = verifyWooCommerceWebhook(raw, lowerCased(wooCommerceWebhookHeaders(raw, '')), '');
    expect(result.ok).toBe(false);
  });
});

describe('verifyWooCommerceWebhook: creation ping', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'user-agent': 'WooCommerce/8.6.1 Hookshot' };

  it('answers the unsigned webhook_id=<id> form body as a ping', () => {
    expect(verifyWooCommerceWebhook(Buffer.from('webhook_id=17'), form, SECRET)).toEqual({ ok: 'ping' });
  });

  it.each([
    ['webhook_id=17&topic=order.updated', form],
    ['webhook_id=abc', form],
    ['webhook_id=17', { 'content-type': 'application/json' }],
    ['webhook_id=17', {}],
    ['{"webhook_id":17}', form],
  ])('does not take %p (%p) for a ping', (text, headers) => {
    const result = verifyWooCommerceWebhook(Buffer.from(text), headers, SECRET);
    expect(result).toEqual({ ok: false, reason: 'missing X-WC-Webhook-Signature header' });
  });
});

describe('verifyWooCommerceWebhook: topic and body', () => {
  it('rejects a correctly signed delivery of an unsupported topic, naming it', () => {
    const raw = Buffer.from(JSON.stringify({ id: 9, name: 'Linen shirt' }));
    const result = verifyWooCommerceWebhook(raw, wooCommerceWebhookHeaders(raw, SECRET, 'product.updated'), SECRET);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('unsupported topic "product.updated"') as unknown });
  });

  it('rejects a delivery without a topic header', () => {
    const raw = body();
    const headers = lowerCased(wooCommerceWebhookHeaders(raw, SECRET));
    delete headers['x-wc-webhook-topic'];
    expect(verifyWooCommerceWebhook(raw, headers, SECRET)).toEqual({ ok: false, reason: 'missing X-WC-Webhook-Topic header' });
  });

  it('rejects a signed body that is not JSON', () => {
    const raw = Buffer.from('not json');
    expect(verifyWooCommerceWebhook(raw, wooCommerceWebhookHeaders(raw, SECRET), SECRET)).toEqual({ ok: false, reason: 'body is not valid JSON' });
  });

  it('has a null delivery id when the header is absent', () => {
    const raw = body();
    const headers = lowerCased(wooCommerceWebhookHeaders(raw, SECRET));
    delete headers['x-wc-webhook-delivery-id'];
    expect(verified(verifyWooCommerceWebhook(raw, headers, SECRET)).deliveryId).toBeNull();
  });
});

describe('verifyWooCommerceWebhook: dedupe key', () => {
  it('is identical for the same event delivered twice, even under different delivery ids', () => {
    const raw = body();
    const first = verified(verifyWooCommerceWebhook(raw, wooCommerceWebhookHeaders(raw, SECRET, 'order.updated', { 'X-WC-Webhook-Delivery-ID': 'aaa' }), SECRET));
    const second = verified(verifyWooCommerceWebhook(raw, wooCommerceWebhookHeaders(raw, SECRET, 'order.updated', { 'X-WC-Webhook-Delivery-ID': 'bbb' }), SECRET));
    expect(first.deliveryId).not.toBe(second.deliveryId);
    expect(first.dedupeKey).toBe(second.dedupeKey);
  });

  it('differs for a later modification of the same order', () => {
    const before = body({ date_modified_gmt: '2024-03-01T10:05:00' });
    const after = body({ date_modified_gmt: '2024-03-01T11:00:00', status: 'completed' });
    const a = verified(verifyWooCommerceWebhook(before, wooCommerceWebhookHeaders(before, SECRET), SECRET));
    const b = verified(verifyWooCommerceWebhook(after, wooCommerceWebhookHeaders(after, SECRET), SECRET));
    expect(a.dedupeKey).toBe('order.updated:1234:2024-03-01T10:05:00');
    expect(b.dedupeKey).toBe('order.updated:1234:2024-03-01T11:00:00');
  });

  it('falls back to the SHA-256 of the body when the payload has no modification time', () => {
    const raw = Buffer.from(JSON.stringify({ id: 1234, status: 'processing' }));
    const webhook = verified(verifyWooCommerceWebhook(raw, wooCommerceWebhookHeaders(raw, SECRET), SECRET));
    expect(webhook.dedupeKey).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
  });
});

describe('normaliseWooCommerceWebhook', () => {
  it('normalises an order topic payload into an order record', () => {
    const payload: unknown = JSON.parse(body().toString('utf8'));
    const result = normaliseWooCommerceWebhook('order.created', payload);
    expect(result.ok && result.records.map((r) => r.kind)).toEqual(['order']);
  });

  it('rejects other topics with a reason, without the raw email', () => {
    const result = normaliseWooCommerceWebhook('customer.created', { id: 5, email: 'jane@example.com' });
    expect(result).toEqual({ ok: false, rejected: { externalId: null, reason: expect.stringContaining('customer.created') as unknown, raw: { id: 5, email: '[redacted]' } } });
  });
});
