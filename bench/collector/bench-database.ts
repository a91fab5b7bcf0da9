// The benchmark's own database, lux_bench_<pid>: created and migrated at the start, dropped at the end
// (also after a failure), so a run leaves nothing behind and never touches a developer's data.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { createCompany } from '../../lib/companies/create-company';
import { deriveAppDatabaseUrl } from '../../lib/config';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { databaseUrl } from '../../scripts/lib/postgres';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

export type BenchDatabase = {
  name: string;
  ownerUrl: string;
  appUrl: string;
  ownerPool: DatabasePool;
  drop: () => Promise<void>;
};

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `lux_bench_${process.pid}`;
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const ownerUrl = databaseUrl(adminUrl, name);
  const drop = async (): Promise<void> => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    // Migrate exactly as deployments do (scripts/migrate.ts), not with a bench-only shortcut.
    await run(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/migrate.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: ownerUrl },
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return connectBenchDatabase(name, ownerUrl, drop);
}

/** The owner pool and URLs of an existing bench database; `drop` ends the pool, then drops the database. */
async function connectBenchDatabase(name: string, ownerUrl: string, dropDatabase: () => Promise<void>): Promise<BenchDatabase> {
  const ownerPool = await createDatabasePool(ownerUrl, { maximumPoolSize: 2 });
  return {
    name,
    ownerUrl,
    appUrl: deriveAppDatabaseUrl(ownerUrl),
    ownerPool,
    drop: async () => {
      await ownerPool.end();
      await dropDatabase();
    },
  };
}

/**
 * A scratch database an earlier run kept (`--keep`), opened again (bench:scale `--reuse`), so the sections
 * after a long ingest can be re-run without loading the history again. Only lux_bench_<pid> names: this
 * never opens a developer's database. Its `drop` drops it, as for a new one.
 */
export async function openBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^lux_bench_\d+$/.test(name)) throw new Error(`not a bench database name (lux_bench_<pid>): ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) throw new Error(`database ${name} does not exist`);
  } finally {
    await client.end();
  }
  return connectBenchDatabase(name, databaseUrl(adminUrl, name), () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** One company per scenario, so each scenario's rows can be counted on their own. */
export async function createBenchCompany(db: BenchDatabase, scenario: string): Promise<{ companyId: string; siteKey: string }> {
  const { companyId, siteKey } = await createCompany(db.ownerPool, { name: `bench ${scenario}`, timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' });
  return { companyId, siteKey };
}

const benchCompanyRow = z.object({ company_id: z.string().uuid(), site_key: z.string() });

/** The company createBenchCompany made for `scenario` in a kept database (the first, if several). */
export async function findBenchCompany(db: BenchDatabase, scenario: string): Promise<{ companyId: string; siteKey: string }> {
  const row = await db.ownerPool.maybeOne(sql.type(benchCompanyRow)`
    SELECT c.company_id, k.site_key FROM companies c JOIN site_keys k USING (company_id)
    WHERE c.name = ${`bench ${scenario}`} ORDER BY c.created_at, k.site_key LIMIT 1`);
  if (!row) throw new Error(`no company "bench ${scenario}" in ${db.name}`);
  return { companyId: row.company_id, siteKey: row.site_key };
}

export type Durability = {
  /** Rows of the scenario's company in raw_events once the server went quiet. */
  rows: number;
  /** Events whose request got a 2xx (warm-up included). */
  acknowledged: number;
  /** Of those, how many are in raw_events. Must equal `acknowledged`: a 2xx means committed. */
  acknowledgedAndStored: number;
  /** rows − acknowledged: committed, but the response never arrived because the run stopped first. */
  storedWithoutAnswer: number;
  ok: boolean;
};

/**
 * Checks "a 2xx means committed" event by event: every acknowledged event_id must be in raw_events.
 * Row count and 2xx count differ by the requests still in flight when autocannon stopped (the server
 * commits them, but nobody reads the answer), so the check is by id, and the difference is reported.
 */
export async function checkDurability(db: BenchDatabase, companyId: string, acknowledgedIds: string[]): Promise<Durability> {
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  try {
    const rows = await settledRowCount(client, companyId);
    const { rows: found } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM raw_events WHERE company_id = $1 AND event_id = ANY($2::uuid[])`,
      [companyId, acknowledgedIds],
    );
    const acknowledgedAndStored = Number(found[0]?.n ?? 0);
    return {
      rows,
      acknowledged: acknowledgedIds.length,
      acknowledgedAndStored,
      storedWithoutAnswer: rows - acknowledgedIds.length,
      ok: acknowledgedAndStored === acknowledgedIds.length && rows >= acknowledgedIds.length,
    };
  } finally {
    await client.end();
  }
}

/** Requests abandoned at the end may still be committing: wait until the count stops moving. */
async function settledRowCount(client: pg.Client, companyId: string): Promise<number> {
  let previous = -1;
  for (;;) {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM raw_events WHERE company_id = $1', [companyId]);
    const count = Number(rows[0]?.n ?? 0);
    if (count === previous) return count;
    previous = count;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function postgresVersion(db: BenchDatabase): Promise<string> {
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string; fsync: string; sc: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`,
    );
    const row = rows[0];
    return row ? `PostgreSQL ${row.v} (fsync=${row.fsync}, synchronous_commit=${row.sc})` : 'unknown';
  } finally {
    await client.end();
  }
}
