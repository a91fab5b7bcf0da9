import { verifyStripeWebhook } from '../../../../integrations/stripe/webhook';
import { FAKE_STRIPE_WEBHOOK_SECRET, signStripeWebhook, stripeCharge, stripeEvent } from '../../../support/fakes/stripe';

const secret = FAKE_STRIPE_WEBHOOK_SECRET;
const now = () => Math.floor(Date.now() / 1000);

function delivery(type = 'charge.succeeded') {
  const event = stripeEvent(type, stripeCharge());
  const body = JSON.stringify(event, null, 2);
  return { event, body, raw: Buffer.from(body, 'utf8') };
}

describe('verifyStripeWebhook', () => {
  it('accepts a delivery signed by the SDK and keys it by event id', () => {
    const { event, raw, body } = delivery();
    const result = verifyStripeWebhook(raw, { 'stripe-signature': signStripeWebhook(body, secret) }, secret);
    expect(result).toEqual({
      ok: true,
      webhook: { topic: 'charge.succeeded', dedupeKey: `event:${event.id}`, deliveryId: event.id, payload: JSON.parse(body) as unknown },
    });
  });

  it('reads the header whatever its case', () => {
    const { raw, body } = delivery();
    const result = verifyStripeWebhook(raw, { 'Stripe-Signature': signStripeWebhook(body, secret) }, secret);
    expect(result.ok).toBe(true);
  });

  it('gives a redelivery of the same event the same dedupe key', () => {
    const { raw, body } = delivery();
    const first = verifyStripeWebhook(raw, { 'stripe-signature': signStripeWebhook(body, secret, now() - 120) }, secret);
    const second = verifyStripeWebhook(raw, { 'stripe-signature': signStripeWebhook(body, secret, now()) }, secret);
    if (first.ok !== true || second.ok !== true) throw new Error('both deliveries should verify');
    expect(second.webhook.dedupeKey).toBe(first.webhook.dedupeKey);
    expect(second.webhook.deliveryId).toBe(first.webhook.deliveryId);
  });

  it('rejects a tampered body', () => {
    const { raw, body } = delivery();
    const header = signStripeWebhook(body, secret);
    const tampered = Buffer.from(raw.toString('utf8').replace('"amount": 2500', '"amount": 1'), 'utf8');
    expect(tampered.equals(raw)).toBe(false);
    const result = verifyStripeWebhook(tampered, { 'stripe-signature': header }, secret);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^invalid Stripe signature: No signatures found matching the expected signature/) as unknown });
  });

  it('rejects a re-serialised body (whitespace changed), proving it checks the raw bytes', () => {
    const { raw, body } = delivery();
    const header = signStripeWebhook(body, secret);
    const compact = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))), 'utf8');
    expect(verifyStripeWebhook(compact, { 'stripe-signature': header }, secret).ok).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    const { raw, body } = delivery();
    const result = verifyStripeWebhook(raw, { 'stripe-signature': signStripeWebhook(body, 'whsec_someoneElse') }, secret);
    expect(result.ok).toBe(false);
  });

  it('rejects a stale timestamp, and honours a custom tolerance', () => {
    const { raw, body } = delivery();
    const header = signStripeWebhook(body, secret, now() - 600);
    expect(verifyStripeWebhook(raw, { 'stripe-signature': header }, secret)).toEqual({ ok: false, reason: 'invalid Stripe signature: Timestamp outside the tolerance zone' });
    expect(verifyStripeWebhook(raw, { 'stripe-signature': header }, secret, 900).ok).toBe(true);
  });

  it('rejects a missing or empty header', () => {
    const { raw } = delivery();
    expect(verifyStripeWebhook(raw, {}, secret)).toEqual({ ok: false, reason: 'missing Stripe-Signature header' });
    expect(verifyStripeWebhook(raw, { 'stripe-signature': '' }, secret)).toEqual({ ok: false, reason: 'missing Stripe-Signature header' });
    expect(verifyStripeWebhook(raw, { 'stripe-signature': undefined }, secret).ok).toBe(false);
  });

  it('rejects a header without a v1 signature', () => {
    const { raw } = delivery();
    const result = verifyStripeWebhook(raw, { 'stripe-signature': `t=${now()},v0=abc` }, secret);
    expect(result).toEqual({ ok: false, reason: 'invalid Stripe signature: No signatures found with expected scheme' });
  });

  it('verifies event types it cannot normalise (they are stored raw)', () => {
    const { raw, body } = delivery('customer.created');
    const result = verifyStripeWebhook(raw, { 'stripe-signature': signStripeWebhook(body, secret) }, secret);
    expect(result.ok === true && result.webhook.topic).toBe('customer.created');
  });

  it('rejects a correctly signed body that is not an event', () => {
    const notJson = 'hello';
    expect(verifyStripeWebhook(Buffer.from(notJson), { 'stripe-signature': signStripeWebhook(notJson, secret) }, secret)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^signed Stripe payload is not JSON/) as unknown,
    });
    const noId = JSON.stringify({ object: 'event', type: 'charge.succeeded' });
    expect(verifyStripeWebhook(Buffer.from(noId), { 'stripe-signature': signStripeWebhook(noId, secret) }, secret)).toEqual({
      ok: false,
      reason: 'signed Stripe payload is not an event (no id or type)',
    });
  });
});
