// Daily rollups against real Postgres and the real Temporal dev server: the hand-worked fixture
// (test/support/rollup-fixture.ts, expected values in test/fixtures/rollups-expected*.csv) compared
// exactly, DST days of 23 and 25 hours, a second run leaving identical rows, a late event changing only
// its own day, the dailyRollup and rollupBackfill workflows, and idempotent schedule registration.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { rollupCompanyDaySql } from '../../activities/rollups';
import { createLogger } from '../../lib/logger';
import { recentLocalDays } from '../../lib/metrics/days';
import { TIME_TO_CONVERSION_BUCKETS, timeToConversionBucket } from '../../lib/metrics/time-to-conversion';
import { attributionSweepScheduleId, rollupScheduleId } from '../../lib/workflow-ids';
import { ensureRollupSchedule, ensureRollupSchedules } from '../../workers/schedules';
import { startDailyRollupWorkflow, startRollupBackfillWorkflow } from '../../workers/start-rollups';
import { DAY_ROLLUPS, type dailyRollupWorkflow } from '../../workflows/daily-rollup';
import { rollupBackfillProgressQuery } from '../../workflows/rollup-backfill';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { FIXTURE_DAYS, insertEvent, insertRollupFixture } from '../support/rollup-fixture';
import { connectTestTemporal } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let companyId: string;
let otherCompanyId: string;
const taskQueue = `test-rollups-${randomUUID()}`;

/** The rollup tables and the columns that key a row within a day (joined with | in the CSV). */
const TABLES: Record<string, string[]> = {
  agg_daily_traffic: [],
  agg_daily_funnel: ['step_index'],
  agg_daily_acquisition: ['channel', 'source', 'medium', 'campaign'],
  agg_daily_time_to_conversion: ['bucket'],
  agg_daily_revenue: ['currency'],
  agg_daily_cohort_revenue: ['first_order_day'],
  agg_daily_mrr: ['currency'],
};
/** Not compared cell by cell: the exact rate is checked through the converted amounts. */
const SKIPPED_COLUMNS = new Set(['company_id', 'day', 'fx_rate']);

type Cell = { table: string; day: string; key: string; column: string; value: string };
const cellKey = (c: Cell): string => `${c.table},${c.day},${c.key},${c.column}`;

function readCsv(file: string): Cell[] {
  const [, ...lines] = readFileSync(path.resolve(__dirname, '../fixtures', file), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [table, day, key, column, ...value] = line.split(',');
    return { table: table ?? '', day: day ?? '', key: key ?? '', column: column ?? '', value: value.join(',') };
  });
}

const jsonRow = z.object({ r: z.record(z.unknown()) });
const cellRow = z.object({ day: z.string(), key: z.string(), column: z.string(), value: z.string().nullable() });

/** Every row of every rollup table of a company, as stored (for identical-rows checks). */
async function snapshot(company: string): Promise<Record<string, Array<Record<string, unknown>>>> {
  const out: Record<string, Array<Record<string, unknown>>> = {};
  for (const table of Object.keys(TABLES)) {
    const rows = await db.ownerPool.any(sql.type(jsonRow)`
      SELECT to_jsonb(t) AS r FROM ${sql.identifier([table])} t WHERE company_id = ${company} ORDER BY to_jsonb(t)::text`);
    out[table] = rows.map((row) => row.r);
  }
  return out;
}

/** Non-zero, non-null, non-false cells of the rollup tables, in the CSV's shape. */
async function storedCells(company: string): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const [table, keys] of Object.entries(TABLES)) {
    const keyExpr = keys.length === 0 ? sql.fragment`''` : sql.fragment`concat_ws('|', ${sql.join(keys.map((k) => sql.fragment`t.${sql.identifier([k])}::text`), sql.fragment`, `)})`;
    const rows = await db.ownerPool.any(sql.type(cellRow)`
      SELECT t.day::text AS day, ${keyExpr} AS key, j.key AS column, j.value
      FROM ${sql.identifier([table])} t CROSS JOIN LATERAL jsonb_each_text(to_jsonb(t)) j
      WHERE t.company_id = ${company}`);
    for (const r of rows) {
      if (SKIPPED_COLUMNS.has(r.column) || keys.includes(r.column)) continue;
      if (r.value === null || r.value === '0' || r.value === 'false') continue;
      cells.push({ table, day: r.day, key: r.key, column: r.column, value: r.value });
    }
  }
  return cells;
}

