// bench/rollups: the daily rollup (rollup_company_day through rollupCompanyDaySql, exactly what the
// rollupCompanyDay activity runs, as lux_app with RLS on) against a plain sequential scan of the same
// raw_events rows (`SELECT count(*), sum(…) FROM raw_events WHERE company_id = … AND occurred_at in the
// days`, no index, no parallel workers), measured side by side in one run. Target: ≤ 3× the scan.
//   1. one company-day of --day-events (default 1M) events: rollup of that day vs a scan of its rows;
//   2. the full history (--history-events total, default 10M, over --history-days days): the rollup of
//      every day vs a scan of all of them, two ways: one transaction per day (rollup_company_day, as the
//      daily schedule and the per-day path run it) and in ranges of --range-days days (rollup_company_days,
//      as rollupBackfill runs it);
//   3. what migrations 0018, 0023 and 0025 moved to ingest: ingest_event_batch (the collector's and bulk path's
//      insert) in batches of --ingest-batch events with the triggers keeping the rollups' session inputs
//      (counts on raw_events; session starts and visitor counts on sessions) enabled vs disabled, blocks alternating in one run, as a
//      ratio, for two shapes of batch: each session's events in one batch (sessions inserted) and one event
//      of each of 500 sessions per batch (sessions updated, as a busy site's flushes arrive) — the rollup
//      reads per-(session, day) rows instead of raw events and sessions, so its ratio to the scan is only
//      honest next to what those rows cost at ingest;
//   4. what migration 0020 moved to order writes: orders inserted, attributed and updated with the
//      order_rollup_inputs triggers enabled vs disabled, likewise (measureOrderWrites).
// Wall times are reported, and beside them the CPU time of the database's backends (Linux
// /proc/<pid>/schedstat of this database's connections), which a loaded, shared machine disturbs less.
// `npm run bench:rollups [-- --day-events 1000000 --history-events 10000000 --history-days 90 --repeats 3 --core-only]`
//
// Everything real: a scratch database lux_bench_<pid> migrated with scripts/migrate.ts (dropped at the
// end), the raw_events table with its triggers, constraints and indexes as migrated. Data is generated
// in Postgres with INSERT … SELECT generate_series (sequential event ids so the primary key is appended
// to, as with time-ordered client UUIDs), one transaction per day with session_replication_role =
// replica: that skips only the per-row foreign-key triggers (company_id → companies; the values are
// valid by construction) — every index is still maintained, and raw_events' append-only triggers fire
// on UPDATE/DELETE/TRUNCATE only. Sessions ~10 events each; orders with first/last touch attribution;
// ad spend per day. The 0018, 0023 and 0025 triggers (session_day_events, customer_first_orders, visitor_days) are ENABLE
// ALWAYS, so they run in replica mode too: the generated data carries its counts like ingested data. Never part of
// the test run.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { rollupCompanyDaySql, rollupCompanyDaysSql } from '../../activities/rollups';
import { addDays } from '../../lib/ads/days';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { deriveAppDatabaseUrl } from '../../lib/config';
import { databaseUrl, resolvePostgres } from '../../scripts/lib/postgres';
import { createBenchCompany, createBenchDatabase, postgresVersion, type BenchDatabase } from '../collector/bench-database';

