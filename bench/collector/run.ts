// `npm run bench:collector`: our collector vs two baselines and Postgres COPY, side by side in one run.
//   /e       collector  vs  bare Node http (no DB)  vs  naive http + one INSERT per request
//   /e/batch collector  vs  COPY of the same rows
// Each server runs in its own process; autocannon runs here. Everything is bounded in time, on a
// throwaway database lux_bench_<pid>. Results: the table on stdout, raw numbers in
// bench/results/collector-latest.raw.json (gitignored), figures and the reading in docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { GroupCommitOptions } from '../../collector/ingest/group-commit';
import { LIMITS } from '../../lib/ingest/event-schema';
import { checkDurability, createBenchCompany, createBenchDatabase, postgresVersion, type BenchDatabase } from './bench-database';
import { runCopyLoad } from './copy-load';
import { runLoad, type LoadOptions } from './load';
import { batchBody, singleEventBody } from './payloads';
import { evaluateTargets, renderTable, type Measured, type RunResults } from './report';
import { startServer, type ServerProcess } from './server-process';

const { values: args } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'batch-connections': { type: 'string', default: '10' },
    'pool-size': { type: 'string', default: '10' },
    'max-wait-ms': { type: 'string' },
    'max-batch-rows': { type: 'string' },
    'max-concurrent-flushes': { type: 'string' },
  },
});

/** A typo in a flag must stop the run, not become NaN seconds or NaN connections. */
function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

const settings = {
  durationSeconds: positive('duration', args.duration),
  warmupSeconds: positive('warmup', args.warmup),
  connections: positive('connections', args.connections),
  batchConnections: positive('batch-connections', args['batch-connections']),
  batchEvents: LIMITS.batchEvents,
  /** The collector's pool and the naive handler's pool: the same size, as the comparison requires. */
  poolSize: positive('pool-size', args['pool-size']),
  /** Only what is given is passed; the rest are the collector's defaults (collector/ingest/group-commit.ts). */
  groupCommit: Object.fromEntries(
    [
      ['maxWaitMs', args['max-wait-ms']],
      ['maxBatchRows', args['max-batch-rows']],
      ['maxConcurrentFlushes', args['max-concurrent-flushes']],
    ]
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => [key, positive(key, value)]),
  ) as GroupCommitOptions,
};

const running = new Set<ServerProcess>();

async function withServer<T>(file: string, env: Record<string, string>, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(file, env);
  running.add(server);
  try {
    return await work(server);
  } finally {
    running.delete(server);
    await server.stop();
  }
}

/** Each database scenario starts with no dirty buffers left over from the one before it. */
async function checkpoint(db: BenchDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  await client.query('CHECKPOINT').finally(() => client.end());
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function strip({ acknowledgedIds: _ids, ...rest }: Awaited<ReturnType<typeof runLoad>>): Measured {
  return rest;
}

async function measureHttp(
  db: BenchDatabase | undefined,
  companyId: string | undefined,
  options: Omit<LoadOptions, 'warmupSeconds' | 'durationSeconds'>,
): Promise<Measured> {
  log(`→ ${options.title}: ${settings.warmupSeconds}s warm-up + ${settings.durationSeconds}s, ${options.connections} connections`);
  const result = await runLoad({ ...options, warmupSeconds: settings.warmupSeconds, durationSeconds: settings.durationSeconds });
  const measured = strip(result);
  if (db && companyId) measured.durability = await checkDurability(db, companyId, result.acknowledgedIds);
  return measured;
}

async function runAll(db: BenchDatabase): Promise<RunResults> {
  const collectorEnv = { BENCH_APP_URL: db.appUrl, BENCH_POOL_SIZE: String(settings.poolSize), BENCH_GROUP_COMMIT: JSON.stringify(settings.groupCommit) };
  const single = { path: '/e', connections: settings.connections, makeBody: singleEventBody, eventsPerRequest: 1 };

  const bare = await withServer('bare-server.ts', {}, (server) => measureHttp(undefined, undefined, { ...single, title: 'bare', url: server.url }));

  const collectorSingle = await (async () => {
    const company = await createBenchCompany(db, 'collector /e');
    await checkpoint(db);
    return withServer('collector-server.ts', collectorEnv, (server) =>
      measureHttp(db, company.companyId, { ...single, title: 'collector /e', url: server.url, headers: { 'x-lux-site-key': company.siteKey } }),
    );
  })();

  const naive = await (async () => {
    const company = await createBenchCompany(db, 'naive');
    await checkpoint(db);
    const env = { BENCH_OWNER_URL: db.ownerUrl, BENCH_POOL_SIZE: String(settings.poolSize), BENCH_COMPANY_ID: company.companyId };
    return withServer('naive-server.ts', env, (server) => measureHttp(db, company.companyId, { ...single, title: 'naive', url: server.url }));
  })();

  const collectorBatch = await (async () => {
    const company = await createBenchCompany(db, 'collector /e/batch');
    await checkpoint(db);
    return withServer('collector-server.ts', collectorEnv, (server) =>
      measureHttp(db, company.companyId, {
        title: 'collector /e/batch',
        url: server.url,
        path: '/e/batch',
        connections: settings.batchConnections,
        makeBody: () => batchBody(settings.batchEvents),
        eventsPerRequest: settings.batchEvents,
        headers: { 'x-lux-site-key': company.siteKey },
      }),
    );
  })();

  const copy = await (async () => {
    const company = await createBenchCompany(db, 'copy');
    await checkpoint(db);
    log(`→ COPY: ${settings.warmupSeconds}s warm-up + ${settings.durationSeconds}s, ${settings.batchEvents} rows per statement`);
    return runCopyLoad({ ownerUrl: db.ownerUrl, companyId: company.companyId, batchRows: settings.batchEvents, warmupSeconds: settings.warmupSeconds, durationSeconds: settings.durationSeconds });
  })();

  return { bare, collectorSingle, naive, collectorBatch, copy };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  log(`creating and migrating lux_bench_${process.pid}…`);
  const db = await createBenchDatabase(args['admin-url']);
  const cleanup = async (): Promise<void> => {
    await Promise.all([...running].map((server) => server.stop()));
    await db.drop();
  };
  // Ctrl-C: stop the servers and drop the database rather than leaving them behind.
  process.once('SIGINT', () => {
    log('interrupted; cleaning up');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    const machine = {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: await postgresVersion(db),
      // Other work on the machine skews every figure; the load average says how quiet it was.
      loadAverageAtStart: os.loadavg().map((n) => Number(n.toFixed(2))),
    };
    const results = await runAll(db);
    const targets = evaluateTargets(results);
    const table = renderTable(results, targets);
    process.stdout.write(`\nCollector benchmark, ${startedAt.toISOString()}\n`);
    process.stdout.write(`machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.os}, Node ${machine.node}, ${machine.postgres}, load ${machine.loadAverageAtStart.join(' ')}\n`);
    process.stdout.write(`settings: ${JSON.stringify(settings)}\n\n${table}\n`);

    const raw = { startedAt: startedAt.toISOString(), command: `npx tsx bench/collector/run.ts ${process.argv.slice(2).join(' ')}`.trim(), machine, settings, results, targets };
    const dir = path.resolve(__dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    for (const name of [`collector-${stamp}.raw.json`, 'collector-latest.raw.json']) writeFileSync(path.join(dir, name), `${JSON.stringify(raw, null, 2)}\n`);
    log(`raw numbers: bench/results/collector-${stamp}.raw.json (and collector-latest.raw.json)`);
  } finally {
    await cleanup();
    log(`dropped ${db.name}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`collector benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
