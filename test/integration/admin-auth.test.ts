// Admin and dashboard access: per-company users with a role sign in for a signed session token; secret
// keys with the admin scope keep working; every admin action lands in the append-only audit_log.
import { execFile } from 'node:child_process';
import { sql } from 'slonik';
import { z } from 'zod';
import { addAdminUser, disableAdminUser } from '../../lib/auth/admin-users';
import { signSessionToken } from '../../lib/auth/session-token';
import { generateSecretKey } from '../../lib/keys';
import { withTenant } from '../../lib/db/tenant';
import { postJson, startTestCollector } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

const SESSION_SECRET = 'test-admin-session-secret-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

let db: TestDatabase;
let server: { url: string; close: () => Promise<void> };
let company: { companyId: string; secretKey: string };
let other: { companyId: string; secretKey: string };

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestCollector(db, { adminSessionSecret: SESSION_SECRET });
  company = await createTestCompany(db.ownerPool, 'Audited Shop');
  other = await createTestCompany(db.ownerPool, 'Other Shop');
  await addAdminUser(db.ownerPool, { companyId: company.companyId, login: 'ada', role: 'admin', password: PASSWORD });
  await addAdminUser(db.ownerPool, { companyId: company.companyId, login: 'ann', role: 'analyst', password: PASSWORD });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const auditRow = z.object({ actor_kind: z.string(), actor: z.string(), action: z.string(), status: z.number(), detail: z.record(z.unknown()) });
const auditOf = (companyId: string) =>
  db.ownerPool.any(sql.type(auditRow)`SELECT actor_kind, actor, action, status, detail FROM audit_log WHERE company_id = ${companyId} ORDER BY at`);

async function login(login: string, password = PASSWORD, companyId = company.companyId) {
  return postJson(`${server.url}/admin/login`, { company_id: companyId, login, password });
}

const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
};

test('a user signs in with login and password and gets a signed session token with an expiry', async () => {
  const answer = await login('ada');
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ token_type: 'Bearer', role: 'admin', token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) as string });
  expect(Date.parse(answer.body.expires_at as string)).toBeGreaterThan(Date.now() + 7 * 3600_000);
});

test('a wrong password and an unknown login get the same 401, and both attempts are audited', async () => {
  const wrong = await login('ada', 'not the password at all');
  const unknown = await login('nobody');
  expect([wrong.status, unknown.status]).toEqual([401, 401]);
  expect(wrong.body.error).toBe(unknown.body.error);
  const refused = (await auditOf(company.companyId)).filter((r) => r.action === 'POST /admin/login' && r.status === 401);
  expect(refused.map((r) => [r.actor_kind, r.actor, r.detail.outcome])).toEqual(
    expect.arrayContaining([['anonymous', 'ada', 'wrong_password'], ['anonymous', 'nobody', 'unknown_login']]),
  );
});

test('an admin session may change settings; an analyst session may read but not change (403)', async () => {
  const admin = (await login('ada')).body.token as string;
  const analyst = (await login('ann')).body.token as string;
  expect((await call('POST', '/admin/suppressions', admin, { kind: 'user_id', value: 'u-admin' })).status).toBe(201);
  const read = await call('GET', '/admin/suppressions', analyst);
  expect(read.status).toBe(200);
  expect(JSON.stringify(read.body)).toContain('u-admin');
  const change = await call('POST', '/admin/suppressions', analyst, { kind: 'user_id', value: 'u-analyst' });
  expect(change.status).toBe(403);
  expect(change.body?.error).toMatch(/admin role/);
  expect((await call('PATCH', '/admin/tracking', analyst, { gpc_policy: 'anonymize' })).status).toBe(403);
});