const { values: args } = parseArgs({
  options: {
    'day-events': { type: 'string', default: '1000000' },
    'history-events': { type: 'string', default: '10000000' },
    'history-days': { type: 'string', default: '90' },
    'events-per-session': { type: 'string', default: '10' },
    'orders-per-day': { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '3' },
    // days per rollup_company_days call in the history's range measurement (rollupBackfill's chunk)
    'range-days': { type: 'string', default: '31' },
    // ingest overhead: events per ingest_event_batch call, batches per block, blocks per side
    'ingest-batch': { type: 'string', default: '500' },
    'ingest-batches': { type: 'string', default: '20' },
    'ingest-blocks': { type: 'string', default: '6' },
    // keep the scratch database afterwards (to EXPLAIN a slow statement); drop it by hand
    keep: { type: 'boolean', default: false },
    // measure a database a --keep run left (generated with the same options), without generating again
    'reuse-database': { type: 'string' },
    // time only rollup_company_day(s) (the core tables), not the attribution paths (migration 0021) the
    // activities recompute in the same transaction: to tell the two apart
    'core-only': { type: 'boolean', default: false },
  },
});
const DAY_EVENTS = Number(args['day-events']);
const HISTORY_EVENTS = Number(args['history-events']);
const HISTORY_DAYS = Number(args['history-days']);
const PER_SESSION = Number(args['events-per-session']);
const ORDERS_PER_DAY = Number(args['orders-per-day']);
const REPEATS = Number(args.repeats);
const RANGE_DAYS = Number(args['range-days']);
const INGEST_BATCH = Number(args['ingest-batch']);
const INGEST_BATCHES = Number(args['ingest-batches']);
const INGEST_BLOCKS = Number(args['ingest-blocks']);
const CORE_ONLY = args['core-only'] === true;
const ROOT = path.resolve(__dirname, '..', '..');
const LAST_DAY = '2026-01-15'; // the single company-day; history days are the ones before it
const log = (message: string): void => void process.stderr.write(`[bench:rollups] ${message}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

/**
 * One local day of `events` events for the company: events/PER_SESSION sessions spread over the day,
 * event ids from `firstId` on. Channel mix over 8 channels, ~5% add_to_cart, 2% begin_checkout, 1% purchase.
 */
async function generateDay(ownerPool: DatabasePool, companyId: string, day: string, events: number, firstId: number, sessionPrefix: string): Promise<void> {
  await ownerPool.transaction(async (pool) => {
    await pool.query(sql.unsafe`SET LOCAL session_replication_role = replica`);
    await pool.query(sql.unsafe`SET LOCAL synchronous_commit = off`);
    const sessions = Math.max(1, Math.floor(events / PER_SESSION));
    await pool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, referrer_host, event_count, page_view_count)
      SELECT ${companyId}::uuid, ${sessionPrefix} || k, 'v' || (hashint4(k + ${firstId}) & 262143), t.started, t.started + ((hashint4(k) & 1023) * interval '1 second'),
        c.channel, 'bench', c.src, c.med, c.camp, c.host, ${PER_SESSION}, ${PER_SESSION} - 1
      FROM generate_series(0, ${sessions - 1}) AS k
      CROSS JOIN LATERAL (SELECT local_day_start(${day}::date, 'Europe/Berlin') + (k::float8 / ${sessions} * 23 * 3600) * interval '1 second' AS started) AS t
      CROSS JOIN LATERAL (SELECT (ARRAY['Direct','Paid Search','Organic Search','Email','Paid Social','Referral','Organic Social','Display'])[1 + (hashint4(k + 11) & 7)] AS channel) AS ch
      CROSS JOIN LATERAL (SELECT ch.channel,
        CASE ch.channel WHEN 'Paid Search' THEN 'google' WHEN 'Email' THEN 'newsletter' WHEN 'Paid Social' THEN 'facebook' WHEN 'Display' THEN 'dv360' END AS src,
        CASE ch.channel WHEN 'Paid Search' THEN 'cpc' WHEN 'Email' THEN 'email' WHEN 'Paid Social' THEN 'paid_social' WHEN 'Display' THEN 'display' END AS med,
        CASE WHEN ch.channel IN ('Paid Search', 'Email', 'Paid Social', 'Display') THEN 'c' || (k % 20) END AS camp,
        CASE ch.channel WHEN 'Organic Search' THEN 'www.google.com' WHEN 'Referral' THEN 'blog.example.org' WHEN 'Organic Social' THEN 'instagram.com' END AS host) AS c`);
    await pool.query(sql.unsafe`
      INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, received_at, source, visitor_id, session_id, page_url)
      SELECT ${companyId}::uuid, lpad(to_hex(${firstId}::bigint + i), 32, '0')::uuid,
        CASE WHEN n.r < 900 THEN 'page_view' WHEN n.r < 950 THEN 'add_to_cart' WHEN n.r < 970 THEN 'begin_checkout' WHEN n.r < 980 THEN 'purchase' WHEN n.r < 990 THEN 'signup' ELSE 'scroll' END,
        t.at, t.at, 'browser', 'v' || (hashint4(g.k + ${firstId}) & 262143), ${sessionPrefix} || g.k, 'https://shop.example.com/p/' || (i % 500)
      FROM generate_series(0, ${events - 1}) AS i
      -- session-major and sessions in start order: the heap is (nearly) in occurred_at order, as events arrive
      CROSS JOIN LATERAL (SELECT least(i / ${PER_SESSION}, ${sessions - 1}) AS k, i % ${PER_SESSION} AS n) AS g
      CROSS JOIN LATERAL (SELECT hashint4(i::int) & 1023 AS r) AS n
      CROSS JOIN LATERAL (SELECT local_day_start(${day}::date, 'Europe/Berlin') + (g.k::float8 / ${sessions} * 23 * 3600 + g.n * 20) * interval '1 second' AS at) AS t`);
    // orders of the day (customers drawn from 50k emails, so repeat buyers and cohorts exist), attributed
    await pool.query(sql.unsafe`
      WITH o AS (
        INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash, session_id)
        SELECT ${companyId}::uuid, 'woocommerce', ${day} || '-' || j, ${day} || '-' || j, ${day} || '-' || j, 'paid', 'bench',
          CASE WHEN j % 10 = 0 THEN 'USD' ELSE 'EUR' END, 1000 + (hashint4(j) & 32767),
          local_day_start(${day}::date, 'Europe/Berlin') + (j::float8 / ${ORDERS_PER_DAY} * 23 * 3600) * interval '1 second',
          md5(((hashint4(j + ${firstId}) & 2147483647) % 50000)::text) || md5(((hashint4(j + ${firstId}) & 2147483647) % 50000)::text), ${sessionPrefix} || (j * 37 % ${sessions})
        FROM generate_series(0, ${ORDERS_PER_DAY - 1}) AS j
        RETURNING company_id, source, external_id, created_at, currency, total_minor, session_id
      )
      INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
        touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
        last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, path_digest)
      SELECT o.company_id, o.source, o.external_id, 'attribution-v1', 'last_non_direct', o.created_at, o.currency, o.total_minor, now(), 1,
        s.session_id, s.started_at, s.channel, s.source, s.medium, s.campaign, 'bench', s.session_id, s.started_at, s.channel, s.source, s.medium, s.campaign, 'bench', 'x'
      FROM o JOIN stg_sessions s ON s.company_id = o.company_id AND s.session_id = o.session_id`);
    await pool.query(sql.unsafe`
      INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, campaign_name, currency, spend_micros, spend_minor, impressions, clicks)
      SELECT ${companyId}::uuid, p, '1', ${day}::date, 'campaign', p || '-' || c, 'c' || c, 'EUR', 1000000 * (100 + c), 100 * (100 + c), 1000 * c, 10 * c
      FROM unnest(ARRAY['google_ads', 'meta']) p CROSS JOIN generate_series(0, 19) c`);
  });
}

