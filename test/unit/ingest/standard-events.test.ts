import { checkStandardProperties } from '../../../lib/ingest/standard-events';

const paths = (result: ReturnType<typeof checkStandardProperties>) => (result.ok ? [] : result.errors.map((e) => e.path).sort());

describe('standard event properties', () => {
  it('rejects a purchase without order_id, value and currency, naming each', () => {
    expect(paths(checkStandardProperties('purchase', {}))).toEqual(['properties.currency', 'properties.order_id', 'properties.value']);
    expect(paths(checkStandardProperties('purchase', undefined))).toHaveLength(3);
  });

  it('accepts a complete purchase and turns a numeric order number into text', () => {
    const result = checkStandardProperties('purchase', { order_id: 1042, value: 5998, currency: 'EUR', items: [{ product_id: 'sku-1', quantity: 2, price: 2999 }], note: 'kept' });
    if (!result.ok) throw new Error(`expected the purchase to pass: ${JSON.stringify(result.errors)}`);
    expect(result.properties).toMatchObject({ order_id: '1042', value: 5998, currency: 'EUR', note: 'kept' });
  });

  it.each([
    ['a decimal amount', { order_id: 'A1', value: 19.99, currency: 'EUR' }, 'properties.value', /minor units/],
    ['a negative amount', { order_id: 'A1', value: -1, currency: 'EUR' }, 'properties.value', /negative/],
    ['a lower-case currency', { order_id: 'A1', value: 100, currency: 'eur' }, 'properties.currency', /ISO 4217/],
    ['an empty order id', { order_id: '  ', value: 100, currency: 'EUR' }, 'properties.order_id', /at least 1/],
    ['an item without product', { order_id: 'A1', value: 100, currency: 'EUR', items: [{ quantity: 1 }] }, 'properties.items.0.product_id', /Required/],
  ])('rejects a purchase with %s', (_name, properties, path, message) => {
    const result = checkStandardProperties('purchase', properties);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === path);
    expect(error?.message).toMatch(message);
  });

  it('requires currency and value together on add_to_cart and begin_checkout', () => {
    expect(paths(checkStandardProperties('add_to_cart', { product_id: 'sku', value: 100 }))).toEqual(['properties.currency']);
    expect(paths(checkStandardProperties('begin_checkout', { currency: 'EUR' }))).toEqual(['properties.value']);
    expect(checkStandardProperties('add_to_cart', { product_id: 'sku' }).ok).toBe(true);
  });

  it('leaves custom events free-form', () => {
    expect(checkStandardProperties('wishlist_add', { anything: [1, 2, 3] })).toEqual({ ok: true, properties: { anything: [1, 2, 3] } });
  });

  it('accepts lead_submit, signup and login with or without their optional fields', () => {
    for (const name of ['lead_submit', 'signup', 'login', 'page_view']) expect(checkStandardProperties(name, {}).ok).toBe(true);
    expect(checkStandardProperties('signup', { method: '' }).ok).toBe(false);
  });
});
