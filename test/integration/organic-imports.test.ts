// Organic imports end to end: the real import workflow (importSourceWorkflow → importStreamWorkflow → the
// import-page activities) on the real Temporal dev server reads local fakes of Search Console, the Graph
// API insights (Facebook Page, Instagram account) and X API v2 into search_console_daily and
// social_page_daily. Rows are stored once however often a day is re-read, the lookback applies late
// corrections, malformed rows land in rejected_rows with their reason, rate limits are waited out and
// pages (startRow, pagination_token) are followed.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { addDays, utcDay } from '../../lib/ads/days';
import { withTenant } from '../../lib/db/tenant';
import { getIntegrationStatus } from '../../lib/integrations/status';
import { connectVendor, runImportOnce } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startFakeGsc, type FakeGsc } from '../support/fakes/gsc';
import { startFakeMetaPages, type FakeMetaPages } from '../support/fakes/meta-pages';
import { startFakeX, xPost, type FakeX } from '../support/fakes/x';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';

const gscSecrets = { clientId: 'gsc-client', clientSecret: 'gsc-secret', refreshToken: 'gsc-refresh' };
const SITE = 'https://shop.example/';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let gsc: FakeGsc;
let metaPages: FakeMetaPages;
let x: FakeX;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  gsc = await startFakeGsc(gscSecrets);
  metaPages = await startFakeMetaPages();
  x = await startFakeX();
});
afterAll(async () => {
  await gsc?.close();
  await metaPages?.close();
  await x?.close();
  await env?.teardown();
  await db?.drop();
});

const today = utcDay(new Date());
const daysAgo = (n: number): string => addDays(today, -n);

const runImport = (companyId: string, source: string) => runImportOnce(db, env, { companyId, source });

const rejectedRows = (companyId: string) =>
  db.ownerPool.any(sql.type(z.object({ source: z.string(), stream: z.string(), external_id: z.string().nullable(), reason: z.string() }))`
    SELECT source, stream, external_id, reason FROM rejected_rows WHERE company_id = ${companyId} ORDER BY rejected_id`);

const searchRow = z.object({ day: z.string(), grain: z.string(), query: z.string().nullable(), page: z.string().nullable(), search_appearance: z.string().nullable(), clicks: z.coerce.number(), impressions: z.coerce.number(), ctr: z.number(), position: z.number(), fresh: z.boolean() });
const storedSearch = (companyId: string) =>
  db.ownerPool.any(sql.type(searchRow)`
    SELECT day::text AS day, grain, query, page, search_appearance, clicks, impressions, ctr, position, fresh
    FROM search_console_daily WHERE company_id = ${companyId} ORDER BY day, grain, query, page, search_appearance`);

const socialRow = z.object({ platform: z.string(), account_id: z.string(), day: z.string(), reach: z.coerce.number().nullable(), impressions: z.coerce.number().nullable(), engagements: z.coerce.number().nullable(), followers: z.coerce.number().nullable(), follower_delta: z.coerce.number().nullable(), posts: z.coerce.number().nullable() });
const storedSocial = (companyId: string) =>
  db.ownerPool.any(sql.type(socialRow)`
    SELECT platform, account_id, day::text AS day, reach, impressions, engagements, followers, follower_delta, posts
    FROM social_page_daily WHERE company_id = ${companyId} ORDER BY platform, account_id, day`);

