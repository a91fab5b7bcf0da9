import type { ImportStream } from '../../../../integrations/contracts';
import type { AdReportCursor } from '../../../../integrations/ad-report-stream';
import { VendorHttpError } from '../../../../integrations/http';
import { createGoogleAdsSpendStream, googleAdsCredentialsSchema, normaliseGoogleAdsRow } from '../../../../integrations/google-ads';
import { googleAdsRow, startFakeGoogleAds, type FakeGoogleAds } from '../../../support/fakes/google-ads';

const secrets = { developerToken: 'dev-token-1', clientId: 'client.apps.googleusercontent.com', clientSecret: 'GOCSPX-secret', refreshToken: '1//refresh' };
let google: FakeGoogleAds;

beforeEach(async () => {
  google = await startFakeGoogleAds({ ...secrets, loginCustomerId: '1112223333', batchSize: 2 });
});
afterEach(() => google.close());

function stream(overrides: Record<string, unknown> = {}, now = '2024-03-05T12:00:00Z'): ImportStream<AdReportCursor> {
  const credentials = googleAdsCredentialsSchema.parse({
    ...secrets,
    customerIds: '123-456-7890, 2223334444',
    loginCustomerId: '111-222-3333',
    apiBaseUrl: google.url,
    tokenUrl: google.tokenUrl,
    ...overrides,
  });
  return createGoogleAdsSpendStream(credentials, { now: () => new Date(now), backfillDays: 3 });
}

async function drain(s: ImportStream<AdReportCursor>, cursor: AdReportCursor) {
  const pages: unknown[][] = [];
  let current = cursor;
  for (let i = 0; i < 50; i += 1) {
    const page = await s.fetchPage(current);
    pages.push(page.rows);
    current = s.cursorSchema.parse(JSON.parse(JSON.stringify(page.cursor)));
    if (page.done) return { pages, cursor: current };
  }
  throw new Error('never finished');
}

describe('Google Ads credentials', () => {
  it('takes customer ids with dashes, comma-separated, and defaults the API to Google', () => {
    const parsed = googleAdsCredentialsSchema.parse({ ...secrets, customerIds: '123-456-7890,2223334444' });
    expect(parsed).toMatchObject({ customerIds: ['1234567890', '2223334444'], apiVersion: 'v19', apiBaseUrl: 'https://googleads.googleapis.com', tokenUrl: 'https://oauth2.googleapis.com/token' });
    expect(googleAdsCredentialsSchema.safeParse({ ...secrets, customerIds: '12345' }).success).toBe(false);
    expect(googleAdsCredentialsSchema.safeParse({ ...secrets, customerIds: [] }).success).toBe(false);
  });
});

