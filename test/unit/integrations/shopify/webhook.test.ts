import { createHash } from 'node:crypto';
import type { WebhookVerification } from '../../../../integrations/contracts';
import { normaliseShopifyWebhook, verifyShopifyWebhook } from '../../../../integrations/shopify';
import { shopifyOrder, shopifyWebhookHeaders, signShopifyWebhook } from '../../../support/fakes/shopify';

const secret = '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';

/** The reason of a rejected verification (fails the test when it was accepted). */
function reasonOf(result: WebhookVerification): string {
  if (result.ok !== false) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

function delivery(options: { topic?: string; eventId?: string | null; webhookId?: string | null; body?: string } = {}) {
  const rawBody = Buffer.from(options.body ?? JSON.stringify(shopifyOrder({ id: 450789469, name: '#1001' })));
  const headers = shopifyWebhookHeaders({
    rawBody,
    secret,
    topic: options.topic ?? 'orders/create',
    eventId: options.eventId === undefined ? '98880550-7158-44d4-b7cd-2c97c8a091b5' : options.eventId,
    webhookId: options.webhookId,
  });
  return { rawBody, headers };
}

describe('verifyShopifyWebhook: authenticity', () => {
  it('accepts a body signed with the app client secret', () => {
    const { rawBody, headers } = delivery();
    const result = verifyShopifyWebhook(rawBody, headers, secret);
    expect(result).toMatchObject({ ok: true, webhook: { topic: 'orders/create', deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' } });
    if (result.ok !== true) throw new Error('expected ok');
    expect(result.webhook.payload).toMatchObject({ id: 450789469, name: '#1001' });
  });

  it('rejects a body altered after signing (one byte)', () => {
    const { rawBody, headers } = delivery();
    const tampered = Buffer.from(rawBody.toString('utf8').replace('"70.88"', '"0.01"'));
    expect(tampered.equals(rawBody)).toBe(false);
    expect(reasonOf(verifyShopifyWebhook(tampered, headers, secret))).toMatch(/does not match the body/);
  });

  it('rejects a signature made with another secret', () => {
    const { rawBody, headers } = delivery();
    expect(reasonOf(verifyShopifyWebhook(rawBody, headers, 'shpss_someone_else'))).toMatch(/does not match/);
  });

  it('rejects a delivery without X-Shopify-Hmac-Sha256, naming the header', () => {
    const { rawBody, headers } = delivery();
    delete headers['X-Shopify-Hmac-Sha256'];
    expect(verifyShopifyWebhook(rawBody, headers, secret)).toEqual({ ok: false, reason: 'shopify: missing X-Shopify-Hmac-Sha256 header' });
  });

  it.each([
    ['not base64', '!!!not-base64!!!'],
    ['too short (a truncated digest)', signShopifyWebhook('{}', secret).slice(0, 20)],
    ['hex instead of base64', createHash('sha256').update('x').digest('hex')],
    ['two signatures', `${signShopifyWebhook('{}', secret)}, ${signShopifyWebhook('{}', secret)}`],
  ])('rejects a malformed signature header (%s) without throwing', (_label, value) => {
    const { rawBody, headers } = delivery();
    headers['X-Shopify-Hmac-Sha256'] = value;
    expect(verifyShopifyWebhook(rawBody, headers, secret).ok).toBe(false);
  });

  it('refuses to verify with an empty secret', () => {
    const rawBody = Buffer.from('{}');
    const headers = { 'x-shopify-hmac-sha256': signShopifyWebhook(rawBody, ''), 'x-shopify-topic': 'orders/create' };
    expect(reasonOf(verifyShopifyWebhook(rawBody, headers, ''))).toMatch(/no webhook secret/);
  });

  it('reads headers whatever their case (Node lower-cases them)', () => {
    const { rawBody, headers } = delivery();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyShopifyWebhook(rawBody, lower, secret).ok).toBe(true);
    expect(verifyShopifyWebhook(rawBody, upper, secret).ok).toBe(true);
  });

  it('accepts a header value delivered as a one-element array', () => {
    const { rawBody, headers } = delivery();
    const arrayed = { ...headers, 'X-Shopify-Hmac-Sha256': [headers['X-Shopify-Hmac-Sha256'] ?? ''] };
    expect(verifyShopifyWebhook(rawBody, arrayed, secret).ok).toBe(true);
  });
});

describe('verifyShopifyWebhook: topics', () => {
  it.each(['orders/create', 'orders/updated', 'checkouts/create'])('accepts %s', (topic) => {
    const { rawBody, headers } = delivery({ topic });
    expect(verifyShopifyWebhook(rawBody, headers, secret)).toMatchObject({ ok: true, webhook: { topic } });
  });

  it('rejects a topic LUX does not handle, saying which ones it does', () => {
    const { rawBody, headers } = delivery({ topic: 'products/update' });
    expect(verifyShopifyWebhook(rawBody, headers, secret)).toEqual({
      ok: false,
      reason: 'shopify: topic "products/update" is not handled; subscribe only orders/create, orders/updated, checkouts/create',
    });
  });

  it('rejects a delivery without a topic', () => {
    const { rawBody, headers } = delivery();
    delete headers['X-Shopify-Topic'];
    expect(verifyShopifyWebhook(rawBody, headers, secret)).toEqual({ ok: false, reason: 'shopify: missing X-Shopify-Topic header' });
  });

  it('rejects a signed body that is not JSON', () => {
    const { rawBody, headers } = delivery({ body: 'not json' });
    expect(verifyShopifyWebhook(rawBody, headers, secret)).toEqual({ ok: false, reason: 'shopify: orders/create body is not JSON' });
  });
});

describe('verifyShopifyWebhook: dedupe keys', () => {
  const keyOf = (options: Parameters<typeof delivery>[0]) => {
    const { rawBody, headers } = delivery(options);
    const result = verifyShopifyWebhook(rawBody, headers, secret);
    if (result.ok !== true) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result.webhook;
  };

  it('gives two deliveries of the same event (different webhook ids) the same key', () => {
    const first = keyOf({ eventId: 'evt-1', webhookId: 'delivery-a' });
    const second = keyOf({ eventId: 'evt-1', webhookId: 'delivery-b' });
    expect(first.dedupeKey).toBe('event:evt-1');
    expect(second.dedupeKey).toBe(first.dedupeKey);
    expect([first.deliveryId, second.deliveryId]).toEqual(['delivery-a', 'delivery-b']);
  });

  it('keeps different events apart', () => {
    expect(keyOf({ eventId: 'evt-1' }).dedupeKey).not.toBe(keyOf({ eventId: 'evt-2' }).dedupeKey);
  });

  it('falls back to the webhook id, then to a hash of the body', () => {
    expect(keyOf({ eventId: null, webhookId: 'delivery-a' }).dedupeKey).toBe('webhook:delivery-a');
    const body = JSON.stringify({ id: 1 });
    const hashed = keyOf({ eventId: null, webhookId: null, body });
    expect(hashed.dedupeKey).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
    expect(hashed.deliveryId).toBeNull();
    expect(keyOf({ eventId: null, webhookId: null, body: JSON.stringify({ id: 2 }) }).dedupeKey).not.toBe(hashed.dedupeKey);
  });
});

describe('normaliseShopifyWebhook', () => {
  it('turns orders/create and orders/updated into an order', () => {
    for (const topic of ['orders/create', 'orders/updated']) {
      const result = normaliseShopifyWebhook(topic, shopifyOrder({ id: 42, name: '#1042' }));
      expect(result).toMatchObject({ ok: true, records: [{ kind: 'order', order: { source: 'shopify', externalId: '42', orderNumber: '1042' } }] });
    }
  });

  it('turns checkouts/create into no record at all (a checkout is not revenue)', () => {
    expect(normaliseShopifyWebhook('checkouts/create', { id: 123, token: 'abc', total_price: '70.88', email: 'bob@example.com' })).toEqual({ ok: true, records: [] });
  });

  it('rejects a topic it does not know', () => {
    const result = normaliseShopifyWebhook('products/update', {});
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.rejected.reason).toMatch(/not handled/);
  });
});
