import type { AdReportCursor } from '../../../../integrations/ad-report-stream';
import type { ImportStream } from '../../../../integrations/contracts';
import { createGscStream, gscCredentialsSchema, gscQueryUrl, normaliseGscRow, parseGscPage } from '../../../../integrations/gsc';
import { VendorHttpError } from '../../../../integrations/http';
import { searchConsoleDimensionKey } from '../../../../lib/organic/records';
import { startFakeGsc, type FakeGsc } from '../../../support/fakes/gsc';

const secrets = { clientId: 'c', clientSecret: 's', refreshToken: 'r' };
let gsc: FakeGsc;
beforeEach(async () => {
  gsc = await startFakeGsc(secrets);
});
afterEach(() => gsc.close());

function stream(overrides: Record<string, unknown> = {}): ImportStream<AdReportCursor> {
  const credentials = gscCredentialsSchema.parse({ ...secrets, siteUrls: 'sc-domain:shop.example', rowLimit: 2, apiBaseUrl: gsc.url, tokenUrl: gsc.tokenUrl, ...overrides });
  return createGscStream(credentials, { now: () => new Date('2024-03-05T10:00:00Z'), backfillDays: 1 });
}

const annotated = (keys: string[], extra: Record<string, unknown> = {}) => ({ keys, clicks: 3, impressions: 30, ctr: 0.1, position: 2.5, siteUrl: 'https://shop.example/', searchType: 'web', dimensions: ['date', 'query', 'page'], fresh: false, ...extra });

describe('createGscStream', () => {
  it('posts date × query × page pages by startRow, then search appearance on its own, with a bearer token and the property URL-encoded', async () => {
    for (const q of ['a', 'b', 'c']) gsc.rows.push({ siteUrl: 'sc-domain:shop.example', date: '2024-03-05', query: q, page: 'https://shop.example/', clicks: 1, impressions: 10, position: 1 });
    const s = stream();
    let cursor = s.initialCursor(null);
    const sizes: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const page = await s.fetchPage(cursor);
      sizes.push(page.rows.length);
      cursor = page.cursor;
      if (page.done) break;
    }
    expect(sizes).toEqual([2, 1, 0]);
    expect(gsc.queries().map((q) => [q.dimensions.join(','), q.startRow])).toEqual([['date,query,page', 0], ['date,query,page', 2], ['date,searchAppearance', 0]]);
    expect(gsc.requests.find((r) => r.path.includes('searchAnalytics'))?.path).toBe('/webmasters/v3/sites/sc-domain%3Ashop.example/searchAnalytics/query');
    expect(gscQueryUrl('https://www.googleapis.com', 'https://shop.example/').pathname).toBe('/webmasters/v3/sites/https%3A%2F%2Fshop.example%2F/searchAnalytics/query');
  });

  it('reads 429 as retryable with Retry-After and a refused token as final', async () => {
    gsc.failNext(429, { retryAfterSeconds: 7 });
    const s = stream();
    const error = await s.fetchPage(s.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 7, message: expect.stringMatching(/RESOURCE_EXHAUSTED/) as string });
    const bad = stream({ refreshToken: 'wrong' });
    await expect(bad.fetchPage(bad.initialCursor(null))).rejects.toMatchObject({ retryable: false, status: 400 });
  });

  it('re-reads 4 days before the previous end by default (Search Console data is 2–3 days late)', () => {
    const s = stream();
    expect(s.restartCursor({ from: '2024-03-01', to: '2024-03-05', account: 0, windowStart: '2024-03-01', page: null })).toMatchObject({ from: '2024-03-01', to: '2024-03-05' });
    expect(parseGscPage(null)).toEqual({ phase: 'qp', startRow: 0 });
    expect(parseGscPage('sa:25000')).toEqual({ phase: 'sa', startRow: 25000 });
    expect(() => parseGscPage('zz')).toThrow(/not a page cursor/);
  });
});

describe('normaliseGscRow', () => {
  it('maps a query × page row and a search appearance row, the long query kept whole and keyed by hash', () => {
    const long = 'q'.repeat(5000);
    const result = normaliseGscRow(annotated(['2024-03-01', long, 'https://shop.example/p']));
    expect(result).toMatchObject({ ok: true, records: [{ kind: 'search_console_row', row: { day: '2024-03-01', grain: 'query_page', query: long, searchAppearance: null, clicks: 3, ctr: 0.1 } }] });
    const appearance = normaliseGscRow(annotated(['2024-03-01', 'AI_OVERVIEW'], { dimensions: ['date', 'searchAppearance'] }));
    expect(appearance).toMatchObject({ ok: true, records: [{ row: { grain: 'search_appearance', query: null, page: null, searchAppearance: 'AI_OVERVIEW' } }] });
    const key = searchConsoleDimensionKey({ grain: 'query_page', query: long, page: 'https://shop.example/p', searchAppearance: null });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects rows it cannot read, naming the field', () => {
    expect(normaliseGscRow(annotated(['2024-02-30', 'q', 'p']))).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/not a real day/) as string } });
    expect(normaliseGscRow(annotated(['2024-03-01', 'q', 'p'], { clicks: 'x' }))).toMatchObject({ ok: false, rejected: { externalId: 'https://shop.example/:2024-03-01|q|p', reason: expect.stringMatching(/clicks/) as string } });
    expect(normaliseGscRow(annotated(['2024-03-01', 'q'], {}))).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/keys has 2 values for 3 dimensions/) as string } });
    expect(normaliseGscRow(annotated(['2024-03-01', 'q', 'p'], { ctr: 1.5 }))).toMatchObject({ ok: false });
  });
});
