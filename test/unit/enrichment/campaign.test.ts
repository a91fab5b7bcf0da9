import { campaignKey, parseCampaign, MAX_UTM_LENGTH } from '../../../lib/enrichment/campaign';

const landing = (query: string) => `https://shop.example/landing?${query}`;

describe('parseCampaign', () => {
  it('reads all six utm parameters, lower-casing only source and medium', () => {
    const url = landing('utm_source=Google&utm_medium=CPC&utm_campaign=Summer_Sale&utm_term=Red+Shoes&utm_content=Hero&utm_id=C-42');
    expect(parseCampaign(url)).toEqual({
      utm: { source: 'google', medium: 'cpc', campaign: 'Summer_Sale', term: 'Red Shoes', content: 'Hero', id: 'C-42' },
      clickIds: {},
    });
  });

  it('reads every supported click id, keeping its exact value', () => {
    const url = landing('gclid=Cj0KCQ_a-b&gbraid=0AAA&wbraid=CjgK&fbclid=IwAR0x&ttclid=E.C.P.Cq1&msclkid=6f1c&li_fat_id=a1b2-c3&twclid=2-7ab');
    expect(parseCampaign(url).clickIds).toEqual({
      gclid: 'Cj0KCQ_a-b',
      gbraid: '0AAA',
      wbraid: 'CjgK',
      fbclid: 'IwAR0x',
      ttclid: 'E.C.P.Cq1',
      msclkid: '6f1c',
      li_fat_id: 'a1b2-c3',
      twclid: '2-7ab',
    });
  });

  it('treats parameter names case-insensitively', () => {
    expect(parseCampaign(landing('UTM_Source=newsletter&Utm_Medium=Email&GCLID=abc'))).toEqual({
      utm: { source: 'newsletter', medium: 'email' },
      clickIds: { gclid: 'abc' },
    });
  });

  it('trims values, ignores empty ones and keeps the first non-empty occurrence', () => {
    const result = parseCampaign(landing('utm_source=%20%20&utm_source=+facebook+&utm_source=twitter&utm_campaign='));
    expect(result.utm).toEqual({ source: 'facebook' });
  });

  it(`truncates utm values to ${MAX_UTM_LENGTH} characters`, () => {
    const result = parseCampaign(landing(`utm_campaign=${'a'.repeat(500)}`));
    expect(result.utm.campaign).toBe('a'.repeat(MAX_UTM_LENGTH));
  });

  it('drops, rather than truncates, a click id that is too long or oddly shaped', () => {
    const result = parseCampaign(landing(`gclid=${'a'.repeat(501)}&fbclid=has%20space&msclkid=a%40b.com&ttclid=${'t'.repeat(300)}`));
    expect(result.clickIds).toEqual({ ttclid: 't'.repeat(300) });
  });

  it('replaces email addresses in utm values with [email]', () => {
    const result = parseCampaign(landing('utm_source=esp&utm_content=Jane.Doe%40Example.com&utm_term=hi%20bob@mail.com'));
    expect(result.utm.content).toBe('[email]');
    expect(result.utm.term).toBe('hi [email]');
  });

  it('strips control characters (Postgres text cannot store NUL)', () => {
    expect(parseCampaign(landing('utm_source=goo%00gle%0A')).utm.source).toBe('google');
  });

  it('reads a URL object as well as a string', () => {
    expect(parseCampaign(new URL(landing('utm_source=bing'))).utm.source).toBe('bing');
  });

  it.each([
    ['a relative URL', '/landing?utm_source=google'],
    ['an empty string', ''],
    ['junk', 'http://%%%'],
    ['undefined', undefined],
    ['null', null],
  ])('returns an empty campaign for %s without throwing', (_name, input) => {
    expect(parseCampaign(input)).toEqual({ utm: {}, clickIds: {} });
  });

  it('ignores utm parameters that appear only in the fragment', () => {
    expect(parseCampaign('https://shop.example/#utm_source=google')).toEqual({ utm: {}, clickIds: {} });
  });
});

describe('campaignKey', () => {
  it('is empty for a hit without campaign tags or click ids', () => {
    expect(campaignKey(parseCampaign('https://shop.example/p?color=red&utm_content=x'))).toBe('');
  });

  it('joins source, medium, campaign and the click-id types', () => {
    expect(campaignKey(parseCampaign(landing('utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=abc')))).toBe('google|cpc|spring|gclid');
    expect(campaignKey(parseCampaign(landing('fbclid=1&ttclid=2')))).toBe('|||fbclid+ttclid');
  });

  it('ignores click-id values, so a reloaded ad landing page keeps its session', () => {
    expect(campaignKey(parseCampaign(landing('gclid=first')))).toBe(campaignKey(parseCampaign(landing('gclid=second'))));
  });

  it('changes when the campaign changes', () => {
    const spring = campaignKey(parseCampaign(landing('utm_source=google&utm_medium=cpc&utm_campaign=spring')));
    const summer = campaignKey(parseCampaign(landing('utm_source=google&utm_medium=cpc&utm_campaign=summer')));
    expect(spring).not.toBe(summer);
  });

  it('does not change with the case of source or medium', () => {
    expect(campaignKey(parseCampaign(landing('utm_source=Google&utm_medium=CPC')))).toBe(
      campaignKey(parseCampaign(landing('utm_source=google&utm_medium=cpc'))),
    );
  });

  it('cannot be made to collide by a | inside a value', () => {
    const a = campaignKey({ utm: { source: 'a|b', medium: 'c' }, clickIds: {} });
    const b = campaignKey({ utm: { source: 'a', medium: 'b|c' }, clickIds: {} });
    expect(a).not.toBe(b);
  });
});
