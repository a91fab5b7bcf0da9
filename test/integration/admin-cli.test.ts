// `npm run lux -- …` against a real database, run as the owner role (which RLS does not restrict).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

async function lux(...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.ownerUrl },
  });
  return JSON.parse(stdout) as unknown;
}

const settingsRow = z.object({ company_id: z.string(), tracking_enabled: z.boolean(), settings: z.record(z.unknown()) });

test('creates a company with keys, and changes the tracking switches of that company only', async () => {
  const created = (await lux('company', 'create', '--name', 'CLI Shop', '--time-zone', 'America/New_York', '--currency', 'USD')) as {
    companyId: string;
    siteKey: string;
    secretKey: string;
  };
  expect(created.siteKey).toMatch(/^lux_pk_/);
  expect(created.secretKey).toMatch(/^lux_sk_/);
  const bystander = await createTestCompany(db.ownerPool, 'Bystander');

  await lux('tracking', '--company', created.companyId, '--enabled', 'false', '--gpc-policy', 'anonymize');
  const rows = await db.ownerPool.any(sql.type(settingsRow)`SELECT company_id, tracking_enabled, settings FROM companies`);
  expect(rows.find((r) => r.company_id === created.companyId)).toMatchObject({ tracking_enabled: false, settings: { gpc_policy: 'anonymize' } });
  expect(rows.find((r) => r.company_id === bystander.companyId)).toMatchObject({ tracking_enabled: true, settings: {} });
});

test('adds, lists and removes a suppression by email, storing only the hash', async () => {
  const company = await createTestCompany(db.ownerPool);
  await lux('suppress', 'add', '--company', company.companyId, '--email', 'Someone@Example.com', '--reason', 'asked by email');
  const list = (await lux('suppress', 'list', '--company', company.companyId)) as Array<{ kind: string; value: string }>;
  expect(list).toHaveLength(1);
  expect(list[0]?.kind).toBe('email_hash');
  expect(list[0]?.value).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.stringify(list)).not.toMatch(/someone/i);
  expect(await lux('suppress', 'remove', '--company', company.companyId, '--email', 'someone@example.com')).toMatchObject({ changed: true });
  expect(await lux('suppress', 'list', '--company', company.companyId)).toEqual([]);
});

test('explains bad input instead of storing it', async () => {
  const company = await createTestCompany(db.ownerPool);
  const failure = await lux('suppress', 'add', '--company', company.companyId, '--email', 'not-an-email').then(
    () => undefined,
    (error: { stderr?: string }) => error,
  );
  expect(failure?.stderr).toContain('value: expected an email address');
});

test('forwarding is enabled per company and destination with checked settings; disabling keeps them; bad settings change nothing', async () => {
  const company = await createTestCompany(db.ownerPool);
  const bystander = await createTestCompany(db.ownerPool);
  const listed = (await lux('forwarding', 'list', '--company', company.companyId)) as { destinations: Array<{ destination: string; enabled: boolean }> };
  expect(listed.destinations.map((d) => [d.destination, d.enabled])).toEqual([['google_ads', false], ['meta', false], ['tiktok', false], ['ga4', false]]);

  await expect(lux('forwarding', 'enable', 'meta', '--company', company.companyId, '--config', '{"pixelId":"not digits"}')).rejects.toThrow(/pixelId/);
  await expect(lux('forwarding', 'enable', 'snapchat', '--company', company.companyId)).rejects.toThrow(/unknown destination snapchat/);
  await lux('forwarding', 'enable', 'meta', '--company', company.companyId, '--config', '{"pixelId":"1234567890"}');
  await lux('forwarding', 'disable', 'meta', '--company', company.companyId);
  const rows = await db.ownerPool.any(sql.type(z.object({ company_id: z.string(), destination: z.string(), enabled: z.boolean(), config: z.record(z.unknown()) }))`
    SELECT company_id, destination, enabled, config FROM conversion_forwarding_settings`);
  expect(rows).toEqual([{ company_id: company.companyId, destination: 'meta', enabled: false, config: { pixelId: '1234567890' } }]);
  expect(rows.some((r) => r.company_id === bystander.companyId)).toBe(false);
});
