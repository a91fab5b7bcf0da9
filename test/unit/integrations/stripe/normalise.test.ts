import { createHash } from 'node:crypto';
import type { CommerceRecord, NormaliseResult } from '../../../../lib/commerce/records';
import {
  monthlyRecurringAmount,
  normaliseStripeCharge,
  normaliseStripeDispute,
  normaliseStripeEvent,
  normaliseStripeInvoice,
  normaliseStripeRefund,
  normaliseStripeSubscription,
  redactPersonalData,
} from '../../../../integrations/stripe/normalise';
import {
  stripeCharge,
  stripeDispute,
  stripeEvent,
  stripeInvoice,
  stripeRefund,
  stripeSubscription,
  type FakePriceOptions,
} from '../../../support/fakes/stripe';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const iso = (unix: number) => new Date(unix * 1000).toISOString();

function records(result: NormaliseResult): CommerceRecord[] {
  if (result.ok !== true) throw new Error(`expected records, got rejection: ${result.rejected.reason}`);
  return result.records;
}
function rejection(result: NormaliseResult) {
  if (result.ok !== false) throw new Error(`expected a rejection, got ${JSON.stringify(result.records)}`);
  return result.rejected;
}
const kinds = (list: CommerceRecord[]) => list.map((record) => record.kind);
function only<K extends CommerceRecord['kind']>(list: CommerceRecord[], kind: K): Extract<CommerceRecord, { kind: K }> {
  const found = list.filter((record): record is Extract<CommerceRecord, { kind: K }> => record.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Extract<CommerceRecord, { kind: K }>;
}

describe('charges', () => {
  it('maps a standalone succeeded charge to a Payment and an Order (Stripe-only business)', () => {
    const charge = stripeCharge({
      amount: 4999,
      currency: 'usd',
      customer: 'cus_123',
      receipt_number: '1234-5678',
      metadata: { lux_visitor_id: 'v-1', lux_session_id: 's-1', lux_user_id: 'u-1' },
    });
    const result = records(normaliseStripeEvent(stripeEvent('charge.succeeded', charge, { created: charge.created + 2 })));
    expect(kinds(result)).toEqual(['payment', 'order']);

    expect(only(result, 'payment').payment).toEqual({
      source: 'stripe',
      externalId: charge.id,
      orderExternalId: null,
      invoiceId: null,
      subscriptionId: null,
      customerExternalId: 'cus_123',
      emailHash: sha256('buyer.one@example.com'),
      amountMinor: 4999,
      amountRefundedMinor: 0,
      currency: 'USD',
      status: 'succeeded',
      sourceStatus: 'succeeded',
      createdAt: iso(charge.created),
      tracking: { visitorId: 'v-1', sessionId: 's-1', userId: 'u-1' },
    });
    expect(only(result, 'order').order).toEqual({
      source: 'stripe',
      externalId: charge.id,
      orderNumber: '1234-5678',
      status: 'paid',
      sourceStatus: 'succeeded',
      currency: 'USD',
      totalMinor: 4999,
      subtotalMinor: null,
      taxMinor: null,
      shippingMinor: null,
      discountMinor: null,
      customerExternalId: 'cus_123',
      emailHash: sha256('buyer.one@example.com'),
      createdAt: iso(charge.created),
      paidAt: iso(charge.created),
      sourceUpdatedAt: iso(charge.created + 2),
      tracking: { visitorId: 'v-1', sessionId: 's-1', userId: 'u-1' },
      items: [],
      refunds: [],
    });
  });

  it('maps a charge for a store order (metadata.order_id) to the Payment only', () => {
    const charge = stripeCharge({ metadata: { order_id: '1042', lux_visitor_id: 'v-2' } });
    const result = records(normaliseStripeCharge(charge));
    expect(kinds(result)).toEqual(['payment']);
    expect(only(result, 'payment').payment).toMatchObject({ externalId: charge.id, orderExternalId: '1042', tracking: { visitorId: 'v-2', sessionId: null, userId: null } });
  });

  it('falls back to receipt_email when billing_details has no email', () => {
    const charge = stripeCharge({ billing_details: { address: null, email: null, name: null, phone: null, tax_id: null }, receipt_email: ' Receipt@Example.org ' });
    expect(only(records(normaliseStripeCharge(charge)), 'payment').payment.emailHash).toBe(sha256('receipt@example.org'));
  });

  it.each([
    ['failed', { status: 'failed' as const, paid: false }, 'failed'],
    ['pending (async payment method)', { status: 'pending' as const, paid: false }, 'pending'],
    ['uncaptured authorisation', { captured: false }, 'pending'],
    ['released authorisation', { captured: false, refunded: true, amount_refunded: 2500 }, 'refunded'],
  ])('a %s charge is a Payment without an Order', (_label, overrides, status) => {
    const result = records(normaliseStripeCharge(stripeCharge(overrides)));
    expect(kinds(result)).toEqual(['payment']);
    expect(only(result, 'payment').payment.status).toBe(status);
  });

  it('a disputed charge keeps its order (it was a sale); the payment says disputed, even when also refunded', () => {
    const result = records(normaliseStripeCharge(stripeCharge({ disputed: true, amount_refunded: 100 })));
    expect(kinds(result)).toEqual(['payment', 'order']);
    expect(only(result, 'payment').payment.status).toBe('disputed');
    expect(only(result, 'order').order.status).toBe('partially_refunded');
  });

  it('charge.refunded (partial) updates the Payment and Order amounts and emits one Refund per expanded refund', () => {
    const base = stripeCharge({ amount: 3000 });
    const first = stripeRefund({ charge: base.id, amount: 500, created: base.created + 10 });
    const second = stripeRefund({ charge: base.id, amount: 700, created: base.created + 20, reason: null });
    const charge = { ...base, amount_refunded: 1200, refunds: { object: 'list' as const, data: [second, first], has_more: false, url: `/v1/charges/${base.id}/refunds` } };
    const result = records(normaliseStripeEvent(stripeEvent('charge.refunded', charge)));

    expect(kinds(result)).toEqual(['payment', 'order', 'refund', 'refund']);
    expect(only(result, 'payment').payment).toMatchObject({ amountMinor: 3000, amountRefundedMinor: 1200, status: 'partially_refunded' });
    const order = only(result, 'order').order;
    expect(order.status).toBe('partially_refunded');
    const refunds = result.filter((record) => record.kind === 'refund').map((record) => (record.kind === 'refund' ? record.refund : null));
    expect(refunds).toEqual([
      { source: 'stripe', externalId: second.id, orderExternalId: base.id, paymentExternalId: base.id, amountMinor: 700, currency: 'EUR', reason: null, createdAt: iso(second.created) },
      { source: 'stripe', externalId: first.id, orderExternalId: base.id, paymentExternalId: base.id, amountMinor: 500, currency: 'EUR', reason: 'requested_by_customer', createdAt: iso(first.created) },
    ]);
    expect(order.refunds).toEqual(refunds);
  });

  it('a fully refunded charge reads refunded on both records; without expanded refunds no Refund is invented', () => {
    const charge = stripeCharge({ amount: 2000, amount_refunded: 2000, refunded: true });
    const result = records(normaliseStripeEvent(stripeEvent('charge.refunded', charge)));
    expect(kinds(result)).toEqual(['payment', 'order']);
    expect(only(result, 'payment').payment.status).toBe('refunded');
    expect(only(result, 'order').order.status).toBe('refunded');
  });

  it('a refunded store-order charge yields Payment + Refunds, the refunds without an order of ours', () => {
    const base = stripeCharge({ metadata: { order_id: '77' }, amount_refunded: 2500, refunded: true });
    const refund = stripeRefund({ charge: base.id, amount: 2500 });
    const charge = { ...base, refunds: { object: 'list' as const, data: [refund], has_more: false, url: '/v1/refunds' } };
    const result = records(normaliseStripeCharge(charge));
    expect(kinds(result)).toEqual(['payment', 'refund']);
    expect(only(result, 'refund').refund).toMatchObject({ orderExternalId: null, paymentExternalId: base.id });
  });
});

describe('refunds', () => {
  it('maps a refund naming only its charge id: payment known, order unknown', () => {
    const refund = stripeRefund({ charge: 'ch_abc', amount: 1500, currency: 'gbp' });
    expect(records(normaliseStripeRefund(refund))).toEqual([
      {
        kind: 'refund',
        refund: { source: 'stripe', externalId: refund.id, orderExternalId: null, paymentExternalId: 'ch_abc', amountMinor: 1500, currency: 'GBP', reason: 'requested_by_customer', createdAt: iso(refund.created) },
      },
    ]);
  });

  it('links a refund with an expanded standalone charge to the charge-order', () => {
    const charge = stripeCharge();
    const refund = stripeRefund({ charge });
    expect(only(records(normaliseStripeEvent(stripeEvent('refund.created', refund))), 'refund').refund).toMatchObject({ orderExternalId: charge.id, paymentExternalId: charge.id });
  });

  it('emits a failed or canceled refund with amount 0 so a stored pending refund is corrected', () => {
    const refund = stripeRefund({ status: 'failed', failure_reason: 'expired_or_canceled_card', amount: 900 });
    expect(only(records(normaliseStripeRefund(refund)), 'refund').refund).toMatchObject({ amountMinor: 0, reason: 'refund failed: expired_or_canceled_card' });
    expect(only(records(normaliseStripeRefund(stripeRefund({ status: 'canceled' }))), 'refund').refund).toMatchObject({ amountMinor: 0, reason: 'refund canceled' });
  });
});

describe('invoices', () => {
  it('maps a paid invoice through the charge that paid it: same key as the charge, plus invoice and subscription ids', () => {
    const charge = stripeCharge({ amount: 2900, metadata: {} });
    const invoice = stripeInvoice(
      { amount_paid: 2900, parent: { quote_details: null, type: 'subscription_details', subscription_details: { subscription: 'sub_1', metadata: { lux_visitor_id: 'v-sub' } } } },
      [{ payment: { type: 'payment_intent', payment_intent: 'pi_1' } }],
    );
    const expanded = { ...invoice, payments: { ...invoice.payments, data: invoice.payments?.data.map((p) => ({ ...p, payment: { ...p.payment, charge } })) } };

    const fromInvoice = records(normaliseStripeEvent(stripeEvent('invoice.payment_succeeded', expanded)));
    const fromCharge = records(normaliseStripeEvent(stripeEvent('charge.succeeded', charge)));
    const payment = only(fromInvoice, 'payment').payment;
    expect(payment).toMatchObject({ externalId: charge.id, invoiceId: invoice.id, subscriptionId: 'sub_1', amountMinor: 2900 });
    // Tracking ids set on the subscription reach the payment (Stripe does not copy them onto the charge).
    expect(payment.tracking.visitorId).toBe('v-sub');

    // Counted once: both views of the subscription payment share every key.
    const keys = (list: CommerceRecord[]) => list.map((record) => (record.kind === 'payment' ? `payment:${record.payment.externalId}` : record.kind === 'order' ? `order:${record.order.externalId}` : record.kind)).sort();
    expect(keys(fromInvoice)).toEqual(keys(fromCharge));
    expect(new Set([...keys(fromInvoice), ...keys(fromCharge)]).size).toBe(2);
  });

  it('accepts the expanded PaymentIntent latest_charge as the charge', () => {
    const charge = stripeCharge();
    const invoice = stripeInvoice({}, [{ payment: { type: 'payment_intent', payment_intent: { id: 'pi_9', latest_charge: charge } as never } }]);
    expect(only(records(normaliseStripeInvoice(invoice)), 'payment').payment.externalId).toBe(charge.id);
  });

  it('rejects a paid invoice whose charge is not in the payload instead of counting it a second time', () => {
    const { payments: _omitted, ...webhookShape } = stripeInvoice({ amount_paid: 2900 });
    const rejected = rejection(normaliseStripeEvent(stripeEvent('invoice.payment_succeeded', webhookShape)));
    expect(rejected.externalId).toBe(webhookShape.id);
    expect(rejected.reason).toMatch(/^data\.object\.payments: not in the payload/);

    const pending = rejection(normaliseStripeInvoice(stripeInvoice({}, [{ payment: { type: 'payment_intent', payment_intent: 'pi_x' } }])));
    expect(pending.reason).toMatch(/^invoice\.payments\.data\.0\.payment: names payment_intent pi_x but not the charge object/);
  });

  it('keys money that moved without a Stripe charge by the invoice or payment record', () => {
    const { payments: _none, ...trial } = stripeInvoice({ amount_paid: 0, amount_due: 0 });
    expect(only(records(normaliseStripeInvoice(trial)), 'payment').payment).toMatchObject({ externalId: trial.id, amountMinor: 0, invoiceId: trial.id });

    const offStripe = stripeInvoice({ amount_paid: 5000 }, [{ amount_paid: 5000, payment: { type: 'payment_record', payment_record: 'pr_1' } }]);
    expect(only(records(normaliseStripeInvoice(offStripe)), 'payment').payment).toMatchObject({ externalId: 'pr_1', amountMinor: 5000, invoiceId: offStripe.id });
  });

  it('rejects an invoice that is not paid', () => {
    expect(rejection(normaliseStripeInvoice(stripeInvoice({ status: 'open' }))).reason).toMatch(/^invoice\.status: invoice in_\w+ is open; only paid invoices are payments$/);
  });
});

describe('subscriptions and MRR', () => {
  const mrrOf = (items: FakePriceOptions[]) => only(records(normaliseStripeSubscription(stripeSubscription({}, items))), 'subscription').subscription.mrrMinor;

  it.each<[string, FakePriceOptions[], number]>([
    ['monthly', [{ unitAmount: 2900, interval: 'month' }], 2900],
    ['yearly ÷ 12', [{ unitAmount: 34800, interval: 'year' }], 2900],
    ['every 2 years ÷ 24', [{ unitAmount: 48000, interval: 'year', intervalCount: 2 }], 2000],
    ['quarterly (month × 3) ÷ 3', [{ unitAmount: 9000, interval: 'month', intervalCount: 3 }], 3000],
    ['weekly × 52 ÷ 12', [{ unitAmount: 1000, interval: 'week' }], 4333],
    ['daily × 365 ÷ 12', [{ unitAmount: 100, interval: 'day' }], 3042],
    ['quantity applied', [{ unitAmount: 1000, quantity: 3 }], 3000],
    ['items summed, rounded once', [{ unitAmount: 1000, interval: 'week' }, { unitAmount: 1000, interval: 'week' }], 8667],
    ['metered items count 0', [{ unitAmount: 2900 }, { unitAmount: 5, usageType: 'metered' }], 2900],
  ])('%s', (_label, items, expected) => {
    expect(mrrOf(items)).toBe(expected);
  });

  it('exposes the per-price formula', () => {
    expect(monthlyRecurringAmount(1200, 2, 'year', 1)).toBe(200);
    expect(monthlyRecurringAmount(700, 1, 'week', 2)).toBeCloseTo((700 * 52) / 12 / 2, 10);
  });

  it('maps status and times; the period end comes from the items', () => {
    const subscription = stripeSubscription({ status: 'canceled', canceled_at: 1767300000, ended_at: 1767400000, customer: 'cus_9' }, [{ unitAmount: 1000 }, { unitAmount: 12000, interval: 'year' }]);
    const ends = subscription.items.data.map((item) => item.current_period_end);
    const record = only(records(normaliseStripeEvent(stripeEvent('customer.subscription.deleted', subscription))), 'subscription').subscription;
    expect(record).toEqual({
      source: 'stripe',
      externalId: subscription.id,
      customerExternalId: 'cus_9',
      status: 'canceled',
      currency: 'EUR',
      mrrMinor: 2000,
      startedAt: iso(subscription.start_date),
      canceledAt: iso(1767300000),
      endedAt: iso(1767400000),
      currentPeriodEnd: iso(Math.max(...ends)),
    });
  });

  it('reads the legacy top-level current_period_end of older API versions', () => {
    const subscription = stripeSubscription({}, [{}]);
    const legacy = { ...subscription, current_period_end: 1770000000, items: { ...subscription.items, data: subscription.items.data.map(({ current_period_end: _gone, ...item }) => item) } };
    expect(only(records(normaliseStripeSubscription(legacy)), 'subscription').subscription.currentPeriodEnd).toBe(iso(1770000000));
  });

  it('accepts unit_amount_decimal, as a string or as the SDK Decimal object', () => {
    const subscription = stripeSubscription({}, [{ unitAmount: null }]);
    const withDecimal = (value: unknown) => ({ ...subscription, items: { ...subscription.items, data: subscription.items.data.map((item) => ({ ...item, price: { ...item.price, unit_amount_decimal: value } })) } });
    expect(only(records(normaliseStripeSubscription(withDecimal('1250.5'))), 'subscription').subscription.mrrMinor).toBe(1251);
    const decimalLike = { toFixed: () => '1250.5', isZero: () => false, toString: () => '1250.5', toJSON: () => '1250.5' };
    expect(only(records(normaliseStripeSubscription(withDecimal(decimalLike))), 'subscription').subscription.mrrMinor).toBe(1251);
  });

  it('rejects a tiered price rather than under-count MRR', () => {
    const rejected = rejection(normaliseStripeSubscription(stripeSubscription({}, [{ unitAmount: null }])));
    expect(rejected.reason).toBe('subscription.items.data.0.price.unit_amount: null (tiered price?); MRR cannot be computed');
  });
});

describe('disputes', () => {
  it('maps charge.dispute.created to a Dispute on the charge', () => {
    const dispute = stripeDispute({ charge: 'ch_disputed', amount: 2500, currency: 'eur', reason: 'product_not_received', status: 'needs_response' });
    expect(records(normaliseStripeEvent(stripeEvent('charge.dispute.created', dispute)))).toEqual([
      {
        kind: 'dispute',
        dispute: { source: 'stripe', externalId: dispute.id, paymentExternalId: 'ch_disputed', amountMinor: 2500, currency: 'EUR', status: 'needs_response', reason: 'product_not_received', createdAt: iso(dispute.created) },
      },
    ]);
    expect(records(normaliseStripeDispute({ ...dispute, status: 'lost' }))).toHaveLength(1);
  });
});

describe('rejections', () => {
  it('rejects unsupported event types with the type in the reason', () => {
    const event = stripeEvent('customer.created', { id: 'cus_1', object: 'customer', email: 'someone@example.com' });
    const rejected = rejection(normaliseStripeEvent(event));
    expect(rejected.reason).toMatch(/^unsupported event type customer\.created/);
    expect(rejected.externalId).toBe('cus_1');
  });

  it.each<[string, unknown, RegExp]>([
    ['a string amount', stripeEvent('charge.succeeded', { ...stripeCharge(), amount: '25.00' }), /^data\.object\.amount: Expected number, received string/],
    ['a missing currency', stripeEvent('charge.succeeded', { ...stripeCharge(), currency: undefined }), /^data\.object\.currency: Required/],
    ['an unknown charge status', stripeEvent('charge.succeeded', { ...stripeCharge(), status: 'weird' }), /^data\.object\.status: Invalid enum value/],
    ['an object of the wrong type', stripeEvent('charge.succeeded', stripeRefund()), /^data\.object\.object: Invalid literal value, expected "charge"/],
    ['an event without a type', { ...stripeEvent('charge.succeeded', stripeCharge()), type: undefined }, /^event\.type: Required/],
    ['a tracking id longer than our records allow', stripeEvent('charge.succeeded', stripeCharge({ metadata: { lux_visitor_id: 'x'.repeat(300) } })), /^payment\.tracking\.visitorId: /],
  ])('rejects %s, naming the field', (_label, event, reason) => {
    expect(rejection(normaliseStripeEvent(event)).reason).toMatch(reason);
  });

  it.each([null, undefined, 'text', 42, [], {}, { object: 'event' }])('never throws (%p)', (input) => {
    expect(() => normaliseStripeEvent(input)).not.toThrow();
    expect(normaliseStripeEvent(input).ok).toBe(false);
    expect(normaliseStripeCharge(input).ok).toBe(false);
    expect(normaliseStripeSubscription(input).ok).toBe(false);
  });
});

describe('privacy', () => {
  it('never returns a raw email, in records or in rejected rows', () => {
    const email = 'Buyer.One@Example.com';
    const charge = stripeCharge({ receipt_email: email, description: `order for ${email}` });
    const outputs: NormaliseResult[] = [
      normaliseStripeEvent(stripeEvent('charge.succeeded', charge)),
      normaliseStripeEvent(stripeEvent('charge.succeeded', { ...charge, amount: 'bad' })),
      normaliseStripeEvent(stripeEvent('invoice.paid', stripeInvoice({ customer_email: email }))),
      normaliseStripeEvent(stripeEvent('invoice.paid', { ...stripeInvoice({ customer_email: email }), status: 'open' })),
      normaliseStripeEvent(stripeEvent('charge.dispute.created', { ...stripeDispute(), amount: -1 })),
      normaliseStripeEvent(stripeEvent('customer.created', { id: 'cus_1', object: 'customer', email, metadata: { note: `mail ${email}` } })),
    ];
    const text = JSON.stringify(outputs);
    expect(outputs.some((output) => output.ok === false)).toBe(true);
    expect(text.toLowerCase()).not.toContain('buyer.one@example.com');
    expect(text.toLowerCase()).not.toContain('subscriber@example.com');
    expect(text).not.toContain('@example.com');
    expect(text).toContain(sha256('buyer.one@example.com'));
  });

  it('redacts personal fields and scrubs emails from a rejected row, keeping the rest for debugging', () => {
    const redacted = redactPersonalData({ id: 'ch_1', amount: 'bad', billing_details: { name: 'A', email: 'a@b.co' }, description: 'ask a@b.co', nested: [{ receipt_email: 'a@b.co' }] });
    expect(redacted).toEqual({ id: 'ch_1', amount: 'bad', billing_details: '[redacted]', description: 'ask [email]', nested: [{ receipt_email: '[redacted]' }] });
  });
});
