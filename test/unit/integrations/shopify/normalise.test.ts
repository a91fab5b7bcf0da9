import { createHash } from 'node:crypto';
import type { NormaliseResult, Order } from '../../../../lib/commerce/records';
import { normaliseShopifyCheckout, normaliseShopifyOrder, orderNumberFromName, shopifyOrderStatus } from '../../../../integrations/shopify';
import { lineItem, shopifyOrder, shopifyRefund, shopTime } from '../../../support/fakes/shopify';

function orderOf(result: NormaliseResult): Order {
  if (!result.ok) throw new Error(`expected an order, got rejection: ${result.rejected.reason}`);
  const [record] = result.records;
  if (record?.kind !== 'order' || result.records.length !== 1) throw new Error(`expected one order, got ${JSON.stringify(result.records)}`);
  return record.order;
}

function reasonOf(result: NormaliseResult): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejected.reason;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('normaliseShopifyOrder: a typical paid order', () => {
  const source = shopifyOrder({ id: 450789469, name: '#1001', order_number: 1001, email: ' Bob.Norman@Mail.Example.com ' });
  const order = orderOf(normaliseShopifyOrder(source));

  it('maps ids, number, status and times', () => {
    expect(order).toMatchObject({
      source: 'shopify',
      externalId: '450789469',
      orderNumber: '1001',
      status: 'paid',
      sourceStatus: 'paid/unfulfilled',
      createdAt: source.created_at,
      paidAt: source.processed_at,
      sourceUpdatedAt: source.updated_at,
      customerExternalId: String(source.customer?.id),
    });
  });

  it('converts every amount exactly into minor units', () => {
    expect(order).toMatchObject({ currency: 'USD', totalMinor: 7088, subtotalMinor: 5990, taxMinor: 599, shippingMinor: 499, discountMinor: 0 });
    expect(order.items).toEqual([
      { externalId: String(source.line_items[0]?.id), productId: '632910392', sku: 'MUG-BLUE', name: 'Blue mug', quantity: 2, unitPriceMinor: 2495, totalMinor: 4990 },
      { externalId: String(source.line_items[1]?.id), productId: '921728736', sku: 'POSTER-A2', name: 'Poster A2', quantity: 1, unitPriceMinor: 1000, totalMinor: 1000 },
    ]);
    expect(order.refunds).toEqual([]);
  });

  it('hashes the email (trimmed, lower-cased) and never returns it in clear', () => {
    expect(order.emailHash).toBe(sha256('bob.norman@mail.example.com'));
    const text = JSON.stringify(normaliseShopifyOrder(source)).toLowerCase();
    expect(text).not.toContain('bob.norman');
    expect(text).not.toContain('@mail.example.com');
  });

  it('falls back to contact_email, and to null when there is no usable email', () => {
    expect(orderOf(normaliseShopifyOrder(shopifyOrder({ email: null, contact_email: 'c@example.com' }))).emailHash).toBe(sha256('c@example.com'));
    expect(orderOf(normaliseShopifyOrder(shopifyOrder({ email: '', contact_email: null }))).emailHash).toBeNull();
  });

  it('has no tracking link when the cart carried no lux attributes', () => {
    expect(order.tracking).toEqual({ visitorId: null, sessionId: null, userId: null });
  });
});

describe('normaliseShopifyOrder: status', () => {
  it.each([
    ['paid', null, null, 'paid'],
    ['paid', 'fulfilled', null, 'fulfilled'],
    ['paid', 'partial', null, 'paid'],
    ['partially_refunded', 'fulfilled', null, 'partially_refunded'],
    ['refunded', null, null, 'refunded'],
    ['pending', null, null, 'pending'],
    ['authorized', null, null, 'pending'],
    ['partially_paid', null, null, 'pending'],
    ['voided', null, null, 'cancelled'],
    ['expired', null, null, 'failed'],
    ['paid', null, '2025-03-02T10:00:00-05:00', 'cancelled'],
    ['refunded', null, '2025-03-02T10:00:00-05:00', 'cancelled'],
    ['something_new', null, null, 'other'],
  ])('financial %s + fulfillment %s + cancelled_at %s → %s', (financial, fulfillment, cancelledAt, expected) => {
    expect(shopifyOrderStatus(financial, fulfillment, cancelledAt)).toBe(expected);
    const order = orderOf(normaliseShopifyOrder(shopifyOrder({ financial_status: financial, fulfillment_status: fulfillment, cancelled_at: cancelledAt })));
    expect(order.status).toBe(expected);
    expect(order.sourceStatus).toBe(`${financial}/${fulfillment ?? 'unfulfilled'}${cancelledAt ? '/cancelled' : ''}`);
  });

  it('has a paidAt only when money was taken', () => {
    expect(orderOf(normaliseShopifyOrder(shopifyOrder({ financial_status: 'pending' }))).paidAt).toBeNull();
    expect(orderOf(normaliseShopifyOrder(shopifyOrder({ financial_status: 'refunded' }))).paidAt).not.toBeNull();
  });
});

