import { shopifyApiBaseUrl, shopifyCredentialsSchema } from '../../../../integrations/shopify';

const valid = { shopDomain: 'Lux-Demo.myshopify.com', accessToken: 'shpat_0123456789abcdef0123456789abcdef', webhookSecret: 'shpss_abc' };

describe('shopifyCredentialsSchema', () => {
  it('accepts a shop, defaults the API version and the base URL', () => {
    const credentials = shopifyCredentialsSchema.parse(valid);
    expect(credentials).toEqual({ ...valid, shopDomain: 'lux-demo.myshopify.com', apiVersion: '2025-01' });
    expect(shopifyApiBaseUrl(credentials)).toBe('https://lux-demo.myshopify.com');
  });

  it('takes a base URL override (a fake in tests) without a trailing slash', () => {
    const credentials = shopifyCredentialsSchema.parse({ ...valid, apiBaseUrl: 'http://127.0.0.1:4010/' });
    expect(shopifyApiBaseUrl(credentials)).toBe('http://127.0.0.1:4010');
  });

  it.each([
    ['a custom storefront domain', { shopDomain: 'shop.example.com' }, /shopDomain/],
    ['an API key instead of an access token', { accessToken: '0123456789abcdef' }, /accessToken/],
    ['no webhook secret', { webhookSecret: '' }, /webhookSecret/],
    ['a made-up API version', { apiVersion: '2025-02' }, /apiVersion/],
    ['a base URL that is not http(s)', { apiBaseUrl: 'ftp://example.com' }, /apiBaseUrl/],
  ])('rejects %s', (_label, override, field) => {
    const result = shopifyCredentialsSchema.safeParse({ ...valid, ...override });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(field);
  });
});