const byKey = (cells: Cell[]): Record<string, string> =>
  Object.fromEntries(cells.map((c): [string, string] => [cellKey(c), c.value]).sort(([a], [b]) => a.localeCompare(b)));

async function rollupAll(company: string, days: string[] = FIXTURE_DAYS): Promise<void> {
  for (const day of days) await rollupCompanyDaySql(db.appPool, company, day, 'test');
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  worker = await createTestWorker(db, env, taskQueue);
  running = worker.run();
  companyId = (await createTestCompany(db.ownerPool, 'Rollup Shop')).companyId;
  otherCompanyId = (await createTestCompany(db.ownerPool, 'Other Shop')).companyId;
  await insertRollupFixture(db.ownerPool, companyId);
  // the same data for another company: its rows must never leak into the first one's rollups
  await insertRollupFixture(db.ownerPool, otherCompanyId);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

test('the local day bounds: 2025-03-30 has 23 hours and 2025-10-26 has 25 in Europe/Berlin', async () => {
  const hours = await db.ownerPool.any(sql.type(z.object({ day: z.string(), hours: z.number() }))`
    SELECT d::text AS day, extract(epoch FROM local_day_start(d + 1, 'Europe/Berlin') - local_day_start(d, 'Europe/Berlin'))::float8 / 3600 AS hours
    FROM unnest(${sql.array(['2025-03-29', '2025-03-30', '2025-10-26'], 'date')}) d ORDER BY d`);
  expect(hours).toEqual([{ day: '2025-03-29', hours: 24 }, { day: '2025-03-30', hours: 23 }, { day: '2025-10-26', hours: 25 }]);
});

test('the rollup of the fixture days stores exactly the hand-computed values of test/fixtures/rollups-expected.csv', async () => {
  await rollupAll(companyId);
  expect(byKey(await storedCells(companyId))).toEqual(byKey(readCsv('rollups-expected.csv')));
});

test('the metric views give the hand-computed CAC, ROAS, AOV, refund rate, funnel, cohort and MRR figures', async () => {
  const expected = readCsv('rollups-expected-metrics.csv');
  const none = sql.fragment`''`;
  const keyOf: Record<string, { day: string; key: ReturnType<typeof sql.fragment> }> = {
    v_metrics_daily: { day: 'day', key: none },
    v_channel_daily: { day: 'day', key: sql.fragment`channel` },
    v_funnel_daily: { day: 'day', key: sql.fragment`step_index::text` },
    v_time_to_conversion_daily: { day: 'day', key: sql.fragment`bucket::text` },
    v_cohorts_monthly: { day: 'cohort_month', key: none },
    v_ltv_daily: { day: 'first_order_day', key: none },
    v_mrr_daily: { day: 'day', key: none },
  };
  const actual: Cell[] = [];
  for (const c of expected) {
    const k = keyOf[c.table];
    if (!k) throw new Error(`unknown view ${c.table}`);
    const value = await db.ownerPool.maybeOneFirst(sql.type(z.object({ value: z.string().nullable() }))`
      SELECT to_jsonb(v) ->> ${c.column} AS value FROM ${sql.identifier([c.table])} v
      WHERE company_id = ${companyId} AND ${sql.identifier([k.day])}::text = ${c.day} AND (${k.key})::text = ${c.key}`);
    actual.push({ ...c, value: value ?? '(no row)' });
  }
  expect(byKey(actual)).toEqual(byKey(expected));
});

test('running the rollup twice leaves identical rows', async () => {
  const before = await snapshot(companyId);
  await rollupAll(companyId);
  expect(await snapshot(companyId)).toEqual(before);
});

test('a late event changes only its own day', async () => {
  await rollupAll(companyId);
  const before = await snapshot(companyId);
  // a page view of sA4 at 12:00 local on 2025-03-31, arriving after the rollup ran
  await insertEvent(db.ownerPool, companyId, 'page_view', '2025-03-31T10:00:00Z', 'sA4');
  await rollupAll(companyId);
  const after = await snapshot(companyId);
  for (const table of Object.keys(TABLES)) {
    const otherDays = (rows: Array<Record<string, unknown>> | undefined) => (rows ?? []).filter((r) => r.day !== '2025-03-31');
    expect({ table, rows: otherDays(after[table]) }).toEqual({ table, rows: otherDays(before[table]) });
  }
  const cells = byKey(await storedCells(companyId));
  expect(cells['agg_daily_traffic,2025-03-31,,page_views']).toBe('2');
  expect(cells['agg_daily_acquisition,2025-03-31,Paid Social|facebook|paid_social|Spring,page_views']).toBe('2');
  expect(cells['agg_daily_traffic,2025-03-30,,page_views']).toBe('6');
});

test('another company with the same data does not change the first company’s rollups, and the app role sees only its own rows', async () => {
  await rollupAll(otherCompanyId, ['2025-03-30']);
  const seen = await db.appPool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT set_config('app.company_id', ${companyId}, true)`);
    return tx.any(sql.type(z.object({ company_id: z.string() }))`SELECT DISTINCT company_id FROM v_metrics_daily`);
  });
  expect(seen).toEqual([{ company_id: companyId }]);
  const cells = byKey(await storedCells(companyId));
  expect(cells['agg_daily_traffic,2025-03-30,,sessions']).toBe('4');
});

test('the SQL time-to-conversion buckets agree with lib/metrics', async () => {
  const seconds = [0, 3599, 3600, 86_399, 86_400, 259_200, 604_799, 604_800, 1_209_600, 2_592_000];
  const rows = await db.ownerPool.any(sql.type(z.object({ s: z.number(), bucket: z.number(), label: z.string() }))`
    SELECT s::float8 AS s, time_to_conversion_bucket(s) AS bucket, time_to_conversion_label(time_to_conversion_bucket(s)) AS label
    FROM unnest(${sql.array(seconds, 'float8')}) s ORDER BY s`);
  expect(rows).toEqual(seconds.map((s) => ({ s, bucket: timeToConversionBucket(s), label: TIME_TO_CONVERSION_BUCKETS[timeToConversionBucket(s)]?.label })));
});

test('rollup_runs records each recompute with its workflow id and rows written', async () => {
  const runs = await db.ownerPool.any(sql.type(z.object({ day: z.string(), workflow_id: z.string().nullable(), rows_total: z.coerce.number(), rows_written: z.record(z.number()) }))`
    SELECT day::text AS day, workflow_id, rows_total, rows_written FROM rollup_runs WHERE company_id = ${companyId} AND day = '2025-03-30' ORDER BY run_id DESC LIMIT 1`);
  expect(runs).toEqual([{ day: '2025-03-30', workflow_id: 'test', rows_total: 22, rows_written: { agg_daily_acquisition: 7, agg_daily_traffic: 1, agg_daily_funnel: 4, agg_daily_time_to_conversion: 3, agg_daily_revenue: 3, agg_daily_cohort_revenue: 2, agg_daily_mrr: 2 } }]);
});

test('dailyRollup through Temporal recomputes the given days with CompanyId set, and by default the 3 local days before today', async () => {
  const before = await snapshot(companyId);
  const handle = await startDailyRollupWorkflow(env.client, { companyId, days: FIXTURE_DAYS }, taskQueue);
  const result = await handle.result();
  // every per-day rollup kind of DAY_ROLLUPS ran for every day ('core' first; other issues add theirs)
  expect(result.days.map((d) => [d.day, d.rollups.map((r) => r.rollup)])).toEqual(FIXTURE_DAYS.map((d) => [d, DAY_ROLLUPS.map((r) => r.name)]));
  expect(DAY_ROLLUPS[0]?.name).toBe('core');
  // 22 rows of rollup_company_day (as rollup_runs records them, above) + the day's attribution paths (0021):
  // o1 (23:15Z on 03-29 = 00:15 local on 03-30, EUR) and o2 (USD) are the day's attributed orders, one path row each
  const core = result.days[0]?.rollups.find((r) => r.rollup === 'core');
  expect(core?.rowsWritten.agg_daily_attribution_paths).toBe(2);
  expect(core?.rowsTotal).toBe(22 + 2);
  expect(result.alertEvaluationStarted).toBeNull();
  expect(await snapshot(companyId)).toEqual(before);
  const description = await handle.describe();
  expect(handle.workflowId).toBe(`rollup:${companyId}:2025-10-26`);
  expect(description.typedSearchAttributes.get(CompanyIdKey)).toBe(companyId);
  const audited = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM rollup_runs WHERE company_id = ${companyId} AND workflow_id = ${handle.workflowId}`);
  expect(audited).toBe(3);

  const recent = await env.client.workflow.execute<typeof dailyRollupWorkflow>('dailyRollupWorkflow', { taskQueue, workflowId: `rollup-test-default-${randomUUID()}`, args: [{ companyId }] });
  expect(recent.days.map((d) => d.day)).toEqual(recentLocalDays(new Date(), 'Europe/Berlin', 3));
});