test('Search Console: query × page rows read page by page (startRow), search appearance apart, a 429 waited out, a malformed row rejected, and a re-import stores each row once with the lookback correction applied', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'gsc', { ...gscSecrets, siteUrls: SITE, rowLimit: 2, apiBaseUrl: gsc.url, tokenUrl: gsc.tokenUrl });
  const longQuery = `how to ${'choose a very long running shoe '.repeat(120)}`.trim(); // ~3,600 characters
  gsc.rows.push(
    { siteUrl: SITE, date: daysAgo(6), query: 'running shoes', page: 'https://shop.example/shoes', clicks: 10, impressions: 200, position: 3.5 },
    { siteUrl: SITE, date: daysAgo(6), query: 'running shoes', page: 'https://shop.example/', clicks: 2, impressions: 100, position: 7.25 },
    { siteUrl: SITE, date: daysAgo(6), query: longQuery, page: 'https://shop.example/guide', clicks: 1, impressions: 4, position: 1 },
    { siteUrl: SITE, date: daysAgo(2), query: 'trail shoes', page: 'https://shop.example/trail', clicks: 5, impressions: 50, position: 4 },
    { siteUrl: SITE, date: daysAgo(1), query: 'shoe sale', page: 'https://shop.example/sale', clicks: 1, impressions: 10, position: 2 },
  );
  gsc.appearances.push(
    { siteUrl: SITE, date: daysAgo(6), searchAppearance: 'AI_OVERVIEW', clicks: 3, impressions: 90, position: 1.2 },
    { siteUrl: SITE, date: daysAgo(6), searchAppearance: 'RICHCARD', clicks: 1, impressions: 20, position: 5 },
  );
  gsc.addRawRow(SITE, daysAgo(3), { keys: [daysAgo(3), 'broken', 'https://shop.example/x'], clicks: 'many', impressions: 3, ctr: 0.1, position: 2 });
  gsc.firstIncompleteDate = daysAgo(1);
  gsc.failNext(429, { retryAfterSeconds: 1 });

  const first = await runImport(companyId, 'gsc');
  expect(first.streams).toEqual([expect.objectContaining({ source: 'gsc', stream: 'search_analytics', done: true, rowsRead: 8, rowsStored: 7, rowsRejected: 1 })]);
  const queries = gsc.queries();
  // Day 6 ago: [date, query, page] pages at startRow 0 and 2 (rowLimit 2, three rows), then searchAppearance on its own.
  expect(queries.filter((q) => q.startDate === daysAgo(6) && q.dimensions.includes('query')).map((q) => q.startRow)).toEqual([0, 2]);
  // 30 days × 2 queries, one more page of each on day 6 ago (the appearance page came back full: 2 of 2), and the first request again after its 429.
  expect(queries).toHaveLength(30 * 2 + 2 + 1);
  expect(queries.filter((q) => q.startDate === daysAgo(6) && q.dimensions.includes('searchAppearance'))).toEqual([
    expect.objectContaining({ dimensions: ['date', 'searchAppearance'], startRow: 0 }),
    expect.objectContaining({ dimensions: ['date', 'searchAppearance'], startRow: 2 }),
  ]);
  expect(new Set(queries.map((q) => `${q.type} ${q.dataState} ${q.rowLimit}`))).toEqual(new Set(['web all 2']));
  expect(gsc.requests.filter((r) => r.path.includes('searchAnalytics')).every((r) => /^Bearer ya29\./.test(r.headers.authorization ?? ''))).toBe(true);

  const rows = await storedSearch(companyId);
  expect(rows).toHaveLength(7);
  expect(rows.find((r) => r.search_appearance === 'AI_OVERVIEW')).toEqual({ day: daysAgo(6), grain: 'search_appearance', query: null, page: null, search_appearance: 'AI_OVERVIEW', clicks: 3, impressions: 90, ctr: 3 / 90, position: 1.2, fresh: false });
  expect(rows.find((r) => r.query === longQuery)).toMatchObject({ clicks: 1, page: 'https://shop.example/guide' });
  expect(rows.find((r) => r.day === daysAgo(1))).toMatchObject({ query: 'shoe sale', fresh: true });
  expect(await rejectedRows(companyId)).toEqual([
    { source: 'gsc', stream: 'search_analytics', external_id: `${SITE}:${daysAgo(3)}|broken|https://shop.example/x`, reason: expect.stringMatching(/clicks: expected a number/) as string },
  ]);

  // Google finishes day 2 ago (more clicks) and day 1 becomes final: the next run re-reads the last 4 days only.
  const late = gsc.rows.find((r) => r.date === daysAgo(2));
  if (late) late.clicks = 8;
  gsc.firstIncompleteDate = null;
  const before = gsc.queries().length;
  const second = await runImport(companyId, 'gsc');
  expect(second.streams[0]).toMatchObject({ done: true, rowsRejected: 1 });
  const reread = gsc.queries().slice(before);
  expect(reread.map((q) => q.startDate).sort()[0]).toBe(daysAgo(4));
  const after = await storedSearch(companyId);
  expect(after).toHaveLength(7);
  expect(after.find((r) => r.day === daysAgo(2))).toMatchObject({ clicks: 8, ctr: 8 / 50 });
  expect(after.find((r) => r.day === daysAgo(1))?.fresh).toBe(false);
  expect(await rejectedRows(companyId)).toHaveLength(1);

  const status = (await getIntegrationStatus(db.appPool, companyId)).find((s) => s.integration === 'gsc');
  expect(status).toMatchObject({ configured: true, kind: 'organic', metrics_missing: [] });
  expect(status?.metrics_unlocked).toEqual(expect.arrayContaining(['organic_search_clicks', 'search_appearance']));
}, 180_000);

