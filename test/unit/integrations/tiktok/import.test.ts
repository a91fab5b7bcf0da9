import type { ImportStream } from '../../../../integrations/contracts';
import type { AdReportCursor } from '../../../../integrations/ad-report-stream';
import { VendorHttpError } from '../../../../integrations/http';
import { createTikTokSpendStream, normaliseTikTokReportRow, tiktokCredentialsSchema } from '../../../../integrations/tiktok';
import { startFakeTikTok, tiktokRow, type FakeTikTok } from '../../../support/fakes/tiktok';

let tiktok: FakeTikTok;
beforeEach(async () => {
  tiktok = await startFakeTikTok();
});
afterEach(() => tiktok.close());

function stream(overrides: Record<string, unknown> = {}, options: { windowDays?: number; pageSize?: number; backfillDays?: number } = {}): ImportStream<AdReportCursor> {
  const credentials = tiktokCredentialsSchema.parse({ accessToken: tiktok.accessToken, advertiserIds: '7001,7002', apiBaseUrl: tiktok.url, ...overrides });
  return createTikTokSpendStream(credentials, { now: () => new Date('2024-03-05T10:00:00Z'), backfillDays: 5, pageSize: 2, ...options });
}

async function drain(s: ImportStream<AdReportCursor>) {
  const pages: unknown[][] = [];
  let current = s.initialCursor(null);
  for (let i = 0; i < 50; i += 1) {
    const page = await s.fetchPage(current);
    pages.push(page.rows);
    current = s.cursorSchema.parse(JSON.parse(JSON.stringify(page.cursor)));
    if (page.done) return pages;
  }
  throw new Error('never finished');
}

describe('createTikTokSpendStream', () => {
  it('sends the documented report request per advertiser and pages through page_info', async () => {
    for (const ad of ['1', '2', '3']) tiktok.rows.push(tiktokRow({ advertiserId: '7001', day: '2024-03-02', adId: `180000000000000${ad}`, spend: '2.10' }));
    tiktok.rows.push(tiktokRow({ advertiserId: '7002', day: '2024-03-04', adId: '1800000000000009', spend: '9.99' }));
    const pages = await drain(stream());
    expect(pages.map((p) => p.length)).toEqual([2, 1, 1]);
    expect(tiktok.requests[0]?.headers['access-token']).toBe(tiktok.accessToken);
    expect(tiktok.requests[0]?.query).toEqual({
      advertiser_id: '7001',
      report_type: 'BASIC',
      data_level: 'AUCTION_AD',
      dimensions: '["ad_id","stat_time_day"]',
      metrics: '["spend","impressions","clicks","campaign_id","campaign_name","adgroup_id","adgroup_name","ad_name","currency"]',
      start_date: '2024-03-01',
      end_date: '2024-03-05',
      page: '1',
      page_size: '2',
    });
    expect(tiktok.requests.map((r) => `${r.query.advertiser_id}:${r.query.page}`)).toEqual(['7001:1', '7001:2', '7002:1']);
    // Each row says whose it is.
    expect(pages[2]?.[0]).toMatchObject({ advertiser_id: '7002' });
  });

  it('keeps a window within the 30 days TikTok allows with a daily dimension', async () => {
    await drain(stream({ advertiserIds: '7001' }, { windowDays: 30, backfillDays: 45 }));
    expect(tiktok.requests.map((r) => `${r.query.start_date}..${r.query.end_date}`)).toEqual(['2024-01-21..2024-02-19', '2024-02-20..2024-03-05']);
    expect(() => stream({}, { windowDays: 31 })).toThrow(/1 to 30/);
  });

  it('reads code 40100 (HTTP 200) as a retryable rate limit and a bad token as final', async () => {
    tiktok.rateLimitNext();
    const s = stream();
    const limited = await s.fetchPage(s.initialCursor(null)).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(VendorHttpError);
    expect(limited).toMatchObject({ status: 429, retryable: true, message: expect.stringMatching(/40100/) as string });
    const bad = stream({ accessToken: 'wrong' });
    await expect(bad.fetchPage(bad.initialCursor(null))).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/40105/) as string });
  });
});

describe('normaliseTikTokReportRow', () => {
  const item = (row: ReturnType<typeof tiktokRow>) => ({ advertiser_id: row.advertiserId, dimensions: { ad_id: row.adId, stat_time_day: `${row.day} 00:00:00` }, metrics: row.metrics });

  it('maps a report row: stat_time_day → day, spend → exact micros and pence, currency kept', () => {
    const result = normaliseTikTokReportRow(item(tiktokRow({ advertiserId: '7001', day: '2024-03-02', adId: '1800000000000001', spend: '5.20', impressions: '800', clicks: '12', currency: 'GBP' })));
    expect(result).toEqual({
      ok: true,
      records: [
        {
          kind: 'ad_spend',
          adSpend: {
            platform: 'tiktok', accountId: '7001', day: '2024-03-02', level: 'ad',
            campaignId: '1790000000000001', campaignName: 'Spark 001', adGroupId: '1790000000000101', adGroupName: 'Broad 101',
            adId: '1800000000000001', adName: 'Video 0001', creativeId: '1800000000000001', currency: 'GBP',
            spendMicros: 5_200_000, spendMinor: 520, impressions: 800, clicks: 12, accountTimeZone: null,
          },
        },
      ],
    });
  });

  it('rejects a row without currency or with a non-numeric metric, naming the field', () => {
    const row = item(tiktokRow({ advertiserId: '7001', day: '2024-03-02', adId: '18', spend: '1.00' }));
    const { currency: _currency, ...noCurrency } = row.metrics;
    expect(normaliseTikTokReportRow({ ...row, metrics: noCurrency })).toMatchObject({ ok: false, rejected: { externalId: '7001:18:2024-03-02', reason: expect.stringMatching(/metrics\.currency: missing currency/) as string } });
    expect(normaliseTikTokReportRow({ ...row, metrics: { ...row.metrics, clicks: '-' } })).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/metrics\.clicks/) as string } });
  });
});