test('rollupBackfill recomputes a range with progress, writing the same rows', async () => {
  const before = await snapshot(companyId);
  const handle = await startRollupBackfillWorkflow(env.client, { companyId, from: '2025-03-28', to: '2025-04-02', lanes: 2 }, taskQueue);
  const result = await handle.result();
  expect(result).toMatchObject({ companyId, from: '2025-03-28', to: '2025-04-02', days: 6, daysDone: 6, lastDay: '2025-04-02', done: true });
  expect(await handle.query(rollupBackfillProgressQuery)).toEqual(result);
  expect(handle.workflowId).toBe(`rollup-backfill:${companyId}:2025-03-28:2025-04-02`);
  // the range covers 03-30 and 03-31 (unchanged) plus days without data (a traffic row and four funnel rows each)
  const after = await snapshot(companyId);
  const fixtureRows = (rows: Array<Record<string, unknown>> | undefined) => (rows ?? []).filter((r) => FIXTURE_DAYS.includes(String(r.day)));
  for (const table of Object.keys(TABLES)) expect(fixtureRows(after[table])).toEqual(fixtureRows(before[table]));
  expect(after.agg_daily_traffic?.filter((r) => r.day === '2025-04-01')).toEqual([{ company_id: companyId, day: '2025-04-01', sessions: 0, visitors: 0, qualified_sessions: 0, page_views: 0, events: 0 }]);
});

