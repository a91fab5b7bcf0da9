import { createApp } from '../../collector/app';
import { createLogger } from '../../lib/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { listen } from '../support/http';
import { poolThroughProxy } from '../support/tcp-proxy';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const logger = createLogger('test-collector', 'silent');

test('the collector is ready when Postgres answers', async () => {
  const server = await listen(createApp({ appPool: db.appPool, logger, ipHashSecret: 'x'.repeat(32) }));
  try {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, postgres: 'up' });
  } finally {
    await server.close();
  }
});

test('the collector reports 503 with Retry-After while Postgres is down, and recovers after', async () => {
  const { pool, proxy, close } = await poolThroughProxy(db.appUrl, 1);
  const server = await listen(createApp({ appPool: pool, logger, ipHashSecret: 'x'.repeat(32) }));
  try {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await proxy.cut();
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(await down.json()).toEqual({ ok: false, postgres: 'down' });
    await proxy.restore();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  } finally {
    await server.close();
    await close();
  }
});

test('the collector entrypoint refuses to start without DATABASE_URL, naming it', async () => {
  const { execFile } = await import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, IP_HASH_SECRET: 'x'.repeat(40) };
  delete env.DATABASE_URL;
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'collector/server.ts'], { env }, (error, _out, stderr) =>
      resolve({ code: error ? (child.exitCode ?? 1) : 0, stderr }),
    );
  });
  expect(result.code).toBe(78);
  expect(result.stderr).toMatch(/DATABASE_URL: is required/);
});
