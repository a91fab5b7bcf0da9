import { CHANNEL_RULES, enrichEvent } from '../../../lib/enrichment';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('enrichEvent', () => {
  it('enriches a paid search landing: campaign, channel, device, and a scrubbed URL', () => {
    const hit = enrichEvent({
      pageUrl: 'https://shop.example/landing?utm_source=Google&utm_medium=cpc&utm_campaign=Spring&gclid=Cj0x&email=jane%40mail.com',
      referrer: 'https://www.google.com/',
      userAgent: CHROME,
    });
    expect(hit).toEqual({
      pageUrl: 'https://shop.example/landing?utm_source=Google&utm_medium=cpc&utm_campaign=Spring&gclid=Cj0x&email=[email]',
      referrer: 'https://www.google.com/',
      campaign: { utm: { source: 'google', medium: 'cpc', campaign: 'Spring' }, clickIds: { gclid: 'Cj0x' } },
      referrerHost: 'google.com',
      channel: 'Paid Search',
      channelRule: 'source is a search engine and utm_medium is paid',
      device: { browser: 'Chrome', browserVersion: '120', os: 'Windows', osVersion: '10', deviceType: 'desktop' },
    });
  });

  it('treats navigation inside the shop as Direct and reports no referring site', () => {
    const hit = enrichEvent({ pageUrl: 'https://shop.example/cart', referrer: 'https://www.shop.example/p/1', userAgent: CHROME });
    expect(hit.channel).toBe('Direct');
    expect(hit.referrerHost).toBeUndefined();
    expect(hit.referrer).toBe('https://www.shop.example/p/1');
  });

  it('classifies an untagged visit from another site as Referral', () => {
    const hit = enrichEvent({ pageUrl: 'https://shop.example/', referrer: 'https://blog.example.org/best-shoes', userAgent: CHROME });
    expect(hit).toMatchObject({ channel: 'Referral', referrerHost: 'blog.example.org' });
  });

  it('returns Direct, a bot device and no URLs for an empty hit', () => {
    expect(enrichEvent({})).toEqual({
      pageUrl: undefined,
      referrer: undefined,
      campaign: { utm: {}, clickIds: {} },
      referrerHost: undefined,
      channel: 'Direct',
      channelRule: CHANNEL_RULES[0]?.description,
      device: { deviceType: 'bot' },
    });
  });

  it('keeps garbage page URLs as scrubbed text without throwing', () => {
    const hit = enrichEvent({ pageUrl: '/relative?e=jane@mail.com', referrer: '%%%', userAgent: null });
    expect(hit.pageUrl).toBe('/relative?e=[email]');
    expect(hit.referrer).toBe('%%%');
    expect(hit.campaign).toEqual({ utm: {}, clickIds: {} });
  });

  it('reads the campaign before scrubbing, but scrubs emails in campaign values too', () => {
    const hit = enrichEvent({ pageUrl: 'https://shop.example/?utm_source=esp&utm_medium=email&utm_content=jane%40mail.com' });
    expect(hit.campaign.utm.content).toBe('[email]');
    expect(hit.channel).toBe('Email');
  });
});
