// Who belongs on an audience and who of them may be uploaded (lib/audiences/segments.ts).
import { desiredMembers, exclusionOf, inSegment, type PersonFacts } from '../../../lib/audiences/segments';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const hex = (c: string): string => c.repeat(64);
const person = (over: Partial<PersonFacts> = {}): PersonFacts => ({
  emailHash: hex('a'),
  paidOrders: 1,
  lastPaidOrderAt: NOW - DAY,
  adsConsent: true,
  gpc: false,
  notForwardable: false,
  suppressed: false,
  ...over,
});
const config = { lapsedAfterDays: 180 };

describe('inSegment', () => {
  test('purchasers: one paid order is enough, none is not', () => {
    expect(inSegment('purchasers', person({ paidOrders: 1 }), NOW, config)).toBe(true);
    expect(inSegment('purchasers', person({ paidOrders: 0 }), NOW, config)).toBe(false);
  });

  test('repeat purchasers need a second paid order', () => {
    expect(inSegment('repeat_purchasers', person({ paidOrders: 1 }), NOW, config)).toBe(false);
    expect(inSegment('repeat_purchasers', person({ paidOrders: 2 }), NOW, config)).toBe(true);
  });

  test('lapsed purchasers: no paid order within lapsedAfterDays', () => {
    expect(inSegment('lapsed_purchasers', person({ lastPaidOrderAt: NOW - 181 * DAY }), NOW, config)).toBe(true);
    expect(inSegment('lapsed_purchasers', person({ lastPaidOrderAt: NOW - 179 * DAY }), NOW, config)).toBe(false);
    expect(inSegment('lapsed_purchasers', person({ lastPaidOrderAt: NOW - 31 * DAY }), NOW, { lapsedAfterDays: 30 })).toBe(true);
  });
});

describe('exclusionOf', () => {
  test('a consented, unsuppressed person without GPC may be uploaded', () => {
    expect(exclusionOf(person())).toBeNull();
  });

  test('the strongest reason wins: GPC, then the anonymize policy, then suppression, then consent', () => {
    expect(exclusionOf(person({ gpc: true, suppressed: true, adsConsent: false }))).toBe('gpc');
    expect(exclusionOf(person({ notForwardable: true, suppressed: true }))).toBe('not_forwardable');
    expect(exclusionOf(person({ suppressed: true, adsConsent: null }))).toBe('suppressed');
    expect(exclusionOf(person({ adsConsent: false }))).toBe('ads_consent_denied');
    expect(exclusionOf(person({ adsConsent: null }))).toBe('no_ads_consent');
  });
});

describe('desiredMembers', () => {
  test('keeps the segment’s consented people, sorted, and counts the others by reason', () => {
    const people = [
      person({ emailHash: hex('c') }),
      person({ emailHash: hex('b') }),
      person({ emailHash: hex('d'), adsConsent: null }),
      person({ emailHash: hex('e'), suppressed: true }),
      person({ emailHash: hex('f'), gpc: true }),
      person({ emailHash: hex('1'), paidOrders: 0 }), // not a purchaser: neither uploaded nor counted as excluded
    ];
    const desired = desiredMembers('purchasers', people, NOW, config);
    expect(desired.hashes).toEqual([hex('b'), hex('c')]);
    expect(desired.excluded).toEqual({ gpc: 1, not_forwardable: 0, suppressed: 1, ads_consent_denied: 0, no_ads_consent: 1 });
  });

  test('nobody with a withdrawn consent is uploaded, whatever the segment', () => {
    const people = [person({ emailHash: hex('a'), paidOrders: 3, adsConsent: false })];
    for (const audience of ['purchasers', 'repeat_purchasers'] as const) expect(desiredMembers(audience, people, NOW, config).hashes).toEqual([]);
  });
});