const scanRow = z.object({ n: z.coerce.number(), s: z.coerce.number() });
const pidRow = z.object({ pid: z.number() });

/**
 * CPU milliseconds used so far by each of this database's client backends (the bench's pool
 * connections), from /proc/<pid>/schedstat (Linux, same host); empty where that is not readable.
 */
async function backendCpuMs(ownerPool: DatabasePool): Promise<Map<number, number>> {
  const pids = await ownerPool.any(sql.type(pidRow)`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`);
  const cpu = new Map<number, number>();
  for (const { pid } of pids) {
    try {
      cpu.set(pid, Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]) / 1e6);
    } catch {
      return new Map();
    }
  }
  return cpu;
}

/**
 * Wall and backend CPU time of `work`. A connection the pool opened meanwhile counts whole; one it
 * closed meanwhile (idle) is not counted (NaN when nothing could be read).
 */
async function timedCpu<T>(ownerPool: DatabasePool, work: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const before = await backendCpuMs(ownerPool);
  const { ms, value } = await timed(work);
  const after = await backendCpuMs(ownerPool);
  let cpuMs = after.size === 0 ? NaN : 0;
  for (const [pid, total] of after) cpuMs += total - (before.get(pid) ?? 0);
  return { ms, cpuMs, value };
}

/**
 * The baseline: a plain sequential scan (no index, no parallel workers) reading the same rows the rollup
 * of `days` reads (the company's raw events from the first day's local start to the last day's end):
 * a count and a sum over two columns.
 */
async function scan(pool: DatabasePool, companyId: string, days: string[]): Promise<{ ms: number; cpuMs: number }> {
  const first = days[0];
  const last = days.at(-1);
  return timedCpu(pool, () =>
    pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`SET LOCAL enable_indexscan = off`);
      await tx.query(sql.unsafe`SET LOCAL enable_bitmapscan = off`);
      await tx.query(sql.unsafe`SET LOCAL max_parallel_workers_per_gather = 0`);
      return tx.one(sql.type(scanRow)`
        SELECT count(*) AS n, sum(length(event_name) + length(session_id)) AS s FROM raw_events
        WHERE company_id = ${companyId} AND occurred_at >= local_day_start(${first ?? ''}::date, 'Europe/Berlin')
          AND occurred_at < local_day_start(${last ?? ''}::date + 1, 'Europe/Berlin')`);
    }),
  );
}

/** How a run of days is rolled up: one transaction per day, or ranges of `days` days per statement. */
type RollupMode = { kind: 'per-day' } | { kind: 'ranges'; days: number };

const rowsRow = z.object({ n: z.coerce.number() });

