import { detectProxyOpen } from '../../../lib/messages/proxy-open';

const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const GMAIL = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';

describe('proxy opens', () => {
  it("flags Apple Mail Privacy Protection's bare user agent whenever it comes", () => {
    expect(detectProxyOpen({ userAgent: 'Mozilla/5.0', openedAt: '2024-03-02T10:00:00Z', deliveredAt: '2024-03-01T10:00:00Z' })).toEqual({ proxy: true, reason: expect.stringMatching(/Apple Mail Privacy Protection/) as unknown });
  });

  it('flags a generic fetch within seconds of delivery, but not a real client', () => {
    const base = { openedAt: '2024-03-01T10:00:20Z', deliveredAt: '2024-03-01T10:00:00Z' };
    expect(detectProxyOpen({ ...base, userAgent: 'curl/8.0' }).proxy).toBe(true);
    expect(detectProxyOpen({ ...base, userAgent: null }).proxy).toBe(true);
    expect(detectProxyOpen({ ...base, userAgent: APPLE_MAIL }).proxy).toBe(false);
    expect(detectProxyOpen({ ...base, userAgent: GMAIL }).proxy).toBe(false);
  });

  it('does not flag a generic fetch an hour after delivery, or with no delivery time', () => {
    expect(detectProxyOpen({ userAgent: 'curl/8.0', openedAt: '2024-03-01T11:00:00Z', deliveredAt: '2024-03-01T10:00:00Z' }).proxy).toBe(false);
    expect(detectProxyOpen({ userAgent: 'curl/8.0', openedAt: '2024-03-01T11:00:00Z' }).proxy).toBe(false);
  });

  it('takes the window as a parameter', () => {
    const input = { userAgent: 'x', openedAt: '2024-03-01T10:05:00Z', deliveredAt: '2024-03-01T10:00:00Z' };
    expect(detectProxyOpen(input).proxy).toBe(false);
    expect(detectProxyOpen(input, { prefetchSeconds: 600 }).proxy).toBe(true);
  });

  it("believes the provider's own verdict", () => {
    expect(detectProxyOpen({ userAgent: APPLE_MAIL, openedAt: '2024-03-01T10:00:00Z', providerFlag: true }).proxy).toBe(true);
    expect(detectProxyOpen({ userAgent: APPLE_MAIL, openedAt: '2024-03-01T10:00:00Z', providerBot: 'apple' })).toEqual({ proxy: true, reason: expect.stringMatching(/apple/) as unknown });
    expect(detectProxyOpen({ userAgent: APPLE_MAIL, openedAt: '2024-03-01T10:00:00Z', providerBot: '' }).proxy).toBe(false);
  });
});
