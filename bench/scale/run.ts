// `npm run bench:scale -- --full` (issue 11): the system at 10M raw events, 1M sessions and 100k orders,
// every figure beside its baseline, in one run:
//   1. ingest through the COPY bulk path (stage + ingest_event_batch) vs a plain COPY of the same rows
//      into an unindexed table (bench/scale/ingest.ts);
//   2. attribution backfill through Temporal vs one read of each order's candidate sessions (attribution.ts);
//   3. the rollup backfill of the 90 days (every rollup kind) vs a sequential scan of the same rows (rollups.ts);
//   4. every dashboard question vs the same scan, target ≤ 200 ms (dashboards.ts);
//   5. event-to-dashboard freshness through the real collector and a rollup of today (freshness.ts);
//   6. Postgres disk bytes per raw event (table + indexes + TOAST) vs the event's raw JSON size, and vs
//      the unindexed baseline table's bytes per row;
//   7. collector RSS under load vs a bare Node http server under the same load (rss.ts).
// --full is --sessions 1000000 (→ ~10.2M events, ~100k orders: lib/demo/generator.ts SCALE_PROFILE);
// --sessions N scales it down for development (e.g. --sessions 20000 ≈ 200k events).
// Everything runs in a scratch database lux_bench_<pid>, migrated as deployed (dropped at the end unless
// --keep), with its own Temporal dev server and the real worker.
//
// --sections 2,4 runs only those sections. --reuse lux_bench_<pid> runs them (default: every one but the
// ingest) on the history a --keep run left, without loading it again; --results <raw.json> (that run's
// bench/results/scale-partial-<database>.raw.json) carries its figures over into this run's report, each
// section from the run that measured it.
//
// Without --full/--sessions/--reuse: sections 4 and 6 only, on an existing company (--company <id>, default the
// demo company `npm run demo` left in the lux database).
// Raw figures: bench/results/scale-<time>.raw.json and scale-latest.raw.json, and after every section
// scale-partial-<database>.raw.json (gitignored).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { deriveAppDatabaseUrl } from '../../lib/config';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { SCALE_PROFILE } from '../../lib/demo/generator';
import { resolvePostgres } from '../../scripts/lib/postgres';
import { createBenchCompany, createBenchDatabase, findBenchCompany, openBenchDatabase, postgresVersion } from '../collector/bench-database';
import { attributeHistory, type AttributionReport } from './attribution';
import { percentile, timeDashboards } from './dashboards';
import { measureFreshness, localDay, type FreshnessReport } from './freshness';
import { BASELINE_TABLE, loadHistoryByCopy, type IngestReport } from './ingest';
import { renderReport } from './report';
import { rollupHistory, scanDays, type RollupReport } from './rollups';
import { measureCollectorRss, type RssReport } from './rss';
import { startBenchTemporal } from './temporal';

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    sessions: { type: 'string' },
    company: { type: 'string' },
    repeats: { type: 'string', default: '5' },
    seed: { type: 'string', default: '11' },
    days: { type: 'string', default: '90' },
    'rss-connections': { type: 'string', default: '50' },
    'rss-seconds': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    sections: { type: 'string' },
    results: { type: 'string' },
  },
});
const ROOT = path.resolve(__dirname, '../..');
const TIME_ZONE = 'Europe/Berlin';
const log = (m: string): void => void process.stderr.write(`[bench:scale] ${m}\n`);
const loadAverage = (): number[] => os.loadavg().map((n) => Number(n.toFixed(2)));

export type DiskReport = {
  rawEvents: { rows: number; heapBytes: number; indexBytes: number; toastBytes: number; totalBytes: number; bytesPerEvent: number; heapBytesPerEvent: number };
  /** The unindexed baseline table holding the same rows (COPY baseline), per row. */
  baselineBytesPerRow: number | null;
  /** Mean UTF-8 JSON bytes of one event as a client POSTs it. */
  rawJsonBytesPerEvent: number | null;
  sessionsBytesPerSession: number;
};

const sizeRow = z.object({ rows: z.number(), heap: z.number(), indexes: z.number(), total: z.number() });