async function rollupDays(ownerPool: DatabasePool, appPool: DatabasePool, companyId: string, days: string[], mode: RollupMode): Promise<{ ms: number; cpuMs: number; rows: number }> {
  let rows = 0;
  // --core-only: the core functions alone, as lux_app in one tenant transaction per call, like the activities
  const core = (from: string, to: string): Promise<number> =>
    withTenant(appPool, companyId, (tx) =>
      tx.oneFirst(sql.type(rowsRow)`SELECT coalesce(sum(rows_written), 0) AS n FROM rollup_company_days(${companyId}, ${from}::date, ${to}::date, 'bench')`));
  const coreDay = (day: string): Promise<number> =>
    withTenant(appPool, companyId, (tx) =>
      tx.oneFirst(sql.type(rowsRow)`SELECT coalesce(sum(rows_written), 0) AS n FROM rollup_company_day(${companyId}, ${day}::date, 'bench')`));
  const { ms, cpuMs } = await timedCpu(ownerPool, async () => {
    if (mode.kind === 'per-day') {
      for (const day of days) rows += CORE_ONLY ? await coreDay(day) : (await rollupCompanyDaySql(appPool, companyId, day, 'bench')).rowsTotal;
      return;
    }
    for (let i = 0; i < days.length; i += mode.days) {
      const chunk = days.slice(i, i + mode.days);
      rows += CORE_ONLY
        ? await core(chunk[0] ?? '', chunk.at(-1) ?? '')
        : (await rollupCompanyDaysSql(appPool, companyId, chunk[0] ?? '', chunk.at(-1) ?? '', 'bench')).rowsTotal;
    }
  });
  return { ms, cpuMs, rows };
}

async function measure(label: string, ownerPool: DatabasePool, appPool: DatabasePool, companyId: string, days: string[], events: number, mode: RollupMode) {
  await ownerPool.query(sql.unsafe`VACUUM (ANALYZE) raw_events`);
  await ownerPool.query(sql.unsafe`VACUUM (ANALYZE) sessions`);
  await ownerPool.query(sql.unsafe`ANALYZE orders`);
  await ownerPool.query(sql.unsafe`ANALYZE order_attribution`);
  // the rollup inputs the 0018 triggers keep (autovacuum analyzes them in a deployment, as the tables above)
  await ownerPool.query(sql.unsafe`ANALYZE session_day_events`);
  await ownerPool.query(sql.unsafe`ANALYZE customer_first_orders`);
  // and the per-order inputs the 0020 triggers keep, and the visitor counts of the 0025 triggers
  await ownerPool.query(sql.unsafe`ANALYZE order_rollup_inputs`);
  await ownerPool.query(sql.unsafe`ANALYZE visitor_days`);
  await ownerPool.query(sql.unsafe`ANALYZE visitor_day_labels`);
  await scan(ownerPool, companyId, days); // warm the cache once for both sides
  const scans: Array<{ ms: number; cpuMs: number }> = [];
  const rollups: Array<{ ms: number; cpuMs: number }> = [];
  const loads: number[] = [];
  let rows = 0;
  for (let i = 0; i < REPEATS; i += 1) {
    loads.push(os.loadavg()[0] ?? NaN);
    // alternate the order so neither side always runs on the other's warm cache
    if (i % 2 === 0) {
      scans.push(await scan(ownerPool, companyId, days));
      const r = await rollupDays(ownerPool, appPool, companyId, days, mode);
      rollups.push(r);
      rows = r.rows;
    } else {
      const r = await rollupDays(ownerPool, appPool, companyId, days, mode);
      rollups.push(r);
      rows = r.rows;
      scans.push(await scan(ownerPool, companyId, days));
    }
    const s = scans.at(-1);
    const r = rollups.at(-1);
    log(`${label} #${i + 1} (load ${loads.at(-1)?.toFixed(1)}): scan ${s?.ms.toFixed(0)} ms (cpu ${s?.cpuMs.toFixed(0)}), rollup ${r?.ms.toFixed(0)} ms (cpu ${r?.cpuMs.toFixed(0)})`);
  }
  const scanMs = median(scans.map((s) => s.ms));
  const rollupMs = median(rollups.map((r) => r.ms));
  const scanCpuMs = median(scans.map((s) => s.cpuMs));
  const rollupCpuMs = median(rollups.map((r) => r.cpuMs));
  return {
    label, mode: mode.kind === 'per-day' ? 'one transaction per day' : `ranges of ${mode.days} days`, events, days: days.length, rowsWritten: rows,
    scanMs: Math.round(scanMs), rollupMs: Math.round(rollupMs), ratio: Number((rollupMs / scanMs).toFixed(2)),
    scanCpuMs: Math.round(scanCpuMs), rollupCpuMs: Math.round(rollupCpuMs), cpuRatio: Number((rollupCpuMs / scanCpuMs).toFixed(2)),
    loadAverage1m: loads.map((l) => Number(l.toFixed(1))),
    scans: scans.map((s) => Math.round(s.ms)), rollups: rollups.map((r) => Math.round(r.ms)),
    scanCpus: scans.map((s) => Math.round(s.cpuMs)), rollupCpus: rollups.map((r) => Math.round(r.cpuMs)),
  };
}