test('schedules: registering twice keeps one schedule per company, at 04:15 in the company’s time zone, overlap skip', async () => {
  const auckland = (await createTestCompany(db.ownerPool, 'Auckland Shop')).companyId;
  await db.ownerPool.query(sql.unsafe`UPDATE companies SET time_zone = 'Pacific/Auckland' WHERE company_id = ${auckland}`);
  try {
    expect(await ensureRollupSchedule(env.client, { companyId: auckland, timeZone: 'Pacific/Auckland' })).toBe('created');
    expect(await ensureRollupSchedule(env.client, { companyId: auckland, timeZone: 'Pacific/Auckland' })).toBe('updated');
    // at worker start: every company (this database has three), through the app role
    expect(await ensureRollupSchedules(env.client, db.appPool, createLogger('test', 'silent'))).toEqual({ created: 2, updated: 1, failed: 0 });
    expect(await ensureRollupSchedules(env.client, db.appPool, createLogger('test', 'silent'))).toEqual({ created: 0, updated: 3, failed: 0 });

    const description = await env.client.schedule.getHandle(rollupScheduleId(auckland)).describe();
    expect(description.spec.timezone).toBe('Pacific/Auckland');
    expect(description.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] })]);
    expect(description.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 86_400_000 });
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dailyRollupWorkflow', workflowId: `rollup:${auckland}`, args: [{ companyId: auckland }] });
    const ids: string[] = [];
    for await (const s of env.client.schedule.list()) if (s.scheduleId.startsWith('rollup-schedule:')) ids.push(s.scheduleId);
    expect(ids.filter((id) => id === rollupScheduleId(auckland))).toHaveLength(1);

    // the same registration keeps one 15-minute attribution sweep per company
    const sweep = await env.client.schedule.getHandle(attributionSweepScheduleId(auckland)).describe();
    expect(sweep.spec.intervals).toEqual([expect.objectContaining({ every: 900_000 })]);
    expect(sweep.policies).toMatchObject({ overlap: 'SKIP' });
    expect(sweep.action).toMatchObject({ type: 'startWorkflow', workflowType: 'attributeOrdersWorkflow', workflowId: `attribution-sweep:${auckland}`, args: [{ companyId: auckland, pendingOnly: true }] });
    const sweeps: string[] = [];
    for await (const s of env.client.schedule.list()) if (s.scheduleId === attributionSweepScheduleId(auckland)) sweeps.push(s.scheduleId);
    expect(sweeps).toHaveLength(1);
  } finally {
    for (const c of [auckland, companyId, otherCompanyId]) {
      await env.client.schedule.getHandle(rollupScheduleId(c)).delete().catch(() => undefined);
      await env.client.schedule.getHandle(attributionSweepScheduleId(c)).delete().catch(() => undefined);
    }
  }
});

