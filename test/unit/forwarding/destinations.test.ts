import { adDestinationsFor, googleClickId, metaFbc, type LastTouch } from '../../../lib/forwarding/destinations';

const touch = (over: Partial<LastTouch> = {}): LastTouch => ({ sessionId: 's1', clickIds: {}, source: null, medium: null, channel: 'Direct', startedAt: 1_700_000_000_000, ...over });

describe('destinations from the last touch', () => {
  test('click ids pick the platform', () => {
    expect(adDestinationsFor(touch({ clickIds: { gclid: 'abc' } }))).toEqual(['google_ads']);
    expect(adDestinationsFor(touch({ clickIds: { wbraid: 'w' } }))).toEqual(['google_ads']);
    expect(adDestinationsFor(touch({ clickIds: { fbclid: 'f' } }))).toEqual(['meta']);
    expect(adDestinationsFor(touch({ clickIds: { ttclid: 't' } }))).toEqual(['tiktok']);
    expect(adDestinationsFor(touch({ clickIds: { msclkid: 'm' } }))).toEqual([]);
  });

  test('a paid Meta or TikTok source without a click id still counts; an organic one does not', () => {
    expect(adDestinationsFor(touch({ source: 'facebook', medium: 'paid_social', channel: 'Paid Social' }))).toEqual(['meta']);
    expect(adDestinationsFor(touch({ source: 'instagram', medium: 'cpc' }))).toEqual(['meta']);
    expect(adDestinationsFor(touch({ source: 'tiktok', medium: 'paid', channel: 'Paid Social' }))).toEqual(['tiktok']);
    expect(adDestinationsFor(touch({ source: 'facebook', medium: 'referral', channel: 'Organic Social' }))).toEqual([]);
  });

  test('no last touch, or organic and direct ones, go nowhere', () => {
    expect(adDestinationsFor(null)).toEqual([]);
    expect(adDestinationsFor(touch({ source: 'google', medium: 'organic', channel: 'Organic Search' }))).toEqual([]);
  });

  test('gclid wins over gbraid and wbraid (Google takes exactly one)', () => {
    expect(googleClickId({ wbraid: 'w', gbraid: 'g', gclid: 'c' })).toEqual({ kind: 'gclid', value: 'c' });
    expect(googleClickId({ wbraid: 'w', gbraid: 'g' })).toEqual({ kind: 'gbraid', value: 'g' });
    expect(googleClickId({})).toBeNull();
  });

  test("Meta's fbc is fb.1.<first seen ms>.<fbclid>", () => {
    expect(metaFbc('IwAR123', 1_700_000_000_123)).toBe('fb.1.1700000000123.IwAR123');
  });
});