/**
 * How a batch's events fall on sessions: 'whole' — each session's PER_SESSION events in one batch (every
 * session is new to its batch: the sessions are inserted); 'spread' — one event of each of INGEST_BATCH
 * sessions per batch, a session's events in PER_SESSION consecutive batches (every session but in the
 * first of them is updated), as a collector's flushes of a busy site's concurrent sessions arrive.
 */
type IngestLayout = 'whole' | 'spread';

/**
 * A batch of ingest_event_batch rows (lib/ingest/prepare-event.ts RawEventRow, as the collector sends
 * them): `INGEST_BATCH` events of sessions of PER_SESSION events, a channel context as enrichment writes it.
 */
function ingestRows(batch: number, day: string, layout: IngestLayout): string {
  const rows = Array.from({ length: INGEST_BATCH }, (_, i) => {
    // the n-th event of the run, of its session's `session`; 'spread' orders the same events session-minor
    const n = layout === 'whole'
      ? batch * INGEST_BATCH + i
      : (Math.floor(batch / PER_SESSION) * INGEST_BATCH + i) * PER_SESSION + (batch % PER_SESSION);
    const session = Math.floor(n / PER_SESSION);
    const at = new Date(Date.parse(`${day}T08:00:00Z`) + n * 1000).toISOString();
    const r = (n * 2654435761) % 1000;
    return {
      event_id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
      event_name: r < 900 ? 'page_view' : r < 950 ? 'add_to_cart' : r < 970 ? 'begin_checkout' : r < 980 ? 'purchase' : 'scroll',
      occurred_at: at, client_occurred_at: at, received_at: at, source: 'browser',
      visitor_id: `iv${session % 5000}`, session_id: `is${session}`, user_id: null,
      page_url: `https://shop.example.com/p/${n % 500}`, referrer: null, properties: {}, consent: {},
      context: { channel: 'Paid Search', channel_rule: 'bench', utm: { source: 'google', medium: 'cpc', campaign: `c${session % 20}` }, campaign_key: `c${session % 20}` },
      ip_hash: null, email_hash: null, gpc: false, forwardable: true, creative_id: null, concept_angle: null,
    };
  });
  return JSON.stringify(rows);
}

/**
 * The triggers that keep the rollups' session inputs at ingest: 0018's counts (on raw_events), 0023's session
 * starts and 0025's visitor counts (on sessions).
 */
const SESSION_DAY_TRIGGERS = [
  ['raw_events', 'raw_events_count_session_days'],
  ['sessions', 'sessions_day_starts_insert'],
  ['sessions', 'sessions_day_starts_update'],
  ['sessions', 'sessions_day_starts_delete'],
  ['sessions', 'sessions_visitor_days_insert'],
  ['sessions', 'sessions_visitor_days_update'],
  ['sessions', 'sessions_visitor_days_delete'],
] as const;

/** Enables (ENABLE ALWAYS, as migrated) or disables the (table, trigger) pairs a side of a comparison runs with. */
async function setTriggers(ownerPool: DatabasePool, triggers: ReadonlyArray<readonly [string, string]>, enabled: boolean): Promise<void> {
  for (const [table, trigger] of triggers) {
    await ownerPool.query(enabled
      ? sql.unsafe`ALTER TABLE ${sql.identifier([table])} ENABLE ALWAYS TRIGGER ${sql.identifier([trigger])}`
      : sql.unsafe`ALTER TABLE ${sql.identifier([table])} DISABLE TRIGGER ${sql.identifier([trigger])}`);
  }
}

/**
 * Ingest with vs without the kept session_day_events rows (counts and session starts):
 * INGEST_BLOCKS blocks of INGEST_BATCHES calls of ingest_event_batch (as lux_app, one transaction each,
 * as the collector flushes) with the triggers enabled, and as many with them disabled, alternating; the
 * first call after each switch is not counted (ALTER TABLE invalidates the cached plans of both sides
 * alike). Per-call medians and the ratio. 'spread' batches insert their sessions once every PER_SESSION
 * calls and update them otherwise: with the defaults (21 calls a block, the first not counted) each side
 * counts two inserting calls in twenty.
 */