test('rollup_company_days refuses an empty or a longer-than-367-day range before any week runs, and writes nothing', async () => {
  const runCount = () => db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM rollup_runs WHERE company_id = ${companyId}`);
  const before = await runCount();
  await expect(db.ownerPool.query(sql.unsafe`SELECT * FROM rollup_company_days(${companyId}, '2025-04-02', '2025-03-30', 'test')`)).rejects.toThrow(
    /invalid range 2025-04-02 … 2025-03-30/,
  );
  await expect(db.ownerPool.query(sql.unsafe`SELECT * FROM rollup_company_days(${companyId}, '2025-01-01', '2026-01-03', 'test')`)).rejects.toThrow(/at most 367 days/);
  expect(await runCount()).toBe(before);
  // a range longer than a week runs as several statements and still reports every day once
  const days = await db.ownerPool.any(sql.type(z.object({ day: z.string(), n: z.coerce.number() }))`
    SELECT day::text AS day, count(*) AS n FROM rollup_company_days(${companyId}, '2025-03-24', '2025-04-02', 'test') GROUP BY day ORDER BY day`);
  expect(days.map((d) => d.day)).toEqual(Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2025, 2, 24 + i)).toISOString().slice(0, 10)));
  expect(new Set(days.map((d) => d.n))).toEqual(new Set([7])); // the seven agg_daily_* tables of each day
  expect(await runCount()).toBe(before + 10);
});

test('agg_daily_attribution_paths holds exactly fct_order_attribution per local day: a merged provisional order is left out, a late-evening order counts on its local day', async () => {
  const { companyId: c } = await createTestCompany(db.ownerPool, 'Paths Shop'); // Europe/Berlin
  const order = (source: string, id: string, at: string, mergedInto: string | null) => sql.fragment`
    (${c}, ${source}, ${id}, ${id}, ${id}, 'paid', 'fixture', 'EUR', 5000, ${at}::timestamptz, ${source === 'storefront'}, ${mergedInto ? 'woocommerce' : null}, ${mergedInto})`;
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, provisional, merged_into_source, merged_into_external_id)
    VALUES ${sql.join([order('woocommerce', 'w1', '2025-06-10T10:00:00Z', null), order('storefront', 'sf1', '2025-06-10T09:59:00Z', 'w1'), order('woocommerce', 'w2', '2025-06-10T22:30:00Z', null)], sql.fragment`, `)}`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
      touch_count, first_touch_reason, last_touch_reason, path_digest)
    SELECT ${c}, o.source, o.external_id, 'attribution-v1', 'last_non_direct', o.created_at, 'EUR', 5000, now(), 0, 'no_session_in_30d', 'no_session_in_30d', 'x'
    FROM orders o WHERE o.company_id = ${c}`);
  await db.ownerPool.query(sql.unsafe`SELECT * FROM rollup_attribution_paths(${c}, '2025-06-10', '2025-06-11')`);
  const row = z.object({ day: z.string(), orders: z.coerce.number(), revenue_minor: z.coerce.number() });
  const stored = await db.ownerPool.any(sql.type(row)`
    SELECT day::text AS day, sum(orders) AS orders, sum(revenue_minor) AS revenue_minor FROM agg_daily_attribution_paths WHERE company_id = ${c} GROUP BY day ORDER BY day`);
  const fromView = await db.ownerPool.any(sql.type(row)`
    SELECT (purchased_at AT TIME ZONE 'Europe/Berlin')::date::text AS day, count(*) AS orders, sum(revenue_minor) AS revenue_minor
    FROM fct_order_attribution WHERE company_id = ${c} GROUP BY 1 ORDER BY 1`);
  // w1 on 06-10; w2 at 00:30 Berlin time on 06-11; sf1 was merged into w1 and is not an order of its own
  expect(stored).toEqual([{ day: '2025-06-10', orders: 1, revenue_minor: 5000 }, { day: '2025-06-11', orders: 1, revenue_minor: 5000 }]);
  expect(stored).toEqual(fromView);
});
