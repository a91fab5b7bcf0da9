// Ad spend end to end: the real import workflow (importSourceWorkflow → importStreamWorkflow → the
// import-page activities) on the real Temporal dev server reads local fakes of Google Ads, Meta and
// TikTok (the documented request/response shapes) into ad_spend. Rows are stored once however often a
// day is re-read, malformed rows land in rejected_rows with their reason, rate limits are waited out,
// several pages are read, currencies are kept, and ad_spend_reporting converts with fx_rates and flags
// rows without a rate.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { addDays, utcDay } from '../../lib/ads/days';
import { withTenant } from '../../lib/db/tenant';
import { loadFxRates } from '../../lib/fx/load-rates';
import { connectVendor, runImportOnce } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { googleAdsRow, startFakeGoogleAds, type FakeGoogleAds } from '../support/fakes/google-ads';
import { metaRow, startFakeMeta, type FakeMeta } from '../support/fakes/meta';
import { startFakeTikTok, tiktokRow, type FakeTikTok } from '../support/fakes/tiktok';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';

const googleSecrets = { developerToken: 'dev-token', clientId: 'client-id', clientSecret: 'client-secret', refreshToken: 'refresh-token' };

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let google: FakeGoogleAds;
let meta: FakeMeta;
let tiktok: FakeTikTok;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  google = await startFakeGoogleAds({ ...googleSecrets, batchSize: 3 });
  meta = await startFakeMeta();
  tiktok = await startFakeTikTok();
});
afterAll(async () => {
  await google?.close();
  await meta?.close();
  await tiktok?.close();
  await env?.teardown();
  await db?.drop();
});

/** Days relative to the real clock: the streams read the last 30 days up to today (UTC). */
const today = utcDay(new Date());
const daysAgo = (n: number): string => addDays(today, -n);

const runImport = (companyId: string, source: string) => runImportOnce(db, env, { companyId, source });

const spendRow = z.object({
  platform: z.string(),
  account_id: z.string(),
  day: z.string(),
  ad_id: z.string().nullable(),
  creative_id: z.string().nullable(),
  campaign_name: z.string().nullable(),
  currency: z.string(),
  spend_micros: z.coerce.number(),
  spend_minor: z.coerce.number(),
  impressions: z.coerce.number(),
  clicks: z.coerce.number(),
});

const storedSpend = (companyId: string) =>
  db.ownerPool.any(sql.type(spendRow)`
    SELECT platform, account_id, day::text AS day, ad_id, creative_id, campaign_name, currency, spend_micros, spend_minor, impressions, clicks
    FROM ad_spend WHERE company_id = ${companyId} ORDER BY platform, account_id, day, ad_id`);

const rejectedRows = (companyId: string) =>
  db.ownerPool.any(sql.type(z.object({ source: z.string(), stream: z.string(), external_id: z.string().nullable(), reason: z.string() }))`
    SELECT source, stream, external_id, reason FROM rejected_rows WHERE company_id = ${companyId} ORDER BY rejected_id`);

test('Google Ads: every day read page by page, a 429 waited out, a malformed row rejected with its reason, and a re-import stores each row once with late corrections applied', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'google_ads', { ...googleSecrets, customerIds: '123-456-7890,2223334444', apiBaseUrl: google.url, tokenUrl: google.tokenUrl });
  google.rows.push(
    // 4 ads on one day: two batches (batchSize 3) of one searchStream answer
    ...['501', '502', '503', '504'].map((adId) => googleAdsRow({ customerId: '1234567890', date: daysAgo(5), adId, costMicros: '1230000', clicks: '2', impressions: '50' })),
    googleAdsRow({ customerId: '1234567890', date: daysAgo(1), adId: '501', costMicros: '4560000', clicks: '7', impressions: '300' }),
    googleAdsRow({ customerId: '2223334444', date: daysAgo(2), adId: '601', costMicros: '10000000', currency: 'USD', timeZone: 'America/New_York' }),
  );
  google.addRawRow('1234567890', daysAgo(3), { customer: { id: '1234567890', currencyCode: 'EUR' }, campaign: { id: '1' }, adGroup: { id: '2' }, adGroupAd: { ad: { id: '3' } }, segments: { date: daysAgo(3) }, metrics: { costMicros: 'lots' } });
  google.failNext(429, { retryDelaySeconds: 1 });
  const before = google.searches().length;

  const first = await runImport(companyId, 'google_ads');
  expect(first.streams).toEqual([expect.objectContaining({ source: 'google_ads', stream: 'ad_spend', done: true, rowsRead: 7, rowsStored: 6, rowsRejected: 1 })]);
  // 30 days × 2 customers, one request per day, plus the one refused with 429 and retried.
  const searches = google.searches().slice(before);
  expect(searches).toHaveLength(61);
  expect(new Set(searches.map((s) => `${s.customerId} ${s.start}`)).size).toBe(60);

  const rows = await storedSpend(companyId);
  expect(rows).toHaveLength(6);
  expect(rows.find((r) => r.account_id === '2223334444')).toEqual({
    platform: 'google_ads', account_id: '2223334444', day: daysAgo(2), ad_id: '8000001~601', creative_id: '601', campaign_name: 'Campaign 9000001',
    currency: 'USD', spend_micros: 10_000_000, spend_minor: 1000, impressions: 0, clicks: 0,
  });
  expect(rows.filter((r) => r.currency === 'EUR').map((r) => r.spend_minor)).toEqual([123, 123, 123, 123, 456]);
  expect(await rejectedRows(companyId)).toEqual([
    { source: 'google_ads', stream: 'ad_spend', external_id: `1234567890:2~3:${daysAgo(3)}`, reason: expect.stringMatching(/metrics\.costMicros/) as string },
  ]);

  // Google revises yesterday (late spend); the next run re-reads the lookback window only.
  const yesterday = google.rows.find((r) => r.segments.date === daysAgo(1));
  if (yesterday) yesterday.metrics.costMicros = '5000000';
  const beforeSecond = google.searches().length;
  const second = await runImport(companyId, 'google_ads');
  expect(second.streams[0]).toMatchObject({ done: true, rowsRejected: 1 });
  const reread = google.searches().slice(beforeSecond).map((s) => s.start);
  expect(Math.min(...reread.map((d) => Date.parse(d)))).toBe(Date.parse(daysAgo(3)));
  const after = await storedSpend(companyId);
  expect(after).toHaveLength(6);
  expect(after.find((r) => r.day === daysAgo(1))?.spend_minor).toBe(500);
  // The same malformed row read again is recorded once.
  expect(await rejectedRows(companyId)).toHaveLength(1);
}, 120_000);

