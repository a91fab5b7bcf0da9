// Attribution end to end against real Postgres and the real Temporal dev server: the hand-worked fixture
// (test/support/attribution-fixture.ts) through the backfill workflow, compared exactly; every model's
// credits summing to the revenue; idempotent re-runs; a second start while running; search attributes;
// late sessions, identity merges and refunds; and the starts from a webhook and a storefront purchase.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { createActivities } from '../../activities';
import { createLogger } from '../../lib/logger';
import { attributeOrderWorkflowId } from '../../lib/workflow-ids';
import { startAttributeOrdersWorkflow, startAttributeOrderWorkflow } from '../../workers/start-attribution';
import { CompanyIdKey, OrderIdKey } from '../../workflows/search-attributes';
import { CASES, emailHash, PRESETS, PURCHASE, sessionStart, type FixtureCase } from '../support/attribution-fixture';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal, testWorkflowBundle } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `test-attribution-${randomUUID()}`;
const companies: Record<'main' | 'strict', string> = { main: '', strict: '' };

const companyOf = (c: FixtureCase): string => companies[c.company ?? 'main'];
const local = (c: FixtureCase, id: string): string => `${c.name}-${id}`;

async function insertCase(c: FixtureCase): Promise<void> {
  const companyId = companyOf(c);
  for (const [session, visitor, at, preset] of c.sessions) {
    const p = PRESETS[preset];
    const startedAt = sessionStart(c, at);
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, referrer_host)
      VALUES (${companyId}, ${local(c, session)}, ${local(c, visitor)}, ${startedAt}, ${startedAt}, ${p.channel}, 'fixture', ${p.utm_source}, ${p.utm_medium}, ${p.utm_campaign}, ${p.referrer_host})`);
  }
  for (const [visitor, user, email] of c.links ?? []) {
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO identity_links (company_id, visitor_id, user_id, email_hash, first_seen_at, last_seen_at)
      VALUES (${companyId}, ${local(c, visitor)}, ${user === '' ? '' : local(c, user)}, ${email === '' ? '' : emailHash(email)}, now(), now())`);
  }
  await insertOrder(companyId, 'woocommerce', c.name, {
    createdAt: c.purchasedAt ?? PURCHASE,
    totalMinor: c.totalMinor ?? 10_000,
    refundedMinor: c.refundedMinor ?? 0,
    visitorId: c.order.visitor ? local(c, c.order.visitor) : null,
    userId: c.order.user ? local(c, c.order.user) : null,
    emailHash: c.order.email ? emailHash(c.order.email) : null,
  });
}

type OrderFields = { createdAt: string; totalMinor: number; refundedMinor?: number; visitorId: string | null; userId?: string | null; emailHash?: string | null; provisional?: boolean; mergedInto?: string | null };