describe('createGoogleAdsSpendStream', () => {
  it('sends the documented searchStream request: one day per request, per customer, with OAuth, developer and login-customer headers', async () => {
    google.rows.push(
      googleAdsRow({ customerId: '1234567890', date: '2024-03-03', adId: '501', costMicros: '1230000', clicks: '3', impressions: '100' }),
      googleAdsRow({ customerId: '1234567890', date: '2024-03-04', adId: '501', costMicros: '2000000' }),
      googleAdsRow({ customerId: '1234567890', date: '2024-03-04', adId: '502', costMicros: '10000' }),
      googleAdsRow({ customerId: '1234567890', date: '2024-03-04', adId: '503', costMicros: '990000' }),
      googleAdsRow({ customerId: '2223334444', date: '2024-03-05', adId: '601', costMicros: '5000000', currency: 'USD' }),
    );
    const s = stream();
    const { pages, cursor } = await drain(s, s.initialCursor(null));
    expect(google.searches().map((q) => `${q.customerId} ${q.start}..${q.end}`)).toEqual([
      '1234567890 2024-03-03..2024-03-03',
      '1234567890 2024-03-04..2024-03-04',
      '1234567890 2024-03-05..2024-03-05',
      '2223334444 2024-03-03..2024-03-03',
      '2223334444 2024-03-04..2024-03-04',
      '2223334444 2024-03-05..2024-03-05',
    ]);
    // Three rows of 2024-03-04 arrive in two batches of the one answer.
    expect(pages.map((p) => p.length)).toEqual([1, 3, 0, 0, 0, 1]);
    const search = google.requests.find((r) => r.path.endsWith(':searchStream'));
    expect(search).toMatchObject({ method: 'POST', path: '/v19/customers/1234567890/googleAds:searchStream' });
    expect(search?.headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer ya29\./) as string, 'developer-token': 'dev-token-1', 'login-customer-id': '1112223333', 'content-type': 'application/json' });
    expect(JSON.parse(search?.body ?? '{}')).toEqual({
      query:
        "SELECT customer.id, customer.currency_code, customer.time_zone, campaign.id, campaign.name, ad_group.id, ad_group.name, ad_group_ad.ad.id, ad_group_ad.ad.name, segments.date, metrics.cost_micros, metrics.clicks, metrics.impressions FROM ad_group_ad WHERE segments.date BETWEEN '2024-03-03' AND '2024-03-03'",
    });
    // One token for the whole run.
    expect(google.requests.filter((r) => r.path === '/token')).toHaveLength(1);
    expect(cursor).toEqual({ from: '2024-03-03', to: '2024-03-05', account: 0, windowStart: '2024-03-03', page: null });
  });

  it('re-reads a 3-day lookback on the next run, through today', () => {
    const s = stream({}, '2024-03-07T01:00:00Z');
    expect(s.restartCursor({ from: '2024-03-03', to: '2024-03-05', account: 0, windowStart: '2024-03-03', page: null })).toEqual({ from: '2024-03-02', to: '2024-03-07', account: 0, windowStart: '2024-03-02', page: null });
    expect(s.initialCursor('2024-02-01T00:00:00Z')).toMatchObject({ from: '2024-02-01', to: '2024-03-07' });
  });

  it('reads a 429 RESOURCE_EXHAUSTED as retryable, with the retryDelay from the quota details', async () => {
    google.failNext(429, { retryDelaySeconds: 7 });
    const s = stream();
    const error = await s.fetchPage(s.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 7, message: expect.stringMatching(/RESOURCE_EXHAUSTED/) as string });
  });

  it('fails for good on a wrong developer token or a missing manager header', async () => {
    const bad = stream({ developerToken: 'wrong' });
    await expect(bad.fetchPage(bad.initialCursor(null))).rejects.toMatchObject({ status: 401, retryable: false });
    const noManager = stream({ loginCustomerId: undefined });
    await expect(noManager.fetchPage(noManager.initialCursor(null))).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/login-customer-id/) as string });
  });
});

describe('normaliseGoogleAdsRow', () => {
  const row = googleAdsRow({ customerId: '1234567890', date: '2024-03-03', adGroupId: '77', adId: '501', costMicros: '1230000', clicks: '3', impressions: '100', adName: 'Spring sale' });

  it('maps a row: ad group ad as the ad id, the ad as the creative, micros to cents exactly', () => {
    expect(normaliseGoogleAdsRow(row)).toEqual({
      ok: true,
      records: [
        {
          kind: 'ad_spend',
          adSpend: {
            platform: 'google_ads', accountId: '1234567890', day: '2024-03-03', level: 'ad',
            campaignId: '9000001', campaignName: 'Campaign 9000001', adGroupId: '77', adGroupName: 'Ad group 77',
            adId: '77~501', adName: 'Spring sale', creativeId: '501', currency: 'EUR',
            spendMicros: 1_230_000, spendMinor: 123, impressions: 100, clicks: 3, accountTimeZone: 'Europe/Berlin',
          },
        },
      ],
    });
  });

  it('reads metrics left out of the JSON (proto3 zero) as 0', () => {
    const { metrics: _metrics, ...withoutMetrics } = row;
    const result = normaliseGoogleAdsRow({ ...withoutMetrics, metrics: { impressions: '40' } });
    expect(result.ok && result.records[0]).toMatchObject({ adSpend: { spendMicros: 0, spendMinor: 0, clicks: 0, impressions: 40 } });
  });

  it('rejects a malformed row with the field named, never a silent zero', () => {
    const bad = normaliseGoogleAdsRow({ ...row, metrics: { costMicros: 1.23 } });
    expect(bad).toEqual({ ok: false, rejected: { externalId: '1234567890:77~501:2024-03-03', reason: expect.stringMatching(/metrics\.costMicros/) as string, raw: expect.anything() as unknown } });
    expect(normaliseGoogleAdsRow({ ...row, segments: { date: '2024-02-30' } })).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/not a real day/) as string } });
    expect(normaliseGoogleAdsRow('nope')).toMatchObject({ ok: false, rejected: { externalId: null } });
  });
});