async function measureDisk(owner: DatabasePool, rawJsonBytesPerEvent: number | null, baselineTable: string | null): Promise<DiskReport> {
  const raw = await owner.one(sql.type(sizeRow)`
    SELECT (SELECT count(*) FROM raw_events)::float8 AS rows, pg_relation_size('raw_events')::float8 AS heap,
      pg_indexes_size('raw_events')::float8 AS indexes, pg_total_relation_size('raw_events')::float8 AS total`);
  const sessions = await owner.one(sql.type(sizeRow)`
    SELECT (SELECT count(*) FROM sessions)::float8 AS rows, pg_relation_size('sessions')::float8 AS heap,
      pg_indexes_size('sessions')::float8 AS indexes, pg_total_relation_size('sessions')::float8 AS total`);
  const baseline = baselineTable
    ? await owner.one(sql.type(z.object({ rows: z.number(), total: z.number() }))`
        SELECT (SELECT count(*) FROM ${sql.identifier([baselineTable])})::float8 AS rows, pg_total_relation_size(${baselineTable})::float8 AS total`)
    : null;
  const per = (bytes: number, rows: number): number => Math.round(bytes / Math.max(1, rows));
  return {
    rawEvents: {
      rows: raw.rows, heapBytes: raw.heap, indexBytes: raw.indexes, toastBytes: raw.total - raw.heap - raw.indexes, totalBytes: raw.total,
      bytesPerEvent: per(raw.total, raw.rows), heapBytesPerEvent: per(raw.heap, raw.rows),
    },
    baselineBytesPerRow: baseline ? per(baseline.total, baseline.rows) : null,
    rawJsonBytesPerEvent,
    sessionsBytesPerSession: per(sessions.total, sessions.rows),
  };
}

const countsRow = z.object({ events: z.number(), sessions: z.number(), orders: z.number(), first: z.string().nullable(), last: z.string().nullable() });

async function companySize(owner: DatabasePool, companyId: string) {
  return withTenant(owner, companyId, (tx) =>
    tx.one(sql.type(countsRow)`
      SELECT (SELECT count(*)::int FROM raw_events WHERE company_id = ${companyId}) AS events,
             (SELECT count(*)::int FROM sessions WHERE company_id = ${companyId}) AS sessions,
             (SELECT count(*)::int FROM fct_orders WHERE company_id = ${companyId}) AS orders,
             (SELECT (min(occurred_at) AT TIME ZONE ${TIME_ZONE})::date::text FROM raw_events WHERE company_id = ${companyId}) AS first,
             (SELECT (max(occurred_at) AT TIME ZONE ${TIME_ZONE})::date::text FROM raw_events WHERE company_id = ${companyId}) AS last`),
  );
}

export type ScaleResults = {
  startedAt: string;
  command: string;
  /** git HEAD the run started from */
  commit: string;
  /** the scratch database (kept with --keep; --reuse names it) */
  database?: string;
  /** with --results: the run whose figures were carried over (sections this run did not re-run) */
  earlier?: { startedAt?: string; command?: string; commit?: string; loadAverage?: Record<string, number[]> };
  machine: { nproc: number; cpu: string; memoryGiB: number; node: string; postgres: string };
  loadAverage: Record<string, number[]>;
  size?: z.infer<typeof countsRow>;
  ingest?: IngestReport;
  attribution?: AttributionReport;
  rollups?: RollupReport;
  scanSeconds?: number;
  dashboards?: Awaited<ReturnType<typeof timeDashboards>>;
  freshness?: FreshnessReport;
  disk?: DiskReport;
  rss?: RssReport[];
};

async function secrets(): Promise<{ appDbPassword?: string; ipHashSecret?: string }> {
  const file = path.join(path.resolve(process.env.LUX_DATA_DIR ?? path.join(ROOT, '.lux')), 'secrets.json');
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { appDbPassword?: string; ipHashSecret?: string }) : {};
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * What is measured so far, written after each section: a long run stopped half-way still leaves its
 * figures (bench/results/scale-partial-<database>.raw.json, one per scratch database, the --results input
 * of a later --reuse run on that database).
 */
