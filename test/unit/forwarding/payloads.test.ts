import { createHash } from 'node:crypto';
import { canonicalJson, ga4Payload, googleAdsPayload, majorUnits, metaPayload, payloadSha256, tiktokPayload, type ConversionFacts } from '../../../lib/forwarding/payloads';

const emailHash = createHash('sha256').update('jane@example.com').digest('hex');
const facts = (over: Partial<ConversionFacts> = {}): ConversionFacts => ({
  source: 'woocommerce',
  externalId: '5001',
  orderId: '5001',
  eventId: '5b0e6c1a-2f64-4a5f-9d4e-0d7a6c1d2e3f',
  purchasedAt: new Date('2026-03-31T10:00:00.000Z'),
  currency: 'EUR',
  valueMinor: 12345,
  emailHash,
  userId: null,
  visitorId: 'v-1',
  pageUrl: 'https://shop.example/checkout/thanks',
  lastTouch: { sessionId: 's1', clickIds: { gclid: 'Cj0KCQ', fbclid: 'IwAR1', ttclid: 'E.C.P.x' }, source: 'google', medium: 'cpc', channel: 'Paid Search', startedAt: Date.parse('2026-03-31T09:00:00.000Z') },
  timeZone: 'Europe/Berlin',
  ...over,
});

describe('payloads', () => {
  test('money is sent in major units of the currency', () => {
    expect(majorUnits(12345, 'EUR')).toBe(123.45);
    expect(majorUnits(500, 'JPY')).toBe(500);
    expect(majorUnits(1234, 'KWD')).toBe(1.234);
    expect(majorUnits(0, 'EUR')).toBe(0);
  });

  test('Google: one click conversion, local time with offset, hashed email, partialFailure true', () => {
    expect(googleAdsPayload(facts(), { customerId: '1234567890', conversionActionId: '987' })).toEqual({
      conversions: [
        {
          gclid: 'Cj0KCQ',
          conversionAction: 'customers/1234567890/conversionActions/987',
          conversionDateTime: '2026-03-31 12:00:00+02:00',
          conversionValue: 123.45,
          currencyCode: 'EUR',
          orderId: '5001',
          userIdentifiers: [{ hashedEmail: emailHash }],
          consent: { adUserData: 'GRANTED' },
        },
      ],
      partialFailure: true,
    });
  });

  test('Google: gbraid without user identifiers; no click id, no payload', () => {
    const gbraid = googleAdsPayload(facts({ lastTouch: { ...facts().lastTouch!, clickIds: { gbraid: 'GB' } } }), { customerId: '1234567890', conversionActionId: '1' });
    expect((gbraid?.conversions as Array<Record<string, unknown>>)[0]).toMatchObject({ gbraid: 'GB' });
    expect((gbraid?.conversions as Array<Record<string, unknown>>)[0]).not.toHaveProperty('userIdentifiers');
    expect(googleAdsPayload(facts({ lastTouch: null }), { customerId: '1234567890', conversionActionId: '1' })).toBeNull();
  });

  test('Meta: Purchase with our event id, unix seconds, hashed em, fbc, action_source website', () => {
    expect(metaPayload(facts({ userId: 'Customer-42' }), {})).toEqual({
      data: [
        {
          event_name: 'Purchase',
          event_time: 1774951200,
          event_id: '5b0e6c1a-2f64-4a5f-9d4e-0d7a6c1d2e3f',
          action_source: 'website',
          event_source_url: 'https://shop.example/checkout/thanks',
          user_data: { em: [emailHash], fbc: `fb.1.${Date.parse('2026-03-31T09:00:00.000Z')}.IwAR1`, external_id: [createHash('sha256').update('customer-42').digest('hex')] },
          custom_data: { currency: 'EUR', value: 123.45, order_id: '5001' },
        },
      ],
    });
    expect(metaPayload(facts(), { testEventCode: 'TEST123' })).toHaveProperty('test_event_code', 'TEST123');
    expect(metaPayload(facts({ emailHash: null, lastTouch: null }), {})).toBeNull();
  });

  test('TikTok: CompletePayment with ttclid, hashed email, unix seconds', () => {
    expect(tiktokPayload(facts(), { pixelCode: 'C4ABCDEF12345678' })).toEqual({
      event_source: 'web',
      event_source_id: 'C4ABCDEF12345678',
      data: [
        {
          event: 'CompletePayment',
          event_time: 1774951200,
          event_id: '5b0e6c1a-2f64-4a5f-9d4e-0d7a6c1d2e3f',
          user: { email: [emailHash], ttclid: 'E.C.P.x' },
          properties: { currency: 'EUR', value: 123.45, order_id: '5001', content_type: 'product' },
          page: { url: 'https://shop.example/checkout/thanks' },
        },
      ],
    });
  });

  test('GA4: purchase with our visitor id as client_id and timestamp_micros; none without a visitor', () => {
    expect(ga4Payload(facts())).toEqual({
      client_id: 'v-1',
      timestamp_micros: Date.parse('2026-03-31T10:00:00.000Z') * 1000,
      non_personalized_ads: true,
      events: [{ name: 'purchase', params: { transaction_id: '5001', value: 123.45, currency: 'EUR' } }],
    });
    expect(ga4Payload(facts({ visitorId: null }))).toBeNull();
  });

  test('a stored email hash that is not SHA-256 hex is never sent', () => {
    expect(metaPayload(facts({ emailHash: 'jane@example.com', lastTouch: null }), {})).toBeNull();
  });

  test('the payload digest ignores key order and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}');
    expect(payloadSha256({ a: 1, b: 2 })).toBe(payloadSha256({ b: 2, a: 1 }));
    expect(payloadSha256({ a: 1 })).not.toBe(payloadSha256({ a: 2 }));
  });
});