test('Meta: insights read across several cursor pages, a throttled call (HTTP 400 code 17) retried, currency kept', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'meta', { accessToken: meta.accessToken, adAccountIds: 'act_101', apiBaseUrl: meta.url });
  // 620 ads on one day: two pages of 500 and 120.
  for (let i = 0; i < 620; i += 1) meta.rows.push(metaRow({ accountId: '101', day: daysAgo(4), adId: `238500000001${String(i).padStart(5, '0')}`, spend: '0.75', currency: 'USD' }));
  meta.addRawRow('101', daysAgo(4), { ...metaRow({ accountId: '101', day: daysAgo(4), adId: '999', spend: '0.75' }), date_stop: daysAgo(3) });
  meta.throttleNext();

  const result = await runImport(companyId, 'meta');
  expect(result.streams[0]).toMatchObject({ source: 'meta', done: true, rowsRead: 621, rowsStored: 620, rowsRejected: 1 });
  // The window holding the 621 rows was read in two pages, the second through the first's after cursor.
  const covers = (range: string | undefined, day: string): boolean => {
    const { since, until } = JSON.parse(range ?? '{}') as { since?: string; until?: string };
    return since !== undefined && until !== undefined && since <= day && day <= until;
  };
  const windowOfRows = meta.requests.filter((r) => covers(r.query.time_range, daysAgo(4)) && r.query.after !== undefined);
  expect(windowOfRows).toHaveLength(1);
  const rows = await storedSpend(companyId);
  expect(rows).toHaveLength(620);
  expect(new Set(rows.map((r) => `${r.currency} ${r.spend_minor} ${r.spend_micros}`))).toEqual(new Set(['USD 75 750000']));
  expect(await rejectedRows(companyId)).toEqual([{ source: 'meta', stream: 'ad_spend', external_id: `101:999:${daysAgo(4)}`, reason: expect.stringMatching(/time_increment=1/) as string }]);

  const again = await runImport(companyId, 'meta');
  expect(again.streams[0]).toMatchObject({ done: true });
  expect(await storedSpend(companyId)).toHaveLength(620);
}, 120_000);

test('TikTok: a code-40100 rate limit waited out, GBP kept, and ad_spend_reporting converts into the reporting currency with fx_rates, flagging rows without a rate', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId; // reporting currency EUR
  await connectVendor(db, companyId, 'tiktok', { accessToken: tiktok.accessToken, advertiserIds: '7001', apiBaseUrl: tiktok.url });
  tiktok.rows.push(
    tiktokRow({ advertiserId: '7001', day: daysAgo(2), adId: '1800000000000001', spend: '10.00', currency: 'GBP' }),
    tiktokRow({ advertiserId: '7001', day: daysAgo(20), adId: '1800000000000002', spend: '3.33', currency: 'GBP' }),
  );
  tiktok.rateLimitNext();
  const result = await runImport(companyId, 'tiktok');
  expect(result.streams[0]).toMatchObject({ source: 'tiktok', done: true, rowsStored: 2, rowsRejected: 0 });
  expect((await storedSpend(companyId)).map((r) => `${r.day} ${r.currency} ${r.spend_minor}`)).toEqual([`${daysAgo(20)} GBP 333`, `${daysAgo(2)} GBP 1000`]);

  // A rate (EUR base, as the ECB publishes) for the recent day only: 1 EUR = 0.8 GBP → 10.00 GBP = 12.50 EUR.
  await loadFxRates(db.ownerPool, [{ day: daysAgo(3), baseCurrency: 'EUR', quoteCurrency: 'GBP', rate: '0.8', source: 'test' }]);
  const converted = await db.ownerPool.any(sql.type(z.object({ day: z.string(), spend_reporting_minor: z.coerce.number().nullable(), reporting_currency: z.string(), fx_rate_missing: z.boolean(), fx_method: z.string().nullable(), fx_rate_day: z.string().nullable() }))`
    SELECT day::text AS day, spend_reporting_minor, reporting_currency, fx_rate_missing, fx_method, fx_rate_day::text AS fx_rate_day
    FROM ad_spend_reporting WHERE company_id = ${companyId} ORDER BY day`);
  expect(converted).toEqual([
    { day: daysAgo(20), spend_reporting_minor: null, reporting_currency: 'EUR', fx_rate_missing: true, fx_method: null, fx_rate_day: null },
    { day: daysAgo(2), spend_reporting_minor: 1250, reporting_currency: 'EUR', fx_rate_missing: false, fx_method: 'inverse', fx_rate_day: daysAgo(3) },
  ]);
  // The app role reads the view under RLS like the table.
  const seen = await withTenant(db.appPool, companyId, (tx) => tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM ad_spend_reporting`));
  expect(seen).toBe(2);
}, 120_000);