test('every admin action is recorded in audit_log with who, what and the outcome (keys by prefix, users by id)', async () => {
  const token = (await login('ada')).body;
  await call('DELETE', '/admin/suppressions', token.token as string, { kind: 'user_id', value: 'u-admin' });
  await call('PATCH', '/admin/tracking', company.secretKey, { consent_mode: 'opt-out' });
  await call('POST', '/admin/suppressions', company.secretKey, { kind: 'nonsense' });
  const rows = await auditOf(company.companyId);
  expect(rows).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ actor_kind: 'user', actor: token.user_id as string, action: 'DELETE /admin/suppressions', status: 200 }),
      expect.objectContaining({ actor_kind: 'secret_key', actor: company.secretKey.slice(0, 12), action: 'PATCH /admin/tracking', status: 200 }),
      expect.objectContaining({ actor_kind: 'secret_key', action: 'POST /admin/suppressions', status: 422 }),
      expect.objectContaining({ actor_kind: 'user', action: 'POST /admin/suppressions', status: 403 }),
    ]),
  );
  // Reads are not audited; the other company's log has none of these.
  expect(rows.some((r) => r.action.startsWith('GET '))).toBe(false);
  expect((await auditOf(other.companyId)).length).toBe(0);
});

test('audit_log is append-only, also for the owner', async () => {
  await expect(db.ownerPool.query(sql.unsafe`UPDATE audit_log SET status = 200`)).rejects.toThrow(/append-only/);
  await expect(db.ownerPool.query(sql.unsafe`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  await expect(withTenant(db.appPool, company.companyId, (tx) => tx.query(sql.unsafe`DELETE FROM audit_log`))).rejects.toThrow(/append-only|permission denied/);
});

test('a token that is forged, expired, of a disabled user, or signed with another secret is refused with 401', async () => {
  const good = (await login('ann')).body;
  const [h, p, s] = (good.token as string).split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
  expect((await call('POST', '/admin/suppressions', forged, { kind: 'user_id', value: 'x' })).status).toBe(401);
  const expired = signSessionToken({ userId: good.user_id as string, companyId: company.companyId, role: 'analyst' }, SESSION_SECRET, { now: Date.now() - 9 * 3600_000 }).token;
  expect((await call('GET', '/admin/suppressions', expired)).body?.error).toMatch(/expired/);
  const otherSecret = signSessionToken({ userId: good.user_id as string, companyId: company.companyId, role: 'admin' }, 'x'.repeat(40)).token;
  expect((await call('GET', '/admin/suppressions', otherSecret)).status).toBe(401);
  // A token naming another company for this user: the user does not exist there.
  const wrongCompany = signSessionToken({ userId: good.user_id as string, companyId: other.companyId, role: 'admin' }, SESSION_SECRET).token;
  expect((await call('GET', '/admin/suppressions', wrongCompany)).status).toBe(401);
  await addAdminUser(db.ownerPool, { companyId: company.companyId, login: 'leaver', role: 'admin', password: PASSWORD });
  const leaver = (await login('leaver')).body.token as string;
  expect((await call('GET', '/admin/suppressions', leaver)).status).toBe(200);
  await disableAdminUser(db.ownerPool, company.companyId, 'leaver');
  expect((await call('GET', '/admin/suppressions', leaver)).status).toBe(401);
  expect((await login('leaver')).status).toBe(401);
});

test('no credential is 401; an ingest-only secret key is 403', async () => {
  expect((await call('GET', '/admin/suppressions', undefined)).status).toBe(401);
  const ingest = generateSecretKey();
  await db.ownerPool.query(sql.unsafe`INSERT INTO secret_keys (company_id, key_hash, key_prefix, scopes) VALUES (${company.companyId}, ${ingest.hash}, ${ingest.prefix}, '{ingest}')`);
  expect((await call('GET', '/admin/suppressions', ingest.key)).status).toBe(403);
});

test('`lux users add` creates a user from a password on stdin, who can then sign in', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', 'users', 'add', '--company', company.companyId, '--login', 'Cli.User', '--role', 'analyst', '--password-stdin'],
      { env: { ...process.env, DATABASE_URL: db.ownerUrl } }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
    child.stdin?.end(`${PASSWORD}\n`);
  });
  expect(JSON.parse(out)).toMatchObject({ ok: true, login: 'cli.user', role: 'analyst' });
  expect((await login('cli.user')).status).toBe(200);
  const stored = await db.ownerPool.oneFirst(sql.type(z.object({ password_hash: z.string() }))`SELECT password_hash FROM admin_users WHERE login = 'cli.user'`);
  expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
  expect(stored).not.toContain(PASSWORD);
});

test('sign-in answers 503 naming ADMIN_SESSION_SECRET when it is not configured', async () => {
  const bare = await startTestCollector(db);
  try {
    const answer = await postJson(`${bare.url}/admin/login`, { company_id: company.companyId, login: 'ada', password: PASSWORD });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatch(/ADMIN_SESSION_SECRET/);
  } finally {
    await bare.close();
  }
});

test('data subject requests take an admin session too; an analyst session is refused and the attempt audited', async () => {
  const admin = (await login('ada')).body.token as string;
  const analyst = (await login('ann')).body.token as string;
  const exported = await call('POST', '/admin/dsr/export', admin, { kind: 'user_id', value: 'u-dsr-1' });
  expect(exported.status).toBe(200);
  expect(exported.body).toMatchObject({ ok: true });
  const refused = await call('POST', '/admin/dsr/delete', analyst, { kind: 'user_id', value: 'u-dsr-1' });
  expect(refused.status).toBe(403);
  const audited = (await auditOf(company.companyId)).filter((r) => r.action.startsWith('POST /admin/dsr/'));
  expect(audited.map((r) => [r.action, r.status])).toEqual(expect.arrayContaining([['POST /admin/dsr/export', 200], ['POST /admin/dsr/delete', 403]]));
});

describe('the built-in dashboards take user sign-in too (read-only: both roles)', () => {
  const signIn = (form: Record<string, string>) =>
    fetch(`${server.url}/dashboards/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  const question = '/dashboards/api/executive/kpis?from=2025-03-01&to=2025-03-31';

  test('an analyst signs in with company, login and password; the cookie opens the dashboards of that company only', async () => {
    const answer = await signIn({ company_id: company.companyId, login: 'ann', password: PASSWORD });
    expect(answer.status).toBe(303);
    const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^lux_dash=/);
    const rows = await fetch(`${server.url}${question}`, { headers: { cookie } });
    expect(rows.status).toBe(200);
    const page = await fetch(`${server.url}/dashboards/executive`, { headers: { cookie } });
    expect(await page.text()).toContain('Audited Shop');
    const audited = (await auditOf(company.companyId)).filter((r) => r.action === 'POST /dashboards/login');
    expect(audited.map((r) => [r.status, r.detail.outcome])).toContainEqual([200, 'signed_in']);
  });

  test('a wrong password gets 401 and no cookie; an analyst session token works as a bearer credential', async () => {
    const wrong = await signIn({ company_id: company.companyId, login: 'ann', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const token = (await login('ann')).body.token as string;
    expect((await fetch(`${server.url}${question}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${server.url}${question}`, { headers: { authorization: 'Bearer not.a.token' } })).status).toBe(401);
  });

  test('disabling the user ends a dashboards session that is already open', async () => {
    await addAdminUser(db.ownerPool, { companyId: company.companyId, login: 'temp-analyst', role: 'analyst', password: PASSWORD });
    const answer = await signIn({ company_id: company.companyId, login: 'temp-analyst', password: PASSWORD });
    const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await fetch(`${server.url}${question}`, { headers: { cookie } })).status).toBe(200);
    await disableAdminUser(db.ownerPool, company.companyId, 'temp-analyst');
    expect((await fetch(`${server.url}${question}`, { headers: { cookie } })).status).toBe(401);
  });
});