async function measureIngest(ownerPool: DatabasePool, appPool: DatabasePool, companyId: string, day: string, layout: IngestLayout) {
  const batchMs: Record<'with' | 'without', number[]> = { with: [], without: [] };
  const blockCpuMs: Record<'with' | 'without', number> = { with: 0, without: 0 };
  const blockEvents: Record<'with' | 'without', number> = { with: 0, without: 0 };
  const loads: number[] = [];
  let batch = 0;
  try {
    for (let block = 0; block < INGEST_BLOCKS * 2; block += 1) {
      const side = block % 2 === 0 ? 'with' : 'without';
      await setTriggers(ownerPool, SESSION_DAY_TRIGGERS, side === 'with');
      loads.push(os.loadavg()[0] ?? NaN);
      const payloads = Array.from({ length: INGEST_BATCHES + 1 }, () => ingestRows(batch++, day, layout));
      let first = true;
      const { cpuMs } = await timedCpu(ownerPool, async () => {
        for (const rows of payloads) {
          const { ms } = await timed(() => appPool.query(sql.unsafe`SELECT * FROM ingest_event_batch(${companyId}, ${rows}::jsonb, '[]'::jsonb)`));
          if (!first) batchMs[side].push(ms);
          first = false;
        }
      });
      blockCpuMs[side] += cpuMs;
      blockEvents[side] += payloads.length * INGEST_BATCH;
    }
  } finally {
    await setTriggers(ownerPool, SESSION_DAY_TRIGGERS, true);
  }
  const withMs = median(batchMs.with);
  const withoutMs = median(batchMs.without);
  const cpuPerEventWith = blockCpuMs.with / blockEvents.with;
  const cpuPerEventWithout = blockCpuMs.without / blockEvents.without;
  return {
    label: `ingest overhead of the session_day_events rows (${layout} sessions)`, layout, batchEvents: INGEST_BATCH, batchesPerSide: batchMs.with.length,
    medianBatchMsWith: Number(withMs.toFixed(2)), medianBatchMsWithout: Number(withoutMs.toFixed(2)), ratio: Number((withMs / withoutMs).toFixed(3)),
    cpuUsPerEventWith: Number((cpuPerEventWith * 1000).toFixed(1)), cpuUsPerEventWithout: Number((cpuPerEventWithout * 1000).toFixed(1)),
    cpuRatio: Number((cpuPerEventWith / cpuPerEventWithout).toFixed(3)),
    loadAverage1m: loads.map((l) => Number(l.toFixed(1))),
  };
}

/** The triggers of migration 0020 that keep order_rollup_inputs. */
const ORDER_INPUT_TRIGGERS = [
  ['orders', 'orders_rollup_inputs_insert'], ['orders', 'orders_rollup_inputs_update'], ['orders', 'orders_rollup_inputs_delete'],
  ['order_attribution', 'order_attribution_rollup_inputs_insert'], ['order_attribution', 'order_attribution_rollup_inputs_update'],
  ['order_attribution', 'order_attribution_rollup_inputs_delete'],
] as const;

/**
 * What migration 0020 moved to order writes: one call = what an import, attribution and a status webhook
 * do to ORDER_BATCH orders (as lux_app, one tenant transaction each): insert the orders (customers drawn
 * from the history's 50,000 emails, so most have earlier orders), upsert their attribution, then update
 * their status, in a company of its own (customers drawn from 2,000 emails). Compared: the writes with
 * 0018's customer_first_orders triggers (on both sides) vs the same plus the 0020 triggers.
 * Blocks of INGEST_BATCHES calls with the order_rollup_inputs triggers enabled vs disabled, alternating;
 * the first call after each switch is not counted (ALTER TABLE invalidates cached plans). Per-call medians.
 */