describe('normaliseShopifyOrder: order number', () => {
  it.each([
    ['#1001', '1001'],
    ['1001', '1001'],
    [' #1001 ', '1001'],
    ['EU1001-A', 'EU1001-A'],
  ])('name %p → orderNumber %p (matches a storefront order_id with or without #)', (name, expected) => {
    expect(orderNumberFromName(name)).toBe(expected);
    expect(orderOf(normaliseShopifyOrder(shopifyOrder({ name }))).orderNumber).toBe(expected);
  });
});

describe('normaliseShopifyOrder: money', () => {
  it('never goes through a float (0.10 × 3 is 30, 19.99 is 1999)', () => {
    const order = orderOf(
      normaliseShopifyOrder(
        shopifyOrder({
          total_price: '19.99',
          subtotal_price: '0.30',
          line_items: [lineItem({ id: 1, title: 'Sticker', quantity: 3, price: '0.10' })],
        }),
      ),
    );
    expect(order.totalMinor).toBe(1999);
    expect(order.items[0]).toMatchObject({ unitPriceMinor: 10, totalMinor: 30 });
  });

  it('honours the currency\'s minor unit (JPY has none, KWD has three)', () => {
    const yenShipping = { shop_money: { amount: '499', currency_code: 'JPY' }, presentment_money: { amount: '499', currency_code: 'JPY' } };
    const yen = orderOf(
      normaliseShopifyOrder(
        shopifyOrder({ currency: 'JPY', total_price: '7088', subtotal_price: '5990', total_tax: '599', total_discounts: '0', total_shipping_price_set: yenShipping, line_items: [] }),
      ),
    );
    expect(yen).toMatchObject({ currency: 'JPY', totalMinor: 7088, shippingMinor: 499 });
    const dinar = orderOf(normaliseShopifyOrder(shopifyOrder({ currency: 'kwd', total_price: '12.345', line_items: [] })));
    expect(dinar).toMatchObject({ currency: 'KWD', totalMinor: 12345 });
  });

  it('subtracts line discounts (discount_allocations, else total_discount)', () => {
    const allocated = lineItem({ id: 1, title: 'Mug', quantity: 2, price: '24.95', discount_allocations: [{ amount: '5.00', discount_application_index: 0 }, { amount: '0.90', discount_application_index: 1 }] });
    const legacy = { ...lineItem({ id: 2, title: 'Mug', quantity: 1, price: '24.95', total_discount: '4.95' }), discount_allocations: undefined };
    const order = orderOf(normaliseShopifyOrder({ ...shopifyOrder(), line_items: [allocated, legacy] }));
    expect(order.items.map((i) => i.totalMinor)).toEqual([4990 - 590, 2000]);
  });

  it('rejects an amount with more decimals than the currency has, naming the field', () => {
    expect(reasonOf(normaliseShopifyOrder(shopifyOrder({ id: 77, total_price: '70.885' })))).toMatch(/^shopify order 77: total_price: amount "70.885" has more decimals than USD allows/);
    const items = [lineItem({ id: 1, title: 'Mug', quantity: 1, price: '1.001' })];
    expect(reasonOf(normaliseShopifyOrder(shopifyOrder({ line_items: items })))).toMatch(/line_items\.0\.price: /);
  });

  it('rejects negative totals and discounts larger than the line', () => {
    expect(reasonOf(normaliseShopifyOrder(shopifyOrder({ total_price: '-1.00' })))).toMatch(/total_price: negative amount/);
    const items = [lineItem({ id: 1, title: 'Mug', quantity: 1, price: '5.00', discount_allocations: [{ amount: '6.00', discount_application_index: 0 }] })];
    expect(reasonOf(normaliseShopifyOrder(shopifyOrder({ line_items: items })))).toMatch(/line_items\.0: discounts \(600\) exceed/);
  });
});

describe('normaliseShopifyOrder: refunds', () => {
  it('records each refund with the sum of its successful refund transactions', () => {
    const base = shopifyOrder({ id: 900, financial_status: 'partially_refunded' });
    const first = shopifyRefund(base, { id: 501, amount: '10.00', note: 'broken in transit', createdAt: '2025-03-05T12:00:00-05:00' });
    const second = shopifyRefund(base, { id: 502, amount: '4.99' });
    const template = second.transactions[0];
    if (!template) throw new Error('fixture has a transaction');
    second.transactions.push(
      { ...template, id: 1, amount: '0.01', kind: 'refund' },
      { ...template, id: 2, amount: '99.00', kind: 'refund', status: 'failure' },
      { ...template, id: 3, amount: '50.00', kind: 'capture' },
    );
    const order = orderOf(normaliseShopifyOrder({ ...base, refunds: [first, second] }));
    expect(order.status).toBe('partially_refunded');
    expect(order.refunds).toEqual([
      { source: 'shopify', externalId: '501', orderExternalId: '900', paymentExternalId: null, amountMinor: 1000, currency: 'USD', reason: 'broken in transit', createdAt: '2025-03-05T12:00:00-05:00' },
      expect.objectContaining({ externalId: '502', amountMinor: 500, reason: null }),
    ]);
  });

  it('keeps a restock-only refund (no refund transaction) with amount 0', () => {
    const base = shopifyOrder({ id: 901 });
    const refund = { ...shopifyRefund(base, { id: 503, amount: '1.00' }), transactions: [] };
    expect(orderOf(normaliseShopifyOrder({ ...base, refunds: [refund] })).refunds).toEqual([expect.objectContaining({ externalId: '503', amountMinor: 0, currency: 'USD' })]);
  });

  it('uses the transactions\' currency and refuses a refund mixing two', () => {
    const base = shopifyOrder({ id: 902 });
    const eur = shopifyRefund({ id: base.id, currency: 'EUR' }, { id: 504, amount: '3.00' });
    expect(orderOf(normaliseShopifyOrder({ ...base, refunds: [eur] })).refunds[0]).toMatchObject({ currency: 'EUR', amountMinor: 300 });
    const template = eur.transactions[0];
    if (!template) throw new Error('fixture has a transaction');
    const mixed = { ...eur, transactions: [template, { ...template, id: 9, currency: 'USD' }] };
    expect(reasonOf(normaliseShopifyOrder({ ...base, refunds: [mixed] }))).toMatch(/refunds\.0\.transactions: refund transactions in several currencies \(EUR, USD\)/);
  });
});

