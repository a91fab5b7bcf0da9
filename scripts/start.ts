// `npm start`: the whole stack on embedded defaults, in one process tree.
//   Postgres (DATABASE_URL → 127.0.0.1:5432 → embedded) → migrations → Temporal dev server with Web UI
//   (unless TEMPORAL_ADDRESS is set) → collector + analytics, imports and notifications workers → demo company → stack self-check.
// State lives under LUX_DATA_DIR (default .lux/), so a second start reuses the data. Ctrl-C stops all.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import { ConfigError, deriveAppDatabaseUrl, loadConfig, type Config } from '../lib/config';
import { createCompany } from '../lib/companies/create-company';
import { migrateUp } from '../lib/db/migrate';
import { createDatabasePool, type DatabasePool } from '../lib/db/pool';
import { setAppRolePassword } from '../lib/db/roles';
import { TASK_QUEUES } from '../lib/task-queues';
import { CompanyIdKey } from '../workflows/search-attributes';
import { stackCheckWorkflow, stackCheckWorkflowId } from '../workflows/stack-check';
import { databaseUrl, ensureDatabase, resolvePostgres } from './lib/postgres';
import { findOrInstallTemporalCli } from './lib/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from './lib/temporal-server';

const root = path.resolve(__dirname, '..');
const dataDir = path.resolve(process.env.LUX_DATA_DIR ?? path.join(root, '.lux'));
const say = (message: string): void => void process.stdout.write(`[lux] ${message}\n`);

const secretsSchema = z.object({
  ipHashSecret: z.string().min(32),
  appDbPassword: z.string().min(16),
  // Added after the first release: generated into an existing secrets.json when missing.
  credentialsKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  messageLinkSecret: z.string().min(32).optional(),
  adminSessionSecret: z.string().min(32).optional(),
});
type LocalSecrets = Required<z.infer<typeof secretsSchema>>;

/** Secrets for the local stack, generated once and kept (0600) under the data dir. */
async function loadOrCreateLocalSecrets(): Promise<LocalSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  const stored = existsSync(file) ? secretsSchema.parse(JSON.parse(await readFile(file, 'utf8'))) : undefined;
  const secrets: LocalSecrets = {
    ipHashSecret: stored?.ipHashSecret ?? randomBytes(32).toString('hex'),
    appDbPassword: stored?.appDbPassword ?? randomBytes(18).toString('base64url'),
    credentialsKey: stored?.credentialsKey ?? randomBytes(32).toString('hex'),
    messageLinkSecret: stored?.messageLinkSecret ?? randomBytes(32).toString('hex'),
    adminSessionSecret: stored?.adminSessionSecret ?? randomBytes(32).toString('hex'),
  };
  if (!stored || stored.credentialsKey === undefined || stored.messageLinkSecret === undefined || stored.adminSessionSecret === undefined) {
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return secrets;
}