async function measureOrderWrites(ownerPool: DatabasePool, appPool: DatabasePool, companyId: string, day: string) {
  const ORDER_BATCH = 200;
  const callMs: Record<'with' | 'without', number[]> = { with: [], without: [] };
  const blockCpuMs: Record<'with' | 'without', number> = { with: 0, without: 0 };
  const blockOrders: Record<'with' | 'without', number> = { with: 0, without: 0 };
  const loads: number[] = [];
  let call = 0;
  const writeOrders = async (n: number): Promise<void> => {
    const first = n * ORDER_BATCH;
    // one transaction per statement, as the import, the attribution activity and the webhook each commit
    await withTenant(appPool, companyId, async (tx) => {
      await tx.query(sql.unsafe`
        INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash)
        SELECT ${companyId}::uuid, 'woocommerce', 'bench-w' || j, 'bench-w' || j, 'bench-w' || j, 'paid', 'bench', 'EUR', 1000 + j % 5000,
          ${day}::date + (j % 86400) * interval '1 second', md5('bench-customer' || (hashint4(j) & 2047))
        FROM generate_series(${first}::int, ${first + ORDER_BATCH - 1}::int) j`);
    });
    await withTenant(appPool, companyId, async (tx) => {
      await tx.query(sql.unsafe`
        INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
          touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
          last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, path_digest)
        SELECT o.company_id, o.source, o.external_id, 'attribution-v1', 'last_non_direct', o.created_at, o.currency, o.total_minor, now(), 1,
          's1', o.created_at - interval '1 hour', 'Paid Search', 'google', 'cpc', 'c1', 'bench',
          's2', o.created_at - interval '5 minutes', 'Email', 'newsletter', 'email', 'c2', 'bench', 'x'
        FROM orders o WHERE o.company_id = ${companyId} AND o.source = 'woocommerce' AND o.external_id = ANY (ARRAY(
          SELECT 'bench-w' || j FROM generate_series(${first}::int, ${first + ORDER_BATCH - 1}::int) j))
        ON CONFLICT (company_id, source, external_id) DO UPDATE SET first_touch_channel = EXCLUDED.first_touch_channel`);
    });
    await withTenant(appPool, companyId, async (tx) => {
      await tx.query(sql.unsafe`
        UPDATE orders SET status = 'fulfilled' WHERE company_id = ${companyId} AND source = 'woocommerce' AND external_id = ANY (ARRAY(
          SELECT 'bench-w' || j FROM generate_series(${first}::int, ${first + ORDER_BATCH - 1}::int) j))`);
    });
  };
  try {
    for (let block = 0; block < INGEST_BLOCKS * 2; block += 1) {
      const side = block % 2 === 0 ? 'with' : 'without';
      await setTriggers(ownerPool, ORDER_INPUT_TRIGGERS, side === 'with');
      loads.push(os.loadavg()[0] ?? NaN);
      let first = true;
      const { cpuMs } = await timedCpu(ownerPool, async () => {
        for (let i = 0; i <= INGEST_BATCHES; i += 1) {
          const { ms } = await timed(() => writeOrders(call++));
          if (!first) callMs[side].push(ms);
          first = false;
        }
      });
      blockCpuMs[side] += cpuMs;
      blockOrders[side] += (INGEST_BATCHES + 1) * ORDER_BATCH;
    }
  } finally {
    await setTriggers(ownerPool, ORDER_INPUT_TRIGGERS, true);
  }
  const withMs = median(callMs.with);
  const withoutMs = median(callMs.without);
  const cpuWith = blockCpuMs.with / blockOrders.with;
  const cpuWithout = blockCpuMs.without / blockOrders.without;
  return {
    label: 'order writes with vs without the order_rollup_inputs triggers (insert + attribution upsert + status update)', ordersPerCall: ORDER_BATCH,
    callsPerSide: callMs.with.length, medianCallMsWith: Number(withMs.toFixed(2)), medianCallMsWithout: Number(withoutMs.toFixed(2)),
    ratio: Number((withMs / withoutMs).toFixed(3)),
    cpuUsPerOrderWith: Number((cpuWith * 1000).toFixed(1)), cpuUsPerOrderWithout: Number((cpuWithout * 1000).toFixed(1)),
    cpuRatio: Number((cpuWith / cpuWithout).toFixed(3)),
    loadAverage1m: loads.map((l) => Number(l.toFixed(1))),
  };
}

