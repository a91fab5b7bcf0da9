// bench/attribution: backfill throughput (orders/s) over ≥ 100k orders and ≥ 1M sessions, and the
// latency from an order upsert to its attribution being stored through Temporal (p50/p99).
// `npm run bench:attribution [-- --orders 100000 --sessions-per-order 10 --batch-size 2000 --lanes 4 --latency-samples 200]`
//
// Everything real: a scratch database lux_bench_<pid> migrated with scripts/migrate.ts (dropped at the
// end), a Temporal dev server of its own (in memory), the lux worker built by createLuxWorker with a
// lux_app pool (RLS on), and the same workflows and activities production runs. Data is generated in
// Postgres with INSERT … SELECT generate_series. Never part of the test run.
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { createLogger } from '../../lib/logger';
import { freePort } from '../../scripts/lib/free-port';
import { resolvePostgres } from '../../scripts/lib/postgres';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';
import { startTemporalDevServer } from '../../scripts/lib/temporal-server';
import { createLuxWorker } from '../../workers/create-worker';
import { startAttributeOrdersWorkflow, startAttributeOrderWorkflow } from '../../workers/start-attribution';
import { attributionBackfillProgressQuery } from '../../workflows/attribute-orders';
import { createBenchCompany, createBenchDatabase, postgresVersion } from '../collector/bench-database';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    'sessions-per-order': { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '2000' },
    lanes: { type: 'string', default: '4' },
    'latency-samples': { type: 'string', default: '200' },
    'pool-size': { type: 'string', default: '4' },
  },
});
const ORDERS = Number(args.orders);
const SESSIONS_PER_ORDER = Number(args['sessions-per-order']);
const BATCH_SIZE = Number(args['batch-size']);
const LANES = Number(args.lanes);
const SAMPLES = Number(args['latency-samples']);
const log = (message: string): void => void process.stderr.write(`[bench:attribution] ${message}\n`);
const ROOT = path.resolve(__dirname, '..', '..');
const TASK_QUEUE = 'bench-attribution';
const ORDER_CHUNK = 2000;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

