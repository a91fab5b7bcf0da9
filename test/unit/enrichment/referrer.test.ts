import { isSameSite, parseUrl, referrerHost } from '../../../lib/enrichment/referrer';

describe('referrerHost', () => {
  it.each([
    ['https://www.Google.com/search?q=shoes', 'google.com'],
    ['https://l.facebook.com/', 'l.facebook.com'],
    ['http://blog.example.org:8080/post', 'blog.example.org'],
    ['https://example.com./', 'example.com'],
    ['https://www2.example.com/', 'www2.example.com'],
    ['android-app://com.google.android.gm/', 'com.google.android.gm'],
  ])('turns %s into %s', (referrer, host) => {
    expect(referrerHost(referrer)).toBe(host);
  });

  it.each([['', undefined], ['/relative/path', undefined], ['about:blank', undefined], ['not a url', undefined], [undefined, undefined], [null, undefined]])(
    'returns undefined for %p',
    (referrer, expected) => {
      expect(referrerHost(referrer)).toBe(expected);
    },
  );
});

describe('isSameSite', () => {
  it('treats the same host as internal navigation, ignoring www. and scheme', () => {
    expect(isSameSite('https://shop.example/cart', 'http://www.shop.example/product/1')).toBe(true);
  });

  it('treats a different site as external', () => {
    expect(isSameSite('https://shop.example/', 'https://google.com/')).toBe(false);
  });

  it('treats a sibling subdomain as external (we cannot know the public suffix list)', () => {
    expect(isSameSite('https://shop.example.com/', 'https://checkout.example.com/')).toBe(false);
    expect(isSameSite('https://a.myshopify.com/', 'https://b.myshopify.com/')).toBe(false);
  });

  it('is false when either URL is missing or unparseable', () => {
    expect(isSameSite(undefined, 'https://shop.example/')).toBe(false);
    expect(isSameSite('https://shop.example/', '')).toBe(false);
    expect(isSameSite('/relative', '/relative')).toBe(false);
  });
});

describe('parseUrl', () => {
  it('returns the same object when given a URL, so callers parse once', () => {
    const url = new URL('https://shop.example/');
    expect(parseUrl(url)).toBe(url);
  });

  it('trims surrounding whitespace before parsing', () => {
    expect(parseUrl('  https://shop.example/a  ')?.pathname).toBe('/a');
  });
});