async function insertOrder(companyId: string, source: string, externalId: string, o: OrderFields): Promise<void> {
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, refunded_minor, created_at,
      visitor_id, user_id, email_hash, provisional, merged_into_source, merged_into_external_id)
    VALUES (${companyId}, ${source}, ${externalId}, ${externalId.toLowerCase()}, ${externalId.toLowerCase()}, 'paid', 'processing', 'EUR', ${o.totalMinor},
      ${o.refundedMinor ?? 0}, ${o.createdAt}, ${o.visitorId}, ${o.userId ?? null}, ${o.emailHash ?? null}, ${o.provisional ?? false},
      ${o.mergedInto ? 'woocommerce' : null}, ${o.mergedInto ?? null})`);
}

const attributionRow = z.object({
  external_id: z.string(),
  first_touch_session_id: z.string().nullable(),
  first_touch_channel: z.string().nullable(),
  first_touch_source: z.string().nullable(),
  first_touch_medium: z.string().nullable(),
  first_touch_campaign: z.string().nullable(),
  first_touch_reason: z.string(),
  last_touch_session_id: z.string().nullable(),
  last_touch_channel: z.string().nullable(),
  last_touch_source: z.string().nullable(),
  last_touch_medium: z.string().nullable(),
  last_touch_campaign: z.string().nullable(),
  last_touch_reason: z.string(),
  touch_count: z.number(),
  rule_version: z.string(),
  last_touch_rule: z.string(),
  computed_at: z.number(),
  path: z.array(z.string()),
});

async function attributionOf(companyId: string) {
  return db.ownerPool.any(sql.type(attributionRow)`
    SELECT a.external_id, first_touch_session_id, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
      last_touch_session_id, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, touch_count,
      rule_version, last_touch_rule, a.computed_at,
      coalesce((SELECT array_agg(t.session_id || ' ' || t.role || ' ' || t.reason || ' ' || t.matched_by ORDER BY t.position)
                FROM attribution_touches t WHERE t.company_id = a.company_id AND t.source = a.source AND t.external_id = a.external_id), '{}') AS path
    FROM order_attribution a WHERE a.company_id = ${companyId} ORDER BY a.source, a.external_id`);
}

function expectedRow(c: FixtureCase) {
  const side = (prefix: 'first' | 'last', [session, reason]: [string | null, string]) => {
    const preset = session === null ? null : c.sessions.find((s) => s[0] === session)?.[3];
    const p = preset ? PRESETS[preset] : null;
    return {
      [`${prefix}_touch_session_id`]: session === null ? null : local(c, session),
      [`${prefix}_touch_channel`]: p?.channel ?? null,
      [`${prefix}_touch_source`]: p?.expect[0] ?? null,
      [`${prefix}_touch_medium`]: p?.expect[1] ?? null,
      [`${prefix}_touch_campaign`]: p?.expect[2] ?? null,
      [`${prefix}_touch_reason`]: reason,
    };
  };
  return {
    external_id: c.name,
    ...side('first', c.expect.first),
    ...side('last', c.expect.last),
    touch_count: c.expect.path.length,
    rule_version: 'attribution-v1',
    last_touch_rule: c.company === 'strict' ? 'last_touch' : 'last_non_direct',
    path: c.expect.path.map((line) => `${c.name}-${line}`),
  };
}

async function backfill(companyId: string, from: string | null = null, to: string | null = null, options: { batchSize?: number; lanes?: number; pendingOnly?: boolean } = {}) {
  const handle = await startAttributeOrdersWorkflow(env.client, { companyId, from, to, ...options }, taskQueue);
  return handle.result();
}

const strip = (rows: readonly z.infer<typeof attributionRow>[]) => rows.map(({ computed_at: _computedAt, ...rest }) => rest);

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  worker = await createTestWorker(db, env, taskQueue);
  running = worker.run();
  companies.main = (await createTestCompany(db.ownerPool, 'Attribution Shop')).companyId;
  companies.strict = (await createTestCompany(db.ownerPool, 'Strict Shop')).companyId;
  await db.ownerPool.query(sql.unsafe`
    UPDATE companies SET time_zone = 'Pacific/Auckland', settings = settings || '{"attribution_last_touch": "last_touch"}'::jsonb
    WHERE company_id = ${companies.strict}`);
  for (const c of CASES) await insertCase(c);
  // a24's provisional storefront order, taken over by the platform's record: it must not be attributed
  await insertOrder(companies.main, 'storefront', 'A24', { createdAt: PURCHASE, totalMinor: 9999, visitorId: 'a24-v1', provisional: true, mergedInto: 'a24' });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

test('the fixture has at least 30 hand-worked orders', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(30);
});

test('the backfill of the fixture stores exactly the hand-worked first/last touches and paths', async () => {
  // small batches and two lanes, so the keyset cursor and the lanes are exercised too
  const main = await backfill(companies.main, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', { batchSize: 4, lanes: 2 });
  const strict = await backfill(companies.strict);
  const mainCases = CASES.filter((c) => (c.company ?? 'main') === 'main');
  expect(main).toMatchObject({ done: true, ordersRead: mainCases.length, ordersWritten: mainCases.length, lanes: 2 });
  expect(strict).toMatchObject({ done: true, ordersRead: 2, ordersWritten: 2 });
  expect(main.touchesWritten).toBe(mainCases.reduce((n, c) => n + c.expect.path.length, 0));

  for (const key of ['main', 'strict'] as const) {
    const expected = CASES.filter((c) => (c.company ?? 'main') === key).map(expectedRow).sort((a, b) => a.external_id.localeCompare(b.external_id));
    expect(strip(await attributionOf(companies[key]))).toEqual(expected);
  }
});

const creditSums = z.object({ external_id: z.string(), revenue_minor: z.coerce.number(), touch_count: z.number(), first: z.coerce.number(), last: z.coerce.number(), linear: z.coerce.number(), position: z.coerce.number(), decay: z.coerce.number(), has_last: z.boolean() });

test('for every order, each model credits exactly the order revenue over its touches', async () => {
  const rows = await db.ownerPool.any(sql.type(creditSums)`
    SELECT a.external_id, a.revenue_minor, a.touch_count, a.last_touch_session_id IS NOT NULL AS has_last,
      coalesce(sum(t.credit_first_touch_minor), 0) AS first, coalesce(sum(t.credit_last_touch_minor), 0) AS last,
      coalesce(sum(t.credit_linear_minor), 0) AS linear, coalesce(sum(t.credit_position_based_minor), 0) AS position,
      coalesce(sum(t.credit_time_decay_minor), 0) AS decay
    FROM order_attribution a LEFT JOIN attribution_touches t USING (company_id, source, external_id)
    GROUP BY a.company_id, a.source, a.external_id, a.revenue_minor, a.touch_count, a.last_touch_session_id`);
  expect(rows.length).toBe(CASES.length);
  for (const r of rows) {
    const whole = r.touch_count > 0 ? r.revenue_minor : 0;
    expect({ order: r.external_id, first: r.first, linear: r.linear, position: r.position, decay: r.decay, last: r.last }).toEqual({
      order: r.external_id, first: whole, linear: whole, position: whole, decay: whole, last: r.has_last ? r.revenue_minor : 0,
    });
  }
  // hand-worked: 1000 over three touches
  const a25 = await db.ownerPool.any(sql.type(z.object({ l: z.coerce.number(), p: z.coerce.number(), f: z.coerce.number(), x: z.coerce.number() }))`
    SELECT credit_linear_minor AS l, credit_position_based_minor AS p, credit_first_touch_minor AS f, credit_last_touch_minor AS x
    FROM attribution_touches WHERE company_id = ${companies.main} AND external_id = 'a25' ORDER BY position`);
  expect(a25).toEqual([{ l: 334, p: 400, f: 1000, x: 0 }, { l: 333, p: 200, f: 0, x: 0 }, { l: 333, p: 400, f: 0, x: 1000 }]);
});

test('a provisional order taken over by the platform record is not attributed', async () => {
  const n = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM order_attribution WHERE company_id = ${companies.main} AND source = 'storefront'`);
  expect(n).toBe(0);
});

