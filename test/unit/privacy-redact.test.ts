import { REDACTED, redactPersonalData } from '../../lib/privacy/redact';

describe('redactPersonalData', () => {
  it('blanks values under personal-data keys, whole objects included, and scrubs emails anywhere', () => {
    const row = {
      id: 42,
      billing: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+44 1', address_1: '1 Road', country: 'GB' },
      shipping_address: { city: 'London' },
      customer_ip_address: '203.0.113.9',
      browser_ip: '203.0.113.9',
      note: 'call ada@example.com please',
      line_items: [{ name: 'Shirt', sku: 'S-1' }],
      total: '10.00',
      empty_email: '',
    };
    const out = JSON.stringify(redactPersonalData(row));
    expect(out).not.toMatch(/ada@example\.com|Lovelace|203\.0\.113\.9|1 Road|London/);
    expect(redactPersonalData(row)).toMatchObject({
      id: 42,
      billing: { first_name: REDACTED, last_name: REDACTED, email: REDACTED, phone: REDACTED, address_1: REDACTED, country: 'GB' },
      shipping_address: REDACTED,
      note: 'call [email] please',
      total: '10.00',
      empty_email: '',
    });
  });

  it('keeps non-personal structure and primitives as they are', () => {
    expect(redactPersonalData({ a: [1, true, null, 'x'], b: { c: 2 } })).toEqual({ a: [1, true, null, 'x'], b: { c: 2 } });
  });
});
