// Recording experiments for the Ops velocity dashboard: `npm run lux -- experiments add|decide|list` (owner
// connection, inside the company's tenant) and the admin API's validation and scoping.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { postJson, startTestCollector } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

jest.setTimeout(60_000);

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
let db: TestDatabase;
let collector: Awaited<ReturnType<typeof startTestCollector>>;

beforeAll(async () => {
  db = await createTestDatabase();
  collector = await startTestCollector(db);
});
afterAll(async () => {
  await collector?.close();
  await db?.drop();
});

async function lux(...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: db.ownerUrl } });
  return JSON.parse(stdout) as unknown;
}

const row = z.object({ company_id: z.string(), name: z.string(), launched_on: z.string(), decided_on: z.string().nullable(), outcome: z.string().nullable() });

test('lux experiments add, decide and list record one company\'s experiments', async () => {
  const shop = await createTestCompany(db.ownerPool, 'CLI Shop');
  const added = (await lux('experiments', 'add', '--company', shop.companyId, '--name', 'Hero video', '--channel', 'Paid Social', '--launched-on', '2026-01-05')) as { created: boolean };
  expect(added.created).toBe(true);
  const again = (await lux('experiments', 'add', '--company', shop.companyId, '--name', 'Hero video', '--launched-on', '2026-01-06')) as { created: boolean };
  expect(again.created).toBe(false);
  await lux('experiments', 'decide', '--company', shop.companyId, '--experiment', 'Hero video', '--outcome', 'win', '--decided-on', '2026-01-19');
  const listed = (await lux('experiments', 'list', '--company', shop.companyId)) as unknown[];
  expect(listed).toEqual([expect.objectContaining({ name: 'Hero video', channel: 'Paid Social', launched_on: '2026-01-06', decided_on: '2026-01-19', outcome: 'win' })]);
  const rows = await db.ownerPool.any(sql.type(row)`SELECT company_id, name, launched_on::text, decided_on::text, outcome FROM experiments WHERE company_id = ${shop.companyId}`);
  expect(rows).toHaveLength(1);
  const refused = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', 'experiments', 'decide', '--company', shop.companyId, '--experiment', 'Hero video', '--outcome', 'maybe', '--decided-on', '2026-01-19'], { cwd: root, env: { ...process.env, DATABASE_URL: db.ownerUrl } }).catch((e: { code: number; stderr: string }) => e);
  expect(refused).toMatchObject({ code: 1 });
});

test('POST /admin/experiments validates the body, needs an admin key, and decides only the key\'s company\'s experiments', async () => {
  const a = await createTestCompany(db.ownerPool, 'A');
  const b = await createTestCompany(db.ownerPool, 'B');
  const url = `${collector.url}/admin/experiments`;
  expect((await postJson(url, { name: 'x', launched_on: '2026-01-01' })).status).toBe(401);
  const invalid = await postJson(url, { name: 'x', launched_on: '2026-02-30', outcome: 'win' }, { authorization: `Bearer ${a.secretKey}` });
  expect(invalid.status).toBe(422);
  const backwards = await postJson(url, { name: 'x', launched_on: '2026-01-10', decided_on: '2026-01-01', outcome: 'win' }, { authorization: `Bearer ${a.secretKey}` });
  expect(backwards.status).toBe(422);
  const created = await postJson(url, { name: 'Only A', launched_on: '2026-01-10' }, { authorization: `Bearer ${a.secretKey}` });
  expect(created.status).toBe(201);
  const id = (created.body.experiment as { experiment_id: string }).experiment_id;
  // B's key cannot decide A's experiment, by id or by name
  expect((await postJson(`${url}/${id}/decision`, { outcome: 'win', decided_on: '2026-01-20' }, { authorization: `Bearer ${b.secretKey}` })).status).toBe(404);
  expect((await postJson(`${url}/Only%20A/decision`, { outcome: 'win', decided_on: '2026-01-20' }, { authorization: `Bearer ${b.secretKey}` })).status).toBe(404);
  const early = await postJson(`${url}/${id}/decision`, { outcome: 'win', decided_on: '2026-01-01' }, { authorization: `Bearer ${a.secretKey}` });
  expect(early.status).toBe(422);
  const decided = await postJson(`${url}/${id}/decision`, { outcome: 'loss', decided_on: '2026-01-20' }, { authorization: `Bearer ${a.secretKey}` });
  expect(decided).toMatchObject({ status: 200, body: { experiment: { outcome: 'loss', decided_on: '2026-01-20' } } });
  const listB = await fetch(url, { headers: { authorization: `Bearer ${b.secretKey}` } });
  expect(await listB.json()).toEqual({ experiments: [] });
});