async function generate(pool: Awaited<ReturnType<typeof createDatabasePool>>, companyId: string): Promise<{ sessions: number; orders: number; links: number; seconds: number }> {
  // one connection without the pool's statement timeout: on a busy machine generating 1M sessions took > 60 s
  return pool.connect(async (ownerPool) => {
    await ownerPool.query(sql.unsafe`SET statement_timeout = 0`);
    const t0 = performance.now();
    const sessions = ORDERS * SESSIONS_PER_ORDER;
    // Customers 1..ORDERS, one order each over 30 days. Each has a desktop visitor (d<k>); every 4th also a
    // phone (p<k>) linked by user id, every 8th an email-linked visitor (e<k>). Sessions are spread over
    // the 40 days before each customer's order (so some fall outside the 30-day window), over ~9 channels.
    await ownerPool.query(sql.unsafe`
      INSERT INTO identity_links (company_id, visitor_id, user_id, email_hash, first_seen_at, last_seen_at)
      SELECT ${companyId}::uuid, 'p' || k, 'u' || k, '', now(), now() FROM generate_series(4, ${ORDERS}, 4) AS k
      UNION ALL
      SELECT ${companyId}::uuid, 'e' || k, '', md5(k::text) || md5(k::text), now(), now() FROM generate_series(8, ${ORDERS}, 8) AS k`);
    await ownerPool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, referrer_host)
      SELECT ${companyId}::uuid, 's' || i, v.visitor, t.started, t.started + interval '5 minutes', c.channel, 'bench', c.src, c.med, c.camp, c.host
      FROM generate_series(1, ${sessions}) AS i
      CROSS JOIN LATERAL (SELECT 1 + (i % ${ORDERS}) AS k, (i / ${ORDERS}) AS n) AS g
      CROSS JOIN LATERAL (SELECT CASE WHEN g.k % 4 = 0 AND g.n % 3 = 1 THEN 'p' || g.k WHEN g.k % 8 = 0 AND g.n % 5 = 2 THEN 'e' || g.k ELSE 'd' || g.k END AS visitor) AS v
      CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01T00:00:00Z' + (g.k::bigint * 30 * 86400 / ${ORDERS}) * interval '1 second'
                            - ((hashint4(i) & 1023) * 3375) * interval '1 second' AS started) AS t -- up to 40 days before the order
      CROSS JOIN LATERAL (SELECT (ARRAY['Direct','Paid Search','Organic Search','Email','Paid Social','Referral','Direct','Organic Social','Display'])[1 + (hashint4(i + 7) & 7)] AS channel) AS ch
      CROSS JOIN LATERAL (SELECT ch.channel,
        CASE ch.channel WHEN 'Paid Search' THEN 'google' WHEN 'Email' THEN 'newsletter' WHEN 'Paid Social' THEN 'facebook' WHEN 'Display' THEN 'dv360' END AS src,
        CASE ch.channel WHEN 'Paid Search' THEN 'cpc' WHEN 'Email' THEN 'email' WHEN 'Paid Social' THEN 'paid_social' WHEN 'Display' THEN 'display' END AS med,
        CASE WHEN ch.channel IN ('Paid Search', 'Email', 'Paid Social', 'Display') THEN 'c' || (i % 50) END AS camp,
        CASE ch.channel WHEN 'Organic Search' THEN 'www.google.com' WHEN 'Referral' THEN 'blog.example.org' WHEN 'Organic Social' THEN 'instagram.com' END AS host) AS c`);
    // In chunks of 2,000, as imports write pages: the orders triggers of migration 0018 then refresh a
    // bounded set of customers per statement.
    for (let from = 1; from <= ORDERS; from += ORDER_CHUNK) {
      await ownerPool.query(sql.unsafe`
        INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at,
          visitor_id, user_id, email_hash)
        SELECT ${companyId}::uuid, 'woocommerce', k::text, k::text, k::text, 'paid', 'processing', 'EUR', 1000 + (hashint4(k) & 65535),
          timestamptz '2026-01-01T00:00:00Z' + (k::bigint * 30 * 86400 / ${ORDERS}) * interval '1 second',
          'd' || k, CASE WHEN k % 4 = 0 THEN 'u' || k END, CASE WHEN k % 8 = 0 THEN md5(k::text) || md5(k::text) END
        FROM generate_series(${from}::int, ${Math.min(ORDERS, from + ORDER_CHUNK - 1)}::int) AS k`);
    }
    await ownerPool.query(sql.unsafe`VACUUM ANALYZE sessions`);
    await ownerPool.query(sql.unsafe`VACUUM ANALYZE orders`);
    await ownerPool.query(sql.unsafe`VACUUM ANALYZE identity_links`);
    await ownerPool.query(sql.unsafe`CHECKPOINT`);
    const links = Math.floor(ORDERS / 4) + Math.floor(ORDERS / 8);
    await ownerPool.query(sql.unsafe`RESET statement_timeout`);
    return { sessions, orders: ORDERS, links, seconds: (performance.now() - t0) / 1000 };
  });
}

/**
 * Baselines measured in the same run as the backfill, so the figure can be read on a loaded machine: a
 * sequential read of the inputs (the company's sessions, orders and identity links, every column the
 * backfill reads) and a plain copy of the rows the backfill stored (INSERT … SELECT into tables LIKE
 * order_attribution and attribution_paths, with their primary keys and checks), no computation at all.
 */
async function measureBaseline(ownerPool: Awaited<ReturnType<typeof createDatabasePool>>, companyId: string): Promise<{ scanSeconds: number; copySeconds: number; copiedRows: number }> {
  const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));
  const t0 = performance.now();
  await ownerPool.query(sql.unsafe`
    SELECT (SELECT count(*) FROM sessions WHERE company_id = ${companyId} AND (session_id, visitor_id, started_at, channel, utm_source, utm_medium, utm_campaign, referrer_host) IS NOT NULL),
           (SELECT count(*) FROM orders WHERE company_id = ${companyId} AND (source, external_id, created_at, updated_at, total_minor, currency, visitor_id, user_id, email_hash) IS NOT NULL),
           (SELECT count(*) FROM identity_links WHERE company_id = ${companyId} AND (visitor_id, user_id, email_hash) IS NOT NULL)`);
  const scanSeconds = seconds(t0);
  await ownerPool.query(sql.unsafe`CREATE TABLE bench_copy_attribution (LIKE order_attribution INCLUDING ALL)`);
  await ownerPool.query(sql.unsafe`CREATE TABLE bench_copy_paths (LIKE attribution_paths INCLUDING ALL)`);
  try {
    const t1 = performance.now();
    const a = await ownerPool.query(sql.unsafe`INSERT INTO bench_copy_attribution SELECT * FROM order_attribution WHERE company_id = ${companyId}`);
    const p = await ownerPool.query(sql.unsafe`INSERT INTO bench_copy_paths SELECT * FROM attribution_paths WHERE company_id = ${companyId}`);
    return { scanSeconds, copySeconds: seconds(t1), copiedRows: a.rowCount + p.rowCount };
  } finally {
    await ownerPool.query(sql.unsafe`DROP TABLE bench_copy_attribution, bench_copy_paths`);
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const postgres = await resolvePostgres({ embeddedDataDir: path.join(ROOT, '.lux', 'bench-postgres'), log });
  log(`creating and migrating lux_bench_${process.pid}…`);
  const db = await createBenchDatabase(postgres.adminUrl);
  const cli = await findOrInstallTemporalCli({ log });
  const temporal = await startTemporalDevServer({ cliPath: cli.path, port: await freePort() });
  const appPool = await createDatabasePool(db.appUrl, { maximumPoolSize: Number(args['pool-size']), statementTimeoutMs: 300_000 });
  const cleanup = async (): Promise<void> => {
    await appPool.end().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
  };
  process.once('SIGINT', () => {
    log('interrupted; cleaning up');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    const loadAverageAtStart = os.loadavg().map((n) => Number(n.toFixed(2)));
    const { companyId } = await createBenchCompany(db, 'attribution');
    log(`generating ${ORDERS} orders and ${ORDERS * SESSIONS_PER_ORDER} sessions…`);
    const generated = await generate(db.ownerPool, companyId);
    log(`generated in ${generated.seconds.toFixed(1)} s`);

    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createLuxWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, appPool, logger: createLogger('bench-worker', 'warn') });
    const running = worker.run();
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });

    // section: backfill throughput
    log(`backfill: batch ${BATCH_SIZE}, ${LANES} lane(s)…`);
    const t0 = performance.now();
    const handle = await startAttributeOrdersWorkflow(client, { companyId, from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', batchSize: BATCH_SIZE, lanes: LANES }, TASK_QUEUE);
    const ticker = setInterval(() => {
      handle.query(attributionBackfillProgressQuery).then(
        (p) => log(`  … ${p.ordersRead} orders, ${p.touchesWritten} touches, ${p.batches} batches`),
        () => undefined,
      );
    }, 5000);
    const backfill = await handle.result();
    clearInterval(ticker);
    const backfillSeconds = (performance.now() - t0) / 1000;
    const stored = await db.ownerPool.one(sql.type(z.object({ orders: z.coerce.number(), touches: z.coerce.number(), attributed: z.coerce.number() }))`
      SELECT (SELECT count(*) FROM order_attribution) AS orders, (SELECT count(*) FROM attribution_touches) AS touches,
             (SELECT count(*) FROM order_attribution WHERE first_touch_session_id IS NOT NULL) AS attributed`);
    log(`backfill: ${backfill.ordersRead} orders in ${backfillSeconds.toFixed(2)} s = ${(backfill.ordersRead / backfillSeconds).toFixed(0)} orders/s`);
    const baseline = await measureBaseline(db.ownerPool, companyId);
    log(`baseline: scan of the inputs ${baseline.scanSeconds} s, plain copy of the stored rows ${baseline.copySeconds} s`);

    // a second run over the same data: reads and computes everything, writes nothing
    const t1 = performance.now();
    const rerun = await (await startAttributeOrdersWorkflow(client, { companyId, from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', batchSize: BATCH_SIZE, lanes: LANES }, TASK_QUEUE)).result();
    const rerunSeconds = (performance.now() - t1) / 1000;
    log(`re-run (nothing to write): ${(rerun.ordersRead / rerunSeconds).toFixed(0)} orders/s, ${rerun.ordersWritten} written`);

    // section: order upsert → attribution stored, through Temporal
    log(`latency: ${SAMPLES} orders, one at a time…`);
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const k = 1 + ((i * 7919) % ORDERS);
      const externalId = `live-${i}`;
      const start = performance.now();
      await withTenant(appPool, companyId, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, visitor_id)
          VALUES (${companyId}, 'woocommerce', ${externalId}, ${externalId}, ${externalId}, 'paid', 'processing', 'EUR', 4990,
            timestamptz '2026-01-01T00:00:00Z' + (${k}::bigint * 30 * 86400 / ${ORDERS}) * interval '1 second', ${`d${k}`})
          ON CONFLICT (company_id, source, external_id) DO UPDATE SET total_minor = EXCLUDED.total_minor, updated_at = now()`),
      );
      const run = await startAttributeOrderWorkflow(client, { companyId, source: 'woocommerce', externalId }, TASK_QUEUE);
      await run.result();
      latencies.push(performance.now() - start);
    }
    const check = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM order_attribution WHERE external_id LIKE 'live-%'`);
    latencies.sort((a, b) => a - b);

    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();

    const report = {
      startedAt: new Date().toISOString(),
      machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, postgres: await postgresVersion(db), loadAverageAtStart },
      data: { ...generated, touchesStored: stored.touches, ordersStored: stored.orders, ordersWithFirstTouch: stored.attributed },
      backfill: { batchSize: BATCH_SIZE, lanes: LANES, poolSize: Number(args['pool-size']), seconds: Number(backfillSeconds.toFixed(2)), ordersPerSecond: Math.round(backfill.ordersRead / backfillSeconds), result: backfill },
      // the same machine, same moment: what Postgres alone needs to read the inputs once, and to write the
      // backfill's result rows (order_attribution + attribution_paths) as plain INSERT … SELECT copies
      baseline: { ...baseline, backfillOverScan: Number((backfillSeconds / baseline.scanSeconds).toFixed(2)), backfillOverCopy: Number((backfillSeconds / baseline.copySeconds).toFixed(2)) },
      rerun: { seconds: Number(rerunSeconds.toFixed(2)), ordersPerSecond: Math.round(rerun.ordersRead / rerunSeconds), ordersWritten: rerun.ordersWritten },
      latency: { samples: latencies.length, stored: check, p50Ms: Number(percentile(latencies, 50).toFixed(1)), p99Ms: Number(percentile(latencies, 99).toFixed(1)), maxMs: Number((latencies.at(-1) ?? NaN).toFixed(1)) },
      target: { backfillOrdersPerSecond: 10_000, met: backfill.ordersRead / backfillSeconds >= 10_000 },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:attribution failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