function checkpoint(results: Partial<ScaleResults>): void {
  const file = path.join(ROOT, 'bench', 'results', `scale-partial-${results.database ?? 'existing'}.raw.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

const ALL_SECTIONS = [1, 2, 3, 4, 5, 6, 7] as const;

/** `--sections 3,4`: which sections to run (default every one; with --reuse every one but the ingest). */
export function parseSections(value: string | undefined, reuse: boolean): Set<number> {
  if (value === undefined) return new Set(ALL_SECTIONS.filter((s) => !reuse || s !== 1));
  const sections = new Set(value.split(',').map((part) => Number(part.trim())));
  for (const s of sections) if (!ALL_SECTIONS.includes(s as (typeof ALL_SECTIONS)[number])) throw new Error(`--sections takes numbers 1–7 separated by commas, got ${value}`);
  if (reuse && sections.has(1)) throw new Error('--reuse: section 1 (ingest) needs a new database; leave out --reuse to load a history');
  return sections;
}

/**
 * The figures of an earlier run on the same database (`--results <raw.json>`, e.g. the kept run's
 * scale-partial-<database>.raw.json), so a --reuse run that re-times some sections reports every section: what it
 * re-runs replaces the earlier figure, the rest is carried over (each with the load average of its run).
 */
async function earlierResults(file: string): Promise<Partial<ScaleResults>> {
  const parsed = z.object({ startedAt: z.string(), command: z.string() }).passthrough().parse(JSON.parse(await readFile(file, 'utf8')));
  return parsed;
}

/**
 * Sections 1–7 on a generated history in a scratch database: a new one, or with `--reuse lux_bench_<pid>`
 * the database a `--keep` run left, whose history is already loaded (a failure after the ~1 h ingest of
 * --full then costs only the sections that failed).
 */
async function runGenerated(sessions: number | undefined, sections: Set<number>, results: Partial<ScaleResults>): Promise<void> {
  const days = Number(args.days);
  const postgres = await resolvePostgres({ embeddedDataDir: path.join(ROOT, '.lux', 'bench-postgres'), log });
  const reuse = args.reuse;
  if (reuse) log(`reusing ${reuse} (kept by an earlier run; not dropped at the end)…`);
  else log(`creating and migrating lux_bench_${process.pid}…`);
  const db = reuse ? await openBenchDatabase(postgres.adminUrl, reuse) : await createBenchDatabase(postgres.adminUrl);
  results.database = db.name;
  const app = await createDatabasePool(db.appUrl, { maximumPoolSize: 4, statementTimeoutMs: 3_600_000 });
  const ipHashSecret = 'scale-bench-ip-hash-secret-0123456789abcdef';
  const stops: Array<() => Promise<void>> = [];
  const section = (n: number, title: string): boolean => {
    if (sections.has(n)) log(title);
    return sections.has(n);
  };
  try {
    const company = reuse ? await findBenchCompany(db, 'scale') : await createBenchCompany(db, 'scale');
    results.loadAverage = { ...results.loadAverage, atStart: loadAverage() };
    let lastDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    let baselineTable: string | null = null;
    if (sessions !== undefined && section(1, `1. ingest: ~${sessions.toLocaleString('en')} sessions through COPY + ingest_event_batch, beside a plain COPY…`)) {
      const sessionsPerDay = Math.max(10, Math.round(sessions / days / SCALE_PROFILE.sessionsPerBaseDay));
      const generator = { seed: Number(args.seed), days, lastDay, sessionsPerDay, browsePages: SCALE_PROFILE.browsePages, extraIntent: SCALE_PROFILE.extraIntent };
      log(`   ${sessionsPerDay} sessions a base day, ${days} days to ${lastDay}`);
      const ingest = await loadHistoryByCopy({ ownerUrl: db.ownerUrl, ownerPool: db.ownerPool, companyId: company.companyId, ipHashSecret, generator, log });
      results.ingest = ingest;
      baselineTable = BASELINE_TABLE;
      results.loadAverage.afterIngest = loadAverage();
      checkpoint(results);
      log(`   ${ingest.events.toLocaleString('en')} events: bulk path ${ingest.bulkPathSeconds.toFixed(1)} s vs plain COPY ${ingest.baselineCopySeconds.toFixed(1)} s; wall ${ingest.wallSeconds.toFixed(1)} s`);
    }

    if (section(6, '6. disk (after VACUUM ANALYZE)…')) {
      for (const table of ['raw_events', 'sessions', 'orders', 'identity_links', 'message_sends', 'message_events', 'ad_spend', ...(baselineTable ? [baselineTable] : [])]) {
        await db.ownerPool.query(sql.unsafe`VACUUM (ANALYZE) ${sql.identifier([table])}`);
      }
      const rawJsonBytesPerEvent = results.ingest ? results.ingest.rawJsonBytes / Math.max(1, results.ingest.events) : null;
      const disk = await measureDisk(db.ownerPool, rawJsonBytesPerEvent, baselineTable);
      // a reused database no longer has the baseline table: keep the figure its own run measured
      results.disk = { ...disk, baselineBytesPerRow: disk.baselineBytesPerRow ?? results.disk?.baselineBytesPerRow ?? null };
      results.loadAverage.afterDisk = loadAverage();
    }
    if (baselineTable) await db.ownerPool.query(sql.unsafe`DROP TABLE ${sql.identifier([baselineTable])}`);
    // a reused history ends where it was generated to: the earlier run's last day (its freshness section
    // has since added an event of its own day), else the last day with events
    const generatedLast = results.size?.last;
    results.size = await companySize(db.ownerPool, company.companyId);
    if (reuse) lastDay = generatedLast ?? results.size.last ?? lastDay;
    const first = results.size.first ?? lastDay;
    checkpoint(results);

    const temporal = [2, 3, 5].some((n) => sections.has(n)) ? await startBenchTemporal(app, log) : undefined;
    if (temporal) stops.push(temporal.stop);
    if (temporal && section(2, '2. attribution backfill through Temporal…')) {
      const to = new Date(Date.parse(`${lastDay}T00:00:00Z`) + 2 * 86_400_000).toISOString();
      const from = new Date(Date.parse(`${lastDay}T00:00:00Z`) - days * 86_400_000).toISOString();
      results.attribution = await attributeHistory(temporal, app, company.companyId, { from, to });
      results.loadAverage.afterAttribution = loadAverage();
      checkpoint(results);
      log(`   ${results.attribution.orders.toLocaleString('en')} orders: ${results.attribution.ordersPerSecond.toLocaleString('en')} orders/s vs read ${results.attribution.baseline.ordersPerSecond.toLocaleString('en')} orders/s`);
    }

    if (temporal && section(3, '3. rollups of every day (rollupBackfill: core, messages, creatives) beside a scan…')) {
      results.rollups = await rollupHistory(temporal, db.ownerPool, company.companyId, TIME_ZONE, first, lastDay);
      results.loadAverage.afterRollups = loadAverage();
      checkpoint(results);
      log(`   ${results.rollups.seconds.toFixed(1)} s vs scan ${results.rollups.scan.fastestSeconds.toFixed(2)} s = ${results.rollups.ratio}×`);
    }

    if (section(4, '4. dashboard questions…')) {
      // the baseline: the rollups section's scan of the same rows, or (without it) a scan of our own
      if (sections.has(3) && results.rollups) results.scanSeconds = results.rollups.scan.fastestSeconds;
      else {
        await scanDays(db.ownerPool, company.companyId, TIME_ZONE, first, lastDay); // warm the cache
        results.scanSeconds = (await scanDays(db.ownerPool, company.companyId, TIME_ZONE, first, lastDay)).seconds;
      }
      results.dashboards = await timeDashboards(app, company.companyId, { date_from: first, date_to: lastDay }, Number(args.repeats));
      results.loadAverage.afterDashboards = loadAverage();
      checkpoint(results);
      const slow = results.dashboards.filter((q) => !q.ok).map((q) => `${q.question} ${q.max.toFixed(0)} ms`);
      log(`   ${results.dashboards.length - slow.length} of ${results.dashboards.length} ≤ 200 ms${slow.length ? `; over: ${slow.join(', ')}` : ''}`);
    }

    if (temporal && section(5, '5. freshness: POST /e → rollup of today → question…')) {
      results.freshness = await measureFreshness({ temporal, appPool: app, ownerUrl: db.ownerUrl, appUrl: db.appUrl, ipHashSecret, companyId: company.companyId, siteKey: company.siteKey, timeZone: TIME_ZONE });
      checkpoint(results);
    }

    if (section(7, '7. collector RSS under load beside a bare http server…')) {
      const rssCompany = await createBenchCompany(db, 'rss');
      results.loadAverage.beforeRss = loadAverage();
      results.rss = await measureCollectorRss({ ownerUrl: db.ownerUrl, appUrl: db.appUrl, ipHashSecret, siteKey: rssCompany.siteKey, connections: Number(args['rss-connections']), warmupSeconds: 2, durationSeconds: Number(args['rss-seconds']) });
    }
    results.loadAverage.atEnd = loadAverage();
    results.machine = { ...(results.machine as ScaleResults['machine']), postgres: await postgresVersion(db) };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
    await app.end().catch(() => undefined);
    if (args.keep || reuse) {
      await db.ownerPool.end().catch(() => undefined);
      log(`kept database ${db.name} (drop it with: dropdb -h 127.0.0.1 -U postgres ${db.name})`);
    } else await db.drop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
  }
}

/** Sections 4 and 6 on an existing company (the demo company by default). */
async function runExisting(results: Partial<ScaleResults>): Promise<void> {
  const local = await secrets();
  const ownerUrl = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${process.env.LUX_DATABASE_NAME ?? 'lux'}`;
  const owner = await createDatabasePool(ownerUrl, { maximumPoolSize: 2 });
  const app = await createDatabasePool(process.env.APP_DATABASE_URL ?? deriveAppDatabaseUrl(ownerUrl, local.appDbPassword ?? ''), { maximumPoolSize: 2 });
  try {
    const companyId =
      args.company ?? (await owner.oneFirst(sql.type(z.object({ company_id: z.string() }))`SELECT company_id FROM companies WHERE settings ->> 'demo' = 'true' ORDER BY created_at LIMIT 1`));
    results.loadAverage = { atStart: loadAverage() };
    results.size = await companySize(owner, companyId);
    const first = results.size.first ?? localDay(TIME_ZONE);
    const last = results.size.last ?? first;
    const scans: number[] = [];
    for (let i = 0; i <= Number(args.repeats); i += 1) scans.push((await scanDays(owner, companyId, TIME_ZONE, first, last)).seconds);
    results.scanSeconds = percentile(scans.slice(1), 50);
    results.dashboards = await timeDashboards(app, companyId, { date_from: first, date_to: last }, Number(args.repeats));
    results.disk = await measureDisk(owner, null, null);
    results.machine = { ...(results.machine as ScaleResults['machine']), postgres: 'PostgreSQL (lux database)' };
    results.loadAverage.atEnd = loadAverage();
  } finally {
    await app.end();
    await owner.end();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const command = `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim();
  const earlier = args.results ? await earlierResults(args.results) : {};
  const results: Partial<ScaleResults> = {
    ...earlier,
    ...(args.results ? { earlier: { startedAt: earlier.startedAt, command: earlier.command, commit: earlier.commit, loadAverage: earlier.loadAverage } } : {}),
    startedAt: startedAt.toISOString(),
    command,
    commit: gitHead(),
    loadAverage: {},
    machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: '' },
  };
  const sessions = args.full ? 1_000_000 : args.sessions !== undefined ? Number(args.sessions) : undefined;
  if (sessions !== undefined && (!Number.isInteger(sessions) || sessions < 100)) throw new Error(`--sessions must be a whole number ≥ 100, got ${String(args.sessions)}`);
  if (args.reuse && sessions !== undefined) throw new Error('--reuse runs on the history already loaded: leave out --full/--sessions');
  if (sessions !== undefined || args.reuse) await runGenerated(sessions, parseSections(args.sections, Boolean(args.reuse)), results);
  else await runExisting(results);

  const complete = results as ScaleResults;
  process.stdout.write(`${renderReport(complete)}\n`);
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  for (const name of [`scale-${stamp}.raw.json`, 'scale-latest.raw.json']) await writeFile(path.join(dir, name), `${JSON.stringify(complete, null, 2)}\n`);
  log(`raw figures: bench/results/scale-${stamp}.raw.json`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