const demoRow = z.object({ company_id: z.string().uuid(), site_key: z.string() });
const DEMO_COMPANY = { name: 'Demo Store', timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' };

/** The demo company: found by its settings flag, created on first run (its secret key shown once). */
async function ensureDemoCompany(ownerPool: DatabasePool): Promise<{ companyId: string; siteKey: string; secretKey?: string }> {
  const existing = await ownerPool.maybeOne(sql.type(demoRow)`
    SELECT c.company_id, k.site_key FROM companies c JOIN site_keys k USING (company_id)
    WHERE c.settings ->> 'demo' = 'true' AND k.revoked_at IS NULL
    ORDER BY c.created_at, k.created_at LIMIT 1`);
  if (existing) return { companyId: existing.company_id, siteKey: existing.site_key };
  const created = await createCompany(ownerPool, DEMO_COMPANY);
  await ownerPool.query(sql.unsafe`
    UPDATE companies SET settings = settings || '{"demo": true}'::jsonb WHERE company_id = ${created.companyId}`);
  return created;
}

function spawnService(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsxCli, entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  return child;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  let stopping = false;

  const stopAll = async (exitCode: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping…');
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
            }),
        ),
      );
      for (const stop of stops.reverse()) await stop().catch((e: unknown) => say(`while stopping: ${String(e)}`));
      say('stopped.');
    }
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    // Fail fast on malformed settings before starting anything; the two values start.ts provides
    // itself (DATABASE_URL, IP_HASH_SECRET) get stand-ins for this first check only.
    loadConfig({ DATABASE_URL: 'postgres://check@localhost/check', IP_HASH_SECRET: 'x'.repeat(32), ...process.env });
    const secrets = await loadOrCreateLocalSecrets();

    // 1. Postgres and migrations.
    const postgres = await resolvePostgres({ embeddedDataDir: path.join(dataDir, 'postgres'), log: say });
    stops.push(postgres.stop);
    let ownerUrl = postgres.adminUrl;
    if (postgres.source !== 'DATABASE_URL') {
      const database = process.env.LUX_DATABASE_NAME ?? 'lux';
      if (await ensureDatabase(postgres.adminUrl, database)) say(`created database ${database}`);
      ownerUrl = databaseUrl(postgres.adminUrl, database);
    }
    const { applied } = await migrateUp(ownerUrl);
    say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    if (!process.env.APP_DATABASE_URL) await setAppRolePassword(ownerUrl, secrets.appDbPassword);
    const appUrl = process.env.APP_DATABASE_URL ?? deriveAppDatabaseUrl(ownerUrl, secrets.appDbPassword);

    // 2. Temporal: the given server, or a dev server with its Web UI and a SQLite file under .lux/.
    let temporal: TemporalDevServer | undefined;
    if (!process.env.TEMPORAL_ADDRESS) {
      const cli = await findOrInstallTemporalCli({ log: say });
      temporal = await startTemporalDevServer({
        cliPath: cli.path,
        port: Number(process.env.TEMPORAL_PORT ?? 7233),
        uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
        dbFile: path.join(dataDir, 'temporal.sqlite'),
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      });
      stops.push(temporal.stop);
      temporal.process.once('exit', (code) => {
        if (!stopping) {
          say(`Temporal server exited unexpectedly (code ${code})`);
          void stopAll(1);
        }
      });
    }

    // 3. One validated configuration for every service.
    const serviceEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: ownerUrl,
      APP_DATABASE_URL: appUrl,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal?.address,
      IP_HASH_SECRET: process.env.IP_HASH_SECRET ?? secrets.ipHashSecret,
      LUX_CREDENTIALS_KEY: process.env.LUX_CREDENTIALS_KEY ?? secrets.credentialsKey,
      MESSAGE_LINK_SECRET: process.env.MESSAGE_LINK_SECRET ?? secrets.messageLinkSecret,
      ADMIN_SESSION_SECRET: process.env.ADMIN_SESSION_SECRET ?? secrets.adminSessionSecret,
    };
    const config: Config = loadConfig(serviceEnv);

    // 4. Demo company.
    const ownerPool = await createDatabasePool(ownerUrl, { maximumPoolSize: 2 });
    stops.push(() => ownerPool.end());
    const demo = await ensureDemoCompany(ownerPool);

    // 5. Services.
    for (const [name, entry] of [
      ['collector', 'collector/server.ts'],
      ['worker', 'workers/analytics.ts'],
      ['imports', 'workers/imports.ts'],
      ['notifications', 'workers/notifications.ts'],
    ] as const) {
      const child = spawnService(name, entry, serviceEnv);
      children.push(child);
      child.once('exit', (code) => {
        if (!stopping) {
          say(`${name} exited unexpectedly (code ${code})`);
          void stopAll(1);
        }
      });
    }
    const collectorUrl = config.PUBLIC_COLLECTOR_URL ?? `http://${config.COLLECTOR_HOST}:${config.COLLECTOR_PORT}`;
    await waitForHttp(`http://${config.COLLECTOR_HOST}:${config.COLLECTOR_PORT}/readyz`, 60_000);

    // 6. Stack self-check through the real worker: proves Postgres + Temporal + worker are wired.
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const check = await client.workflow.execute(stackCheckWorkflow, {
      taskQueue: TASK_QUEUES.analytics,
      workflowId: stackCheckWorkflowId(demo.companyId, `boot-${new Date().toISOString()}`),
      args: [{ companyId: demo.companyId }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: demo.companyId }],
      workflowExecutionTimeout: '2 minutes',
    });

    say('');
    say('LUX Marketing Analytics is running.');
    say(`  collector        ${collectorUrl}   (health: ${collectorUrl}/readyz)`);
    say(`  Temporal UI      ${temporal?.uiUrl ?? '(external Temporal server: see its UI)'}`);
    say(`  Temporal server  ${config.TEMPORAL_ADDRESS}  namespace ${config.TEMPORAL_NAMESPACE}`);
    say(`  demo company     ${demo.companyId} (${DEMO_COMPANY.name}, ${DEMO_COMPANY.timeZone}, ${DEMO_COMPANY.reportingCurrency})`);
    say(`  site key         ${demo.siteKey}`);
    if (demo.secretKey) say(`  admin secret key ${demo.secretKey}   (shown once; store it now)`);
    say(`  snippet tag      <script async src="${collectorUrl}/lux.js" data-site-key="${demo.siteKey}"></script>`);
    say(`  stack check      ok: ${check.rawEventCount} raw events for the demo company`);
    say(`  data             ${dataDir}`);
    say('Press Ctrl-C to stop.');
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\nSee README.md#configuration.\n`);
    else process.stderr.write(`start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAll(error instanceof ConfigError ? 78 : 1);
  }
}

void main();