test('re-running (per order and as a backfill) gives the same rows, computed_at included', async () => {
  const before = await attributionOf(companies.main);
  const runs = await Promise.all(
    CASES.filter((c) => (c.company ?? 'main') === 'main').slice(0, 8).map(async (c) => (await startAttributeOrderWorkflow(env.client, { companyId: companies.main, source: 'woocommerce', externalId: c.name }, taskQueue)).result()),
  );
  expect(runs.every((r) => r.ordersRead === 1 && r.ordersWritten === 0 && r.touchesWritten === 0)).toBe(true);
  expect(await backfill(companies.main, null, null, { batchSize: 1000 })).toMatchObject({ ordersRead: before.length, ordersWritten: 0, touchesWritten: 0 });
  // a bounded range started without lanes is cut into the default 4
  expect(await backfill(companies.main, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', { batchSize: 3 })).toMatchObject({ ordersRead: before.length, ordersWritten: 0, lanes: 4, lanesDone: 4 });
  expect(await attributionOf(companies.main)).toEqual(before);
});

test('a second start while an order is being attributed is a no-op; the run carries CompanyId and OrderId', async () => {
  const idleQueue = `test-attribution-idle-${randomUUID()}`; // no worker yet: the first run stays open
  const input = { companyId: companies.main, source: 'woocommerce', externalId: 'a01' };
  const first = await startAttributeOrderWorkflow(env.client, input, idleQueue);
  const second = await startAttributeOrderWorkflow(env.client, input, idleQueue);
  expect(first.workflowId).toBe(attributeOrderWorkflowId(companies.main, 'woocommerce', 'a01'));
  expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);

  const late = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue: idleQueue, workflowBundle: testWorkflowBundle(), activities: createActivities({ appPool: db.appPool, logger: createLogger('idle', 'silent') }) });
  const result = await late.runUntil(first.result());
  expect(result).toMatchObject({ ordersRead: 1, ordersWritten: 0 });
  const description = await env.client.workflow.getHandle(first.workflowId).describe();
  expect(description.runId).toBe(first.firstExecutionRunId);
  expect(description.typedSearchAttributes.get(CompanyIdKey)).toBe(companies.main);
  expect(description.typedSearchAttributes.get(OrderIdKey)).toBe('woocommerce:a01');
});