describe('normaliseShopifyOrder: tracking from cart attributes (note_attributes)', () => {
  it('links the order to the visitor, session and user', () => {
    const order = orderOf(
      normaliseShopifyOrder(
        shopifyOrder({
          note_attributes: [
            { name: 'gift_message', value: 'hi' },
            { name: 'lux_visitor_id', value: ' 0b6c2b9e-6f1c-4b7a-9a51-3c1d2e4f5a6b ' },
            { name: 'lux_session_id', value: '7d9f1c2a-1111-4b7a-9a51-3c1d2e4f5a6b' },
            { name: 'lux_user_id', value: 'customer-42' },
          ],
        }),
      ),
    );
    expect(order.tracking).toEqual({ visitorId: '0b6c2b9e-6f1c-4b7a-9a51-3c1d2e4f5a6b', sessionId: '7d9f1c2a-1111-4b7a-9a51-3c1d2e4f5a6b', userId: 'customer-42' });
  });

  it('ignores values that are not short strings instead of rejecting the order', () => {
    const order = orderOf(
      normaliseShopifyOrder(
        shopifyOrder({
          note_attributes: [
            { name: 'lux_visitor_id', value: 'x'.repeat(201) },
            { name: 'lux_session_id', value: 12345 },
            { name: 'lux_user_id', value: '   ' },
          ],
        }),
      ),
    );
    expect(order.tracking).toEqual({ visitorId: null, sessionId: null, userId: null });
  });
});

describe('normaliseShopifyOrder: rows it cannot read', () => {
  it.each([
    ['no total_price', { total_price: undefined }, /total_price: Required/],
    ['an id that is not a number', { id: 'gid://shopify/Order/1' }, /^shopify order: id: Expected number/],
    ['a created_at without an offset', { created_at: '2025-03-01 10:00' }, /created_at: expected an ISO 8601 time with an offset/],
    ['a price that is not a decimal', { line_items: [{ ...lineItem({ id: 1, title: 't', quantity: 1, price: '1.00' }), price: '$1' }] }, /line_items\.0\.price: expected a decimal amount/],
    ['no line_items', { line_items: undefined }, /line_items: Required/],
    ['a currency that is not a code', { currency: 'dollars' }, /currency: expected an ISO 4217 currency code/],
  ])('rejects an order with %s, naming the field', (_label, override, reason) => {
    const result = normaliseShopifyOrder({ ...shopifyOrder(), ...override });
    expect(reasonOf(result)).toMatch(reason);
  });

  it('keeps the id and the raw row in the rejection, with emails scrubbed', () => {
    const row = { ...shopifyOrder({ id: 31337, email: 'Jane.Doe@example.com', note: 'call jane.doe@example.com' }), total_price: 'free' };
    const result = normaliseShopifyOrder(row);
    if (result.ok) throw new Error('expected a rejection');
    expect(result.rejected.externalId).toBe('31337');
    expect(result.rejected.raw).toMatchObject({ id: 31337, email: '[email]', note: 'call [email]' });
    expect(JSON.stringify(result).toLowerCase()).not.toMatch(/jane\.doe|bob\.norman/);
  });

  it.each([null, undefined, 42, 'order', [], {}])('never throws, whatever it is given (%p)', (row) => {
    expect(() => normaliseShopifyOrder(row)).not.toThrow();
    expect(normaliseShopifyOrder(row).ok).toBe(false);
  });
});

describe('normaliseShopifyCheckout', () => {
  it('produces no order: a started checkout is not revenue', () => {
    const checkout = { id: 1, token: 'c1', total_price: '70.88', email: 'bob@example.com', created_at: shopTime(new Date()) };
    expect(normaliseShopifyCheckout(checkout)).toEqual({ ok: true, records: [] });
  });

  it('rejects a payload that is not an object', () => {
    expect(normaliseShopifyCheckout('nope')).toMatchObject({ ok: false, rejected: { reason: 'shopify checkout: expected a JSON object' } });
  });
});
