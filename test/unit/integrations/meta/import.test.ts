import type { ImportStream } from '../../../../integrations/contracts';
import type { AdReportCursor } from '../../../../integrations/ad-report-stream';
import { VendorHttpError } from '../../../../integrations/http';
import { createMetaSpendStream, metaCredentialsSchema, normaliseMetaInsightsRow } from '../../../../integrations/meta';
import { metaRow, startFakeMeta, type FakeMeta } from '../../../support/fakes/meta';

let meta: FakeMeta;
beforeEach(async () => {
  meta = await startFakeMeta();
});
afterEach(() => meta.close());

function stream(overrides: Record<string, unknown> = {}, options: { windowDays?: number; pageSize?: number } = {}): ImportStream<AdReportCursor> {
  const credentials = metaCredentialsSchema.parse({ accessToken: meta.accessToken, adAccountIds: 'act_101', apiBaseUrl: meta.url, ...overrides });
  return createMetaSpendStream(credentials, { now: () => new Date('2024-03-05T10:00:00Z'), backfillDays: 5, pageSize: 2, ...options });
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

describe('createMetaSpendStream', () => {
  it('asks for ad-level daily insights of each window and follows paging.cursors.after until there is no next', async () => {
    for (const day of ['2024-03-01', '2024-03-02', '2024-03-03']) for (const ad of ['1', '2']) meta.rows.push(metaRow({ accountId: '101', day, adId: `2385000000000${ad}`, spend: '1.50' }));
    const pages = await drain(stream());
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const [first, second] = meta.requests;
    expect(first).toMatchObject({ method: 'GET', path: '/v21.0/act_101/insights' });
    expect(first?.headers.authorization).toBe(`Bearer ${meta.accessToken}`);
    expect(first?.query).toEqual({
      level: 'ad',
      fields: 'account_id,account_currency,campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name,spend,impressions,clicks',
      time_range: '{"since":"2024-03-01","until":"2024-03-05"}',
      time_increment: '1',
      limit: '2',
    });
    // The token never goes into a URL.
    expect(meta.requests.every((r) => r.query.access_token === undefined)).toBe(true);
    expect(second?.query.after).toEqual(expect.any(String));
  });

  it('splits the range into windows of windowDays', async () => {
    await drain(stream({}, { windowDays: 2 }));
    expect(meta.requests.map((r) => r.query.time_range)).toEqual([
      '{"since":"2024-03-01","until":"2024-03-02"}',
      '{"since":"2024-03-03","until":"2024-03-04"}',
      '{"since":"2024-03-05","until":"2024-03-05"}',
    ]);
  });

  it("reads Meta's throttling (HTTP 400, code 17) as retryable and a bad token (190) as final", async () => {
    meta.throttleNext();
    const s = stream();
    const throttled = await s.fetchPage(s.initialCursor(null)).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(VendorHttpError);
    expect(throttled).toMatchObject({ retryable: true, message: expect.stringMatching(/code 17/) as string });
    const bad = stream({ accessToken: 'wrong' });
    await expect(bad.fetchPage(bad.initialCursor(null))).rejects.toMatchObject({ retryable: false, status: 400, message: expect.stringMatching(/code 190/) as string });
  });
});

describe('normaliseMetaInsightsRow', () => {
  it('maps an insights row, spend string → exact micros and cents, ad set as the ad group', () => {
    const result = normaliseMetaInsightsRow(metaRow({ accountId: '101', day: '2024-03-01', adId: '23850000000000042', spend: '12.34', impressions: '1500', clicks: '27', currency: 'USD' }));
    expect(result).toEqual({
      ok: true,
      records: [
        {
          kind: 'ad_spend',
          adSpend: {
            platform: 'meta', accountId: '101', day: '2024-03-01', level: 'ad',
            campaignId: '23850000000000001', campaignName: 'Prospecting 001', adGroupId: '23850000000000101', adGroupName: 'Lookalike 101',
            adId: '23850000000000042', adName: 'Ad 0042', creativeId: null, currency: 'USD',
            spendMicros: 12_340_000, spendMinor: 1234, impressions: 1500, clicks: 27, accountTimeZone: null,
          },
        },
      ],
    });
  });

  it('rejects rows it cannot count exactly', () => {
    const row = metaRow({ accountId: '101', day: '2024-03-01', adId: '5', spend: '1.00' });
    expect(normaliseMetaInsightsRow({ ...row, spend: '1,00' })).toMatchObject({ ok: false, rejected: { externalId: '101:5:2024-03-01', reason: expect.stringMatching(/^spend/) as string } });
    expect(normaliseMetaInsightsRow({ ...row, date_stop: '2024-03-02' })).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/time_increment=1/) as string } });
    const { spend: _spend, ...noSpend } = row;
    expect(normaliseMetaInsightsRow(noSpend)).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/missing spend/) as string } });
    const { clicks: _clicks, ...noClicks } = row;
    expect(normaliseMetaInsightsRow(noClicks)).toMatchObject({ ok: true, records: [{ adSpend: { clicks: 0 } }] });
  });
});
