import { createHash } from 'node:crypto';
import { normaliseWooCommerceOrder } from '../../../../integrations/woocommerce';
import type { NormaliseResult, Order, RejectedRow } from '../../../../lib/commerce/records';
import { wooLineItem, wooOrder } from '../../../support/fakes/woocommerce';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function orderOf(result: NormaliseResult): Order {
  if (!result.ok) throw new Error(`expected an order, got a rejection: ${result.rejected.reason}`);
  const [record] = result.records;
  if (result.records.length !== 1 || record?.kind !== 'order') throw new Error(`expected one order record, got ${JSON.stringify(result.records)}`);
  return record.order;
}

function rejectionOf(result: NormaliseResult): RejectedRow {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.records)}`);
  return result.rejected;
}

describe('normaliseWooCommerceOrder: a complete order', () => {
  it('maps every field', () => {
    const row = wooOrder({
      id: 727,
      number: '727',
      status: 'processing',
      currency: 'EUR',
      total: '54.89',
      total_tax: '4.99',
      shipping_total: '10.00',
      discount_total: '5.00',
      customer_id: 42,
      date_created_gmt: '2024-03-01T10:00:00',
      date_modified_gmt: '2024-03-01T10:05:00',
      date_paid_gmt: '2024-03-01T10:00:30',
      meta_data: [
        { id: 1, key: '_lux_visitor_id', value: '6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f' },
        { id: 2, key: '_lux_session_id', value: 'sess-123' },
        { id: 3, key: '_lux_user_id', value: 'user-9' },
        { id: 4, key: '_some_plugin', value: { nested: ['anything'] } },
      ],
      line_items: [
        wooLineItem({ id: 11, product_id: 501, sku: 'LIN-SHIRT-M', name: 'Linen shirt - M', quantity: 2, price: 19.95, subtotal: '39.90', total: '34.90' }),
        wooLineItem({ id: 12, product_id: 0, sku: '', name: 'Gift wrap', quantity: 1, price: 5, subtotal: '5.00', total: '5.00' }),
      ],
      refunds: [],
    });
    expect(orderOf(normaliseWooCommerceOrder(row))).toEqual({
      source: 'woocommerce',
      externalId: '727',
      orderNumber: '727',
      status: 'paid',
      sourceStatus: 'processing',
      currency: 'EUR',
      totalMinor: 5489,
      subtotalMinor: 4490,
      taxMinor: 499,
      shippingMinor: 1000,
      discountMinor: 500,
      customerExternalId: '42',
      emailHash: sha256('jane.doe@example.com'),
      createdAt: '2024-03-01T10:00:00Z',
      paidAt: '2024-03-01T10:00:30Z',
      sourceUpdatedAt: '2024-03-01T10:05:00Z',
      tracking: { visitorId: '6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f', sessionId: 'sess-123', userId: 'user-9' },
      items: [
        { externalId: '11', productId: '501', sku: 'LIN-SHIRT-M', name: 'Linen shirt - M', quantity: 2, unitPriceMinor: 1995, totalMinor: 3490 },
        { externalId: '12', productId: null, sku: null, name: 'Gift wrap', quantity: 1, unitPriceMinor: 500, totalMinor: 500 },
      ],
      refunds: [],
    });
  });

  it('keeps a custom order number from a sequential-numbers plugin', () => {
    expect(orderOf(normaliseWooCommerceOrder(wooOrder({ id: 88, number: 'WC-2024-0001' }))).orderNumber).toBe('WC-2024-0001');
  });
});

describe('normaliseWooCommerceOrder: status', () => {
  it.each([
    ['pending', 'pending'],
    ['processing', 'paid'],
    ['on-hold', 'on_hold'],
    ['completed', 'fulfilled'],
    ['cancelled', 'cancelled'],
    ['refunded', 'refunded'],
    ['failed', 'failed'],
    ['checkout-draft', 'pending'],
    ['shipped', 'other'],
    ['trash', 'other'],
  ])('WooCommerce %p → %p, keeping the source status verbatim', (wooStatus, expected) => {
    const order = orderOf(normaliseWooCommerceOrder(wooOrder({ status: wooStatus })));
    expect(order.status).toBe(expected);
    expect(order.sourceStatus).toBe(wooStatus);
  });

  it('reads a paid order with refunds below the total as partially_refunded, with positive refund amounts', () => {
    const row = wooOrder({
      id: 500,
      status: 'completed',
      total: '49.90',
      date_modified_gmt: '2024-03-05T09:00:00',
      refunds: [
        { id: 901, reason: 'Damaged item', total: '-5.00' },
        { id: 902, reason: '', total: '-2.50' },
      ],
    });
    const order = orderOf(normaliseWooCommerceOrder(row));
    expect(order.status).toBe('partially_refunded');
    expect(order.sourceStatus).toBe('completed');
    expect(order.totalMinor).toBe(4990);
    expect(order.refunds).toEqual([
      { source: 'woocommerce', externalId: '901', orderExternalId: '500', paymentExternalId: null, amountMinor: 500, currency: 'EUR', reason: 'Damaged item', createdAt: '2024-03-05T09:00:00Z' },
      { source: 'woocommerce', externalId: '902', orderExternalId: '500', paymentExternalId: null, amountMinor: 250, currency: 'EUR', reason: null, createdAt: '2024-03-05T09:00:00Z' },
    ]);
  });

  it('reads a processing order whose refunds cover the total as refunded', () => {
    const row = wooOrder({ status: 'processing', total: '49.90', refunds: [{ id: 903, reason: null, total: '-49.90' }] });
    expect(orderOf(normaliseWooCommerceOrder(row)).status).toBe('refunded');
  });

  it('leaves an unpaid order with a refund alone', () => {
    const row = wooOrder({ status: 'on-hold', refunds: [{ id: 904, reason: null, total: '-1.00' }] });
    expect(orderOf(normaliseWooCommerceOrder(row)).status).toBe('on_hold');
  });
});

describe('normaliseWooCommerceOrder: money', () => {
  it('converts "19.99" exactly (not 1998.9999...)', () => {
    const row = wooOrder({ total: '19.99', shipping_total: '0.00', line_items: [wooLineItem({ id: 1, price: 19.99, subtotal: '19.99', total: '19.99' })] });
    const order = orderOf(normaliseWooCommerceOrder(row));
    expect(order.totalMinor).toBe(1999);
    expect(order.items[0]?.unitPriceMinor).toBe(1999);
  });

  it('uses the currency minor unit: JPY has none', () => {
    const row = wooOrder({
      currency: 'JPY',
      total: '5480',
      shipping_total: '500',
      total_tax: '0',
      discount_total: '0',
      line_items: [wooLineItem({ id: 1, price: 2490, quantity: 2, subtotal: '4980', total: '4980' })],
      refunds: [{ id: 7, reason: null, total: '-480' }],
    });
    const order = orderOf(normaliseWooCommerceOrder(row));
    expect(order).toMatchObject({ currency: 'JPY', totalMinor: 5480, shippingMinor: 500, subtotalMinor: 4980, status: 'partially_refunded' });
    expect(order.items[0]).toMatchObject({ unitPriceMinor: 2490, totalMinor: 4980 });
    expect(order.refunds[0]?.amountMinor).toBe(480);
  });

  it('rejects a JPY total with decimals instead of rounding it, naming the field', () => {
    const rejected = rejectionOf(normaliseWooCommerceOrder(wooOrder({ id: 31, currency: 'JPY', total: '5480.50' })));
    expect(rejected.externalId).toBe('31');
    expect(rejected.reason).toMatch(/^invalid WooCommerce order: total: amount "5480.50" has more decimals than JPY allows \(0\)$/);
  });

  it('rounds only the float unit price WooCommerce computes (10.00 / 3), never the totals', () => {
    const row = wooOrder({ line_items: [wooLineItem({ id: 1, quantity: 3, price: 10 / 3, subtotal: '10.00', total: '10.00' })] });
    const order = orderOf(normaliseWooCommerceOrder(row));
    expect(order.items[0]).toMatchObject({ unitPriceMinor: 333, totalMinor: 1000 });
  });

  it('leaves the subtotal null when the line items do not carry one', () => {
    const { subtotal: _subtotal, ...item } = wooLineItem({ id: 1 });
    const order = orderOf(normaliseWooCommerceOrder(wooOrder({ line_items: [item] })));
    expect(order.subtotalMinor).toBeNull();
  });
});

describe('normaliseWooCommerceOrder: customer, times and tracking', () => {
  it('reads customer_id 0 as a guest checkout', () => {
    expect(orderOf(normaliseWooCommerceOrder(wooOrder({ customer_id: 0 }))).customerExternalId).toBeNull();
  });

  it('has a null paidAt for an unpaid order and a null email hash without an email', () => {
    const order = orderOf(normaliseWooCommerceOrder(wooOrder({ status: 'pending', date_paid_gmt: null, billing: { email: '' } })));
    expect(order.paidAt).toBeNull();
    expect(order.emailHash).toBeNull();
  });

  it('leaves tracking null when the order has no LUX meta, and ignores empty values', () => {
    expect(orderOf(normaliseWooCommerceOrder(wooOrder({ meta_data: [] }))).tracking).toEqual({ visitorId: null, sessionId: null, userId: null });
    const empty = wooOrder({ meta_data: [{ id: 1, key: '_lux_visitor_id', value: '  ' }] });
    expect(orderOf(normaliseWooCommerceOrder(empty)).tracking.visitorId).toBeNull();
  });

  it('turns a numeric user id into a string', () => {
    const row = wooOrder({ meta_data: [{ id: 1, key: '_lux_user_id', value: 9001 }] });
    expect(orderOf(normaliseWooCommerceOrder(row)).tracking.userId).toBe('9001');
  });

  it('rejects tracking meta that is not a string, naming the key', () => {
    const row = wooOrder({ id: 77, meta_data: [{ id: 1, key: '_lux_visitor_id', value: { id: 'x' } }] });
    expect(rejectionOf(normaliseWooCommerceOrder(row)).reason).toContain('meta_data[_lux_visitor_id]: expected a string, got an object');
  });

  it('hashes the billing email and never returns it in clear', () => {
    const row = wooOrder({ billing: { email: '  Jane.Doe+Shop@Example.COM ', first_name: 'Jane' } });
    const result = normaliseWooCommerceOrder(row);
    expect(orderOf(result).emailHash).toBe(sha256('jane.doe+shop@example.com'));
    expect(JSON.stringify(result).toLowerCase()).not.toContain('jane.doe');
    expect(JSON.stringify(result)).not.toContain('@');
  });
});

describe('normaliseWooCommerceOrder: malformed rows', () => {
  it('rejects a money field sent as a number, naming the field', () => {
    const rejected = rejectionOf(normaliseWooCommerceOrder(wooOrder({ id: 55, total: 49.9 })));
    expect(rejected.externalId).toBe('55');
    expect(rejected.reason).toContain('total: expected a decimal amount as a string');
  });

  it('names nested fields with their path', () => {
    const row = wooOrder({ id: 56, line_items: [wooLineItem({ id: 1, total: 'abc' })], date_created_gmt: 'yesterday' });
    const { reason } = rejectionOf(normaliseWooCommerceOrder(row));
    expect(reason).toContain('line_items.0.total: expected a decimal amount');
    expect(reason).toContain('date_created_gmt: expected a GMT date-time');
  });

  it('rejects an impossible date instead of rolling it over', () => {
    expect(rejectionOf(normaliseWooCommerceOrder(wooOrder({ date_created_gmt: '2024-02-30T10:00:00' }))).reason).toContain('date_created_gmt: not a real date-time');
  });

  it('rejects a negative order total', () => {
    expect(rejectionOf(normaliseWooCommerceOrder(wooOrder({ total: '-1.00' }))).reason).toContain('total: expected a non-negative amount');
  });

  it.each([[null], ['a string'], [[1, 2]], [42]])('rejects %p without throwing', (row) => {
    const rejected = rejectionOf(normaliseWooCommerceOrder(row));
    expect(rejected.externalId).toBeNull();
    expect(rejected.reason).toMatch(/^invalid WooCommerce order: order: /);
  });

  it('keeps a redacted copy of the row: no email, name, phone or IP in the rejection', () => {
    const row = wooOrder({ id: 57, total: 'oops', customer_note: 'call me on jane@example.org' });
    const rejected = rejectionOf(normaliseWooCommerceOrder(row));
    const text = JSON.stringify(rejected);
    for (const personal of ['Jane.Doe@Example.com', 'jane@example.org', '203.0.113.7', '+353 1 555 0100', '1 Main Street', '"Doe"']) {
      expect(text).not.toContain(personal);
    }
    expect(rejected.raw).toMatchObject({ id: 57, total: 'oops', billing: { email: '[redacted]', country: 'IE' } });
  });
});