async function main(): Promise<void> {
  const postgres = await resolvePostgres({ embeddedDataDir: path.join(ROOT, '.lux', 'bench-postgres'), log });
  const reuse = args['reuse-database'];
  log(reuse ? `measuring the kept database ${reuse} again…` : `creating and migrating lux_bench_${process.pid}…`);
  const db = reuse ? await keptDatabase(postgres.adminUrl, reuse) : await createBenchDatabase(postgres.adminUrl);
  const ownerPool = await createDatabasePool(db.ownerUrl, { maximumPoolSize: 2, statementTimeoutMs: 3_600_000 });
  const appPool = await createDatabasePool(db.appUrl, { maximumPoolSize: 2, statementTimeoutMs: 3_600_000 });
  try {
    const companyId = reuse
      ? await ownerPool.oneFirst(sql.type(z.object({ company_id: z.string() }))`SELECT company_id FROM companies WHERE name = 'bench rollups' ORDER BY created_at LIMIT 1`)
      : (await createBenchCompany(db, 'rollups')).companyId;
    if (!reuse) {
      await ownerPool.query(sql.unsafe`INSERT INTO fx_rates (day, base_currency, quote_currency, rate, source)
        SELECT d::date, 'EUR', 'USD', 1.1, 'bench' FROM generate_series(date '2025-09-01', date '2026-01-31', interval '1 day') d`);
    }

    log(`generating one company-day (${LAST_DAY}) of ${DAY_EVENTS.toLocaleString('en')} events…`);
    const gen1 = reuse ? { ms: NaN } : await timed(() => generateDay(ownerPool, companyId, LAST_DAY, DAY_EVENTS, 0, 'd0-'));
    log(`  ${(gen1.ms / 1000).toFixed(1)} s`);
    const oneDay = await measure('one company-day', ownerPool, appPool, companyId, [LAST_DAY], DAY_EVENTS, { kind: 'per-day' });

    const ingest = [];
    for (const layout of ['whole', 'spread'] as const) {
      log(`ingest overhead (${layout} sessions): ${INGEST_BLOCKS} blocks per side of ${INGEST_BATCHES} ingest_event_batch calls of ${INGEST_BATCH} events…`);
      // a company of its own (event ids start at 0 for every run)
      const ingestCompany = (await createBenchCompany(db, `rollups-ingest-${layout} ${new Date().toISOString()}`)).companyId;
      const result = await measureIngest(ownerPool, appPool, ingestCompany, LAST_DAY, layout);
      log(`  per call: ${result.medianBatchMsWith} ms with the kept rows vs ${result.medianBatchMsWithout} ms without = ${result.ratio}× (backend CPU ${result.cpuUsPerEventWith} vs ${result.cpuUsPerEventWithout} µs/event = ${result.cpuRatio}×)`);
      ingest.push(result);
    }


    const historyDays = Array.from({ length: HISTORY_DAYS - 1 }, (_, i) => addDays(LAST_DAY, i - (HISTORY_DAYS - 1)));
    const perDay = Math.floor((HISTORY_EVENTS - DAY_EVENTS) / historyDays.length);
    log(`generating the history: ${historyDays.length} more days of ${perDay.toLocaleString('en')} events (${HISTORY_EVENTS.toLocaleString('en')} in all)…`);
    const gen2 = reuse ? { ms: NaN } : await timed(async () => {
      for (const [i, day] of historyDays.entries()) {
        await generateDay(ownerPool, companyId, day, perDay, DAY_EVENTS + i * perDay, `h${i}-`);
        if (i % 10 === 9) log(`  ${i + 1}/${historyDays.length} days`);
      }
    });
    log(`  ${(gen2.ms / 1000).toFixed(1)} s`);
    const total = await ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM raw_events`);
    const allDays = [...historyDays, LAST_DAY];
    const history = await measure('full history', ownerPool, appPool, companyId, allDays, total, { kind: 'per-day' });
    const historyRanges = await measure('full history', ownerPool, appPool, companyId, allDays, total, { kind: 'ranges', days: RANGE_DAYS });

    // after the history, in a company of its own (event-free: no rollup reads it)
    log(`order writes: ${INGEST_BLOCKS} blocks per side of ${INGEST_BATCHES} calls (200 orders inserted, attributed, status updated)…`);
    const orderCompany = (await createBenchCompany(db, `rollups-orders ${new Date().toISOString()}`)).companyId;
    const orderWrites = await measureOrderWrites(ownerPool, appPool, orderCompany, LAST_DAY);
    log(`  per call: ${orderWrites.medianCallMsWith} ms with the order_rollup_inputs triggers vs ${orderWrites.medianCallMsWithout} ms without = ${orderWrites.ratio}× (backend CPU ${orderWrites.cpuUsPerOrderWith} vs ${orderWrites.cpuUsPerOrderWithout} µs/order = ${orderWrites.cpuRatio}×)`);

    const report = {
      when: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      postgres: await postgresVersion(db),
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(1))),
      settings: { coreOnly: CORE_ONLY, eventsPerSession: PER_SESSION, ordersPerDay: ORDERS_PER_DAY, repeats: REPEATS, rangeDays: RANGE_DAYS, generationSeconds: [Math.round(gen1.ms / 1000), Math.round(gen2.ms / 1000)] },
      results: [oneDay, history, historyRanges],
      ingest,
      orderWrites,
      target: 'rollup ≤ 3× the sequential scan of the same rows',
    };
    await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench', 'results', 'rollups-latest.raw.json'), `${JSON.stringify(report, null, 2)}\n`);
    for (const r of report.results) {
      log(`${r.label} (${r.mode}): ${r.events.toLocaleString('en')} events, ${r.days} day(s): rollup ${r.rollupMs} ms vs scan ${r.scanMs} ms = ${r.ratio}× (${r.ratio <= 3 ? 'within' : 'over'} the 3× target); backend CPU ${r.rollupCpuMs} vs ${r.scanCpuMs} ms = ${r.cpuRatio}×; load ${r.loadAverage1m.join(', ')}`);
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await appPool.end().catch(() => undefined);
    await ownerPool.end().catch(() => undefined);
    if (reuse) await db.drop(); // (only its pool: a kept database stays)
    if (args.keep || reuse) log(`kept database ${db.name}`);
    else await db.drop().catch(() => undefined);
  }
}

/** A database an earlier `--keep` run generated (migrated and filled); never dropped by this run. */
async function keptDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^lux_bench_\d+$/.test(name)) throw new Error(`--reuse-database expects a lux_bench_<pid> database, got ${name}`);
  const ownerUrl = databaseUrl(adminUrl, name);
  const ownerPool = await createDatabasePool(ownerUrl, { maximumPoolSize: 2 });
  return { name, ownerUrl, appUrl: deriveAppDatabaseUrl(ownerUrl), ownerPool, drop: async () => ownerPool.end() };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:rollups failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