test('Meta pages: Facebook Page and Instagram account days (reach, engagement, follower change), a throttled call (HTTP 400 code 4) retried, a malformed metric rejected, re-import idempotent', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'meta_pages', { accessToken: metaPages.accessToken, facebookPageIds: '1111', instagramAccountIds: '2222', apiBaseUrl: metaPages.url });
  metaPages.set('1111', daysAgo(2), { page_impressions_unique: 800, page_impressions: 1500, page_post_engagements: 120, page_follows: 5040, page_daily_follows_unique: 50, page_daily_unfollows_unique: 10 });
  metaPages.set('1111', daysAgo(1), { page_impressions_unique: 'n/a', page_impressions: 10 });
  metaPages.set('2222', daysAgo(2), { reach: 300, views: 900, total_interactions: 45, follower_count: 12 });
  metaPages.throttleNext();

  const result = await runImport(companyId, 'meta_pages');
  // Facebook answers only days with values (2); Instagram's total_value answers every day (30, zero when quiet).
  expect(result.streams[0]).toMatchObject({ source: 'meta_pages', stream: 'page_insights', done: true, rowsRead: 32, rowsStored: 31, rowsRejected: 1 });
  const stored = await storedSocial(companyId);
  expect(stored.filter((r) => r.platform === 'instagram' && r.day !== daysAgo(2)).every((r) => r.reach === 0 && r.engagements === 0 && r.follower_delta === null)).toBe(true);
  expect(stored.filter((r) => r.platform === 'facebook' || r.day === daysAgo(2))).toEqual([
    { platform: 'facebook', account_id: '1111', day: daysAgo(2), reach: 800, impressions: 1500, engagements: 120, followers: 5040, follower_delta: 40, posts: null },
    { platform: 'instagram', account_id: '2222', day: daysAgo(2), reach: 300, impressions: 900, engagements: 45, followers: null, follower_delta: 12, posts: null },
  ]);
  const ig = metaPages.requests.filter((r) => r.path.endsWith('/2222/insights') && r.query.since === daysAgo(2));
  expect(ig.map((r) => r.query.metric_type ?? null)).toEqual(['total_value', null]);
  expect(metaPages.requests.every((r) => r.query.access_token === undefined)).toBe(true);
  expect(await rejectedRows(companyId)).toEqual([{ source: 'meta_pages', stream: 'page_insights', external_id: `facebook:1111:${daysAgo(1)}`, reason: expect.stringMatching(/page_impressions_unique: expected a whole non-negative number/) as string }]);

  metaPages.set('1111', daysAgo(2), { page_post_engagements: 130 }); // Meta revises yesterday's engagement
  await runImport(companyId, 'meta_pages');
  const again = await storedSocial(companyId);
  expect(again).toHaveLength(31);
  expect(again[0]).toMatchObject({ platform: 'facebook', day: daysAgo(2), engagements: 130, reach: 800 });
  expect(await rejectedRows(companyId)).toHaveLength(1);
}, 180_000);

test('X: a day of posts read across pagination_token pages and summed, a 429 waited out until x-rate-limit-reset, a post without metrics rejects its day, followers on today', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'x', { bearerToken: x.bearerToken, userIds: '3333', apiBaseUrl: x.url });
  for (let i = 0; i < 130; i += 1) x.addPost('3333', xPost({ id: String(1_800_000_000_000_000_000n + BigInt(i)), createdAt: `${daysAgo(1)}T${String(i % 24).padStart(2, '0')}:15:00.000Z`, impressions: 100, likes: 2, replies: 1 }));
  x.addPost('3333', xPost({ id: '1700000000000000001', createdAt: `${daysAgo(3)}T09:00:00.000Z`, impressions: 40, reposts: 2, quotes: 1, bookmarks: 1 }));
  x.addPost('3333', { ...xPost({ id: '1700000000000000002', createdAt: `${daysAgo(4)}T09:00:00.000Z`, impressions: 1 }), public_metrics: { like_count: 1 } });
  x.followers.set('3333', 5000);
  x.rateLimitNext(1);

  const result = await runImport(companyId, 'x');
  expect(result.streams[0]).toMatchObject({ source: 'x', stream: 'account_days', done: true, rowsRead: 4, rowsStored: 3, rowsRejected: 1 });
  expect(await storedSocial(companyId)).toEqual([
    { platform: 'x', account_id: '3333', day: daysAgo(3), reach: null, impressions: 40, engagements: 4, followers: null, follower_delta: null, posts: 1 },
    { platform: 'x', account_id: '3333', day: daysAgo(1), reach: null, impressions: 13_000, engagements: 390, followers: null, follower_delta: null, posts: 130 },
    { platform: 'x', account_id: '3333', day: today, reach: null, impressions: 0, engagements: 0, followers: 5000, follower_delta: null, posts: 0 },
  ]);
  const pages = x.requests.filter((r) => r.path === '/2/users/3333/tweets' && r.query.start_time === `${daysAgo(1)}T00:00:00Z`);
  expect(pages.map((r) => r.query.pagination_token === undefined)).toEqual([true, false]);
  expect(await rejectedRows(companyId)).toEqual([{ source: 'x', stream: 'account_days', external_id: `x:3333:${daysAgo(4)}`, reason: expect.stringMatching(/post 1700000000000000002: .*impression_count/) as string }]);

  await runImport(companyId, 'x');
  expect(await storedSocial(companyId)).toHaveLength(3);
  // RLS: the app role sees the company's rows, and only under its own tenant.
  const seen = await withTenant(db.appPool, companyId, (tx) => tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM social_page_daily`));
  expect(seen).toBe(3);
}, 180_000);
