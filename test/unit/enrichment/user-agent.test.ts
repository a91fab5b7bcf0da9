import { isBot, parseUserAgent } from '../../../lib/enrichment/user-agent';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  iPhone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  iPad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  androidPhone: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  androidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  smartTv: 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  curl: 'curl/8.4.0',
};

describe('parseUserAgent', () => {
  it('reads browser, major browser version and OS of a desktop browser', () => {
    expect(parseUserAgent(UA.chromeWindows)).toEqual({ browser: 'Chrome', browserVersion: '120', os: 'Windows', osVersion: '10', deviceType: 'desktop' });
  });

  it.each([
    ['Safari on a Mac', 'desktop', UA.safariMac],
    ['Firefox on Linux', 'desktop', UA.firefoxLinux],
    ['an iPhone', 'mobile', UA.iPhone],
    ['an Android phone', 'mobile', UA.androidPhone],
    ['an iPad', 'tablet', UA.iPad],
    ['an Android tablet', 'tablet', UA.androidTablet],
    ['a smart TV', 'other', UA.smartTv],
    ['Googlebot', 'bot', UA.googlebot],
    ['headless Chrome', 'bot', UA.headless],
    ['curl', 'bot', UA.curl],
    ['an unrecognisable string', 'other', 'garbage ☃'],
  ])('classifies %s as %s', (_name, deviceType, ua) => {
    expect(parseUserAgent(ua).deviceType).toBe(deviceType);
  });

  it('reads the OS version of a phone', () => {
    expect(parseUserAgent(UA.iPhone)).toMatchObject({ browser: 'Mobile Safari', os: 'iOS', osVersion: '17.1' });
  });

  it('treats a missing user agent as a bot with no details', () => {
    expect(parseUserAgent(undefined)).toEqual({ deviceType: 'bot' });
    expect(parseUserAgent('')).toEqual({ deviceType: 'bot' });
  });

  it('copes with an absurdly long user agent', () => {
    expect(parseUserAgent(`${UA.chromeWindows} ${'x'.repeat(100_000)}`).browser).toBe('Chrome');
  });
});

describe('isBot', () => {
  it.each([[UA.googlebot], [UA.headless], [UA.curl], [''], ['   '], [undefined], [null]])('is true for %p', (ua) => {
    expect(isBot(ua)).toBe(true);
  });

  it.each([[UA.chromeWindows], [UA.iPhone], [UA.androidTablet]])('is false for a real browser: %s', (ua) => {
    expect(isBot(ua)).toBe(false);
  });
});