test('a late-arriving session and a later identity merge change the attribution when it is re-run', async () => {
  const companyId = companies.main;
  await insertOrder(companyId, 'woocommerce', 'late-1', { createdAt: PURCHASE, totalMinor: 3000, visitorId: 'late-v1', userId: 'late-u' });
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule)
    VALUES (${companyId}, 'late-s1', 'late-v1', ${new Date(Date.parse(PURCHASE) - 5 * 3600e3).toISOString()}, now(), 'Direct', 'fixture')`);
  const run = async () => (await startAttributeOrderWorkflow(env.client, { companyId, source: 'woocommerce', externalId: 'late-1' }, taskQueue)).result();
  await run();
  const pathOf = async () => (await attributionOf(companyId)).find((r) => r.external_id === 'late-1')?.path;
  expect(await pathOf()).toEqual(['late-s1 first_last earliest_in_30d+latest_in_72h order_visitor']);

  // the session of an email click arrives late (started before the purchase, stored after the first run)
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium)
    VALUES (${companyId}, 'late-s0', 'late-v1', ${new Date(Date.parse(PURCHASE) - 9 * 3600e3).toISOString()}, now(), 'Email', 'fixture', 'newsletter', 'email')`);
  // and the customer turns out to have used a phone too (identified later)
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO identity_links (company_id, visitor_id, user_id, first_seen_at, last_seen_at) VALUES (${companyId}, 'late-phone', 'late-u', now(), now())`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium)
    VALUES (${companyId}, 'late-p1', 'late-phone', ${new Date(Date.parse(PURCHASE) - 20 * 24 * 3600e3).toISOString()}, now(), 'Paid Social', 'fixture', 'facebook', 'paid_social')`);
  expect(await run()).toMatchObject({ ordersWritten: 1, touchesWritten: 3 });
  expect(await pathOf()).toEqual([
    'late-p1 first earliest_in_30d user_id',
    'late-s0 last latest_non_direct_in_72h order_visitor',
    'late-s1 assist direct_passed_over order_visitor',
  ]);
});

