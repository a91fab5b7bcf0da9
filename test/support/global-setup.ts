// Once per test run: a migrated template database, one real Temporal dev server, one workflow bundle.
// Each test file then clones the template (fast) and connects to the shared server.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { freePort } from '../../scripts/lib/free-port';
import { databaseUrl, resolvePostgres } from '../../scripts/lib/postgres';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';
import { startTemporalDevServer } from '../../scripts/lib/temporal-server';
import { WORKFLOWS_PATH } from '../../workers/create-worker';
import { TEST_ENV } from './env';

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

type Handles = { stop: Array<() => Promise<void>> };
declare global {
  var __LUX_TEST_HANDLES__: Handles | undefined;
}

export default async function globalSetup(): Promise<void> {
  const log = (message: string): void => void process.stderr.write(`[test setup] ${message}\n`);
  const handles: Handles = { stop: [] };
  globalThis.__LUX_TEST_HANDLES__ = handles;

  // Postgres: the template database gets the real migrations through `npm run migrate`'s script.
  const postgres = await resolvePostgres({ embeddedDataDir: path.join(root, '.lux', 'test-postgres'), log });
  handles.stop.push(postgres.stop);
  const templateDb = `lux_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDb}`);
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();
  await execFileAsync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/migrate.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl(postgres.adminUrl, templateDb) },
  });
  handles.stop.push(async () => {
    const client = new pg.Client({ connectionString: postgres.adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`);
    await client.end();
  });

  // Temporal: the real server, in memory, headless, on a free port.
  const cli = await findOrInstallTemporalCli({ log });
  const temporal = await startTemporalDevServer({ cliPath: cli.path, port: await freePort() });
  handles.stop.push(temporal.stop);
  log(`Temporal dev server at ${temporal.address} (${cli.source})`);

  // Bundle workflows once instead of once per test file.
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(await mkdtemp(path.join(os.tmpdir(), 'lux-test-')), 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  process.env[TEST_ENV.adminUrl] = postgres.adminUrl;
  process.env[TEST_ENV.templateDb] = templateDb;
  process.env[TEST_ENV.temporalAddress] = temporal.address;
  process.env[TEST_ENV.workflowBundle] = bundlePath;
}
