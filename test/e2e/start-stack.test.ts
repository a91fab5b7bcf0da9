// `npm start` on a machine with no DATABASE_URL and no TEMPORAL_ADDRESS: the whole stack comes up,
// the Temporal UI answers, Ctrl-C stops everything, and a second start reuses the data.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { freePort } from '../../scripts/lib/free-port';
import { testEnv } from '../support/env';

const root = path.resolve(__dirname, '..', '..');
jest.setTimeout(240_000);

type Started = { child: ChildProcessWithoutNullStreams; output: () => string };

function startStack(env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], { cwd: root, env });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function waitForOutput(started: Started, pattern: RegExp, timeoutMs = 180_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = started.output().match(pattern);
    if (match) return match;
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`did not see ${pattern} in start output:\n${started.output()}`);
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: { temporal: number; ui: number; collector: number };
const database = `lux_e2e_${process.pid}`;
const running: Started[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lux-start-'));
  ports = { temporal: await freePort(), ui: await freePort(), collector: await freePort() };
  env = {
    ...process.env,
    LUX_DATA_DIR: dataDir,
    LUX_DATABASE_NAME: database,
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    COLLECTOR_PORT: String(ports.collector),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.APP_DATABASE_URL;
  delete env.IP_HASH_SECRET;
});

afterAll(async () => {
  for (const started of running) await stop(started);
  const admin = new pg.Client({ connectionString: testEnv('adminUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
});

test('bad configuration stops start-up with a message naming the variable', async () => {
  const started = startStack({ ...env, COLLECTOR_PORT: 'eighty' });
  const code = await new Promise<number | null>((resolve) => started.child.once('exit', resolve));
  expect(code).toBe(78);
  expect(started.output()).toMatch(/COLLECTOR_PORT: expected a TCP port number/);
});

test('npm start brings the stack up, stops cleanly on Ctrl-C and keeps its data for the next start', async () => {
  // First start: creates the database, the Temporal SQLite file and the demo company.
  const first = startStack(env);
  running.push(first);
  await waitForOutput(first, /LUX Marketing Analytics is running\./);
  const companyId = (await waitForOutput(first, /demo company\s+([0-9a-f-]{36})/))[1]!;
  const siteKey = (await waitForOutput(first, /site key\s+(lux_pk_\S+)/))[1]!;
  expect(first.output()).toMatch(/admin secret key lux_sk_\S+\s+\(shown once/);
  expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);

  const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
  expect(ui.status).toBe(200);
  const ready = await fetch(`http://127.0.0.1:${ports.collector}/readyz`);
  expect(await ready.json()).toEqual({ ok: true, postgres: 'up' });

  expect(await stop(first)).toBe(0);
  expect(first.output()).toMatch(/\[lux\] stopped\./);
  await expect(fetch(`http://127.0.0.1:${ports.ui}/`)).rejects.toThrow();

  // Second start: same company, same key, no new secret; both boots' runs are in Temporal's history.
  const second = startStack(env);
  running.push(second);
  await waitForOutput(second, /LUX Marketing Analytics is running\./);
  expect(second.output()).toContain(`demo company     ${companyId}`);
  expect(second.output()).toContain(`site key         ${siteKey}`);
  expect(second.output()).not.toMatch(/admin secret key/);

  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  try {
    const client = new Client({ connection });
    const runs: string[] = [];
    for await (const run of client.workflow.list({ query: `CompanyId = "${companyId}"` })) runs.push(run.workflowId);
    expect(runs.filter((id) => id.startsWith(`stack-check:${companyId}:boot-`))).toHaveLength(2);
  } finally {
    await connection.close();
  }

  const owner = new pg.Client({ connectionString: new URL(`/${database}`, testEnv('adminUrl')).toString() });
  await owner.connect();
  const { rows } = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM stack_checks WHERE company_id = $1', [companyId]);
  await owner.end();
  expect(rows[0]?.n).toBe(2);

  expect(await stop(second)).toBe(0);
});