test('a refund leaves the attribution unchanged and shows in net revenue beside it', async () => {
  const companyId = companies.main;
  const before = (await attributionOf(companyId)).find((r) => r.external_id === 'a02');
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET refunded_minor = 2500 WHERE company_id = ${companyId} AND source = 'woocommerce' AND external_id = 'a02'`);
  await (await startAttributeOrderWorkflow(env.client, { companyId, source: 'woocommerce', externalId: 'a02' }, taskQueue)).result();
  expect((await attributionOf(companyId)).find((r) => r.external_id === 'a02')).toEqual(before);
  const net = await db.ownerPool.any(sql.type(z.object({ external_id: z.string(), revenue_minor: z.coerce.number(), refunded_minor: z.coerce.number(), net_revenue_minor: z.coerce.number() }))`
    SELECT external_id, revenue_minor, refunded_minor, net_revenue_minor FROM fct_order_attribution
    WHERE company_id = ${companyId} AND external_id IN ('a02', 'a23') ORDER BY external_id`);
  expect(net).toEqual([
    { external_id: 'a02', revenue_minor: 10_000, refunded_minor: 2500, net_revenue_minor: 7500 },
    { external_id: 'a23', revenue_minor: 5000, refunded_minor: 2000, net_revenue_minor: 3000 },
  ]);
});

test('the pending sweep attributes only orders never attributed or changed since', async () => {
  const companyId = companies.main;
  await insertOrder(companyId, 'woocommerce', 'pending-1', { createdAt: PURCHASE, totalMinor: 100, visitorId: 'a01-v1' });
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET total_minor = 20000, updated_at = now() + interval '1 second' WHERE company_id = ${companyId} AND external_id = 'a04'`);
  const result = await backfill(companyId, null, null, { pendingOnly: true });
  expect(result).toMatchObject({ done: true, pendingOnly: true, ordersRead: 2, ordersWritten: 2 });
  const rows = await db.ownerPool.any(sql.type(z.object({ external_id: z.string(), revenue_minor: z.coerce.number() }))`
    SELECT external_id, revenue_minor FROM order_attribution WHERE company_id = ${companyId} AND external_id IN ('a04', 'pending-1') ORDER BY external_id`);
  expect(rows).toEqual([{ external_id: 'a04', revenue_minor: 20000 }, { external_id: 'pending-1', revenue_minor: 100 }]);
  expect(await backfill(companyId, null, null, { pendingOnly: true })).toMatchObject({ ordersRead: 0, ordersWritten: 0 });
});

// The path is written as Postgres array literals (activities/attribution/attribute-orders.ts): values with
// quotes, backslashes, braces, commas, control characters, the word NULL, empty strings and non-ASCII must
// come back from the attribution_touches view exactly, and started_at to the microsecond.
test('awkward session values and microsecond start times come back from attribution_touches exactly', async () => {
  const companyId = companies.main;
  const visitor = 'awk "v" \\ {1}';
  const awkward = ['say "hi"', 'back\\slash', '{braces},[brackets]', 'tab\there\nnewline', 'NULL', ' padded ', 'Grüße ✓', '\u0001ctl'];
  await insertOrder(companyId, 'woocommerce', 'awkward-1', { createdAt: PURCHASE, totalMinor: 1000, visitorId: visitor });
  for (const [k, value] of awkward.entries()) {
    // k + 1 days before the purchase, plus a few microseconds
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign)
      SELECT ${companyId}, ${`awk-${k} ${value}`}, ${visitor}, t, t, ${value}, 'fixture', ${value}, 'email', ${k % 2 === 0 ? value : null}
      FROM (SELECT ${PURCHASE}::timestamptz - ${k + 1} * interval '1 day' + ${123_457 + k} * interval '1 microsecond' AS t) AS s`);
  }
  await (await startAttributeOrderWorkflow(env.client, { companyId, source: 'woocommerce', externalId: 'awkward-1' }, taskQueue)).result();
  const row = z.object({ session_id: z.string(), visitor_id: z.string().nullable(), channel: z.string(), touch_source: z.string(), campaign: z.string().nullable(), started_exact: z.boolean() });
  const stored = await db.ownerPool.any(sql.type(row)`
    SELECT t.session_id, t.visitor_id, t.channel, t.touch_source, t.campaign, t.started_at = s.started_at AS started_exact
    FROM attribution_touches t JOIN sessions s USING (company_id, session_id)
    WHERE t.company_id = ${companyId} AND t.external_id = 'awkward-1' ORDER BY t.position`);
  // path order: earliest first, i.e. the last of the list first
  const expected = [...awkward.entries()].reverse().map(([k, value]) => ({
    session_id: `awk-${k} ${value}`, visitor_id: visitor, channel: value, touch_source: value.trim().toLowerCase(), campaign: k % 2 === 0 ? value : null, started_exact: true,
  }));
  expect(stored).toEqual(expected);
});
