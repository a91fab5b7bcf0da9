// Privacy rules of the collector, each against a real Postgres: what is stored, hashed, dropped, counted.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { pageView, postJson, startTestCollector } from '../support/collector';
import { poolThroughProxy } from '../support/tcp-proxy';

let db: TestDatabase;
let server: Awaited<ReturnType<typeof startTestCollector>>;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestCollector(db);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const countRow = z.object({ n: z.number() });
const storedFor = (companyId: string) =>
  db.ownerPool.oneFirst(sql.type(countRow)`SELECT count(*)::int AS n FROM raw_events WHERE company_id = ${companyId}`);
const dropsFor = async (companyId: string) => {
  const rows = await db.ownerPool.any(sql.type(z.object({ reason: z.string(), events: z.coerce.number() }))`
    SELECT reason, events FROM ingest_drops WHERE company_id = ${companyId} ORDER BY reason`);
  return Object.fromEntries(rows.map((r) => [r.reason, r.events]));
};
const setSettings = (companyId: string, settings: Record<string, unknown>, trackingEnabled = true) =>
  db.ownerPool.query(sql.unsafe`
    UPDATE companies SET settings = settings || ${sql.jsonb(settings as Parameters<typeof sql.jsonb>[0])}, tracking_enabled = ${trackingEnabled}
    WHERE company_id = ${companyId}`);

test('raw IPs are never stored: only the HMAC, nowhere the address itself', async () => {
  const company = await createTestCompany(db.ownerPool);
  await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() });
  const leaked = await db.ownerPool.oneFirst(sql.type(countRow)`
    SELECT count(*)::int AS n FROM raw_events WHERE company_id = ${company.companyId} AND raw_events::text LIKE '%127.0.0.1%'`);
  expect(leaked).toBe(0);
  expect(await storedFor(company.companyId)).toBe(1);
});

test('email-like values are scrubbed from page_url and referrer before storage', async () => {
  const company = await createTestCompany(db.ownerPool);
  const event = pageView({
    page_url: 'https://shop.example/thanks?email=jane.doe%40mail.com&order=9',
    referrer: 'https://partner.example/?u=john@corp.example',
  });
  await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
  const row = await db.ownerPool.one(sql.type(z.object({ page_url: z.string(), referrer: z.string() }))`
    SELECT page_url, referrer FROM raw_events WHERE event_id = ${event.event_id}`);
  expect(row.page_url).not.toMatch(/jane|mail\.com/);
  expect(row.page_url).toContain('order=9');
  expect(row.referrer).not.toMatch(/john|corp\.example/);
});

describe('Global Privacy Control', () => {
  test('by default an event with Sec-GPC: 1 is not stored, and it is counted', async () => {
    const company = await createTestCompany(db.ownerPool);
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, { 'sec-gpc': '1' });
    expect(response.body).toMatchObject({ ok: true, stored: false, dropped: 'gpc' });
    await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ gpc: true }) });
    expect(await storedFor(company.companyId)).toBe(0);
    expect(await dropsFor(company.companyId)).toEqual({ gpc: 2 });
  });

  test('under the anonymize policy the event is stored without any identifier and is never forwardable', async () => {
    const company = await createTestCompany(db.ownerPool);
    await setSettings(company.companyId, { gpc_policy: 'anonymize' });
    const event = pageView({ user_id: 'u-9', email: 'x@example.com', page_url: 'https://shop.example/?gclid=abc123' });
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event }, { 'sec-gpc': '1' });
    expect(response.body).toMatchObject({ stored: true });
    const row = await db.ownerPool.one(sql.type(z.object({
      visitor_id: z.string().nullable(), session_id: z.string().nullable(), user_id: z.string().nullable(),
      ip_hash: z.string().nullable(), email_hash: z.string().nullable(), forwardable: z.boolean(), gpc: z.boolean(),
      click_ids: z.unknown(),
    }))`SELECT visitor_id, session_id, user_id, ip_hash, email_hash, forwardable, gpc, context -> 'click_ids' AS click_ids
        FROM raw_events WHERE event_id = ${event.event_id}`);
    expect(row).toEqual({ visitor_id: null, session_id: null, user_id: null, ip_hash: null, email_hash: null, forwardable: false, gpc: true, click_ids: {} });
  });
});

describe('consent', () => {
  test('analytics consent refused: not stored, counted', async () => {
    const company = await createTestCompany(db.ownerPool);
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ consent: { analytics: false } }) });
    expect(response.body).toMatchObject({ stored: false, dropped: 'consent_denied' });
    expect(await storedFor(company.companyId)).toBe(0);
  });

  test('a company that requires opt-in stores nothing without analytics consent, and stores it with', async () => {
    const company = await createTestCompany(db.ownerPool);
    await setSettings(company.companyId, { consent_mode: 'opt-in' });
    const without = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() });
    expect(without.body).toMatchObject({ stored: false, dropped: 'consent_missing' });
    const withConsent = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ consent: { analytics: true } }) });
    expect(withConsent.body).toMatchObject({ stored: true });
    expect(await storedFor(company.companyId)).toBe(1);
  });
});

describe('suppression', () => {
  test('a company with tracking disabled stores nothing', async () => {
    const company = await createTestCompany(db.ownerPool);
    await setSettings(company.companyId, {}, false);
    const response = await postJson(`${server.url}/e/batch`, { site_key: company.siteKey, events: [pageView(), pageView()] });
    expect(response.body).toMatchObject({ accepted: 0, dropped: { tracking_disabled: 2 } });
    expect(await storedFor(company.companyId)).toBe(0);
  });

  test('the admin endpoint suppresses a person by email: their linked visitor is no longer captured', async () => {
    const company = await createTestCompany(db.ownerPool);
    const admin = { authorization: `Bearer ${company.secretKey}` };
    // The person identified once, linking visitor v-p to their email.
    await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ visitor_id: 'v-p', event_name: 'identify', email: 'Person@Example.com' }) });
    const added = await fetch(`${server.url}/admin/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ kind: 'email', value: ' person@example.com', reason: 'GDPR objection' }),
    });
    expect(added.status).toBe(201);
    const list = (await (await fetch(`${server.url}/admin/suppressions`, { headers: admin })).json()) as { suppressions: Array<{ kind: string; value: string }> };
    expect(list.suppressions).toEqual([
      expect.objectContaining({ kind: 'email_hash', value: createHash('sha256').update('person@example.com').digest('hex') }),
    ]);

    const later = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ visitor_id: 'v-p' }) });
    expect(later.body).toMatchObject({ stored: false, dropped: 'suppressed' });
    const other = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ visitor_id: 'v-other' }) });
    expect(other.body).toMatchObject({ stored: true });
    expect(await dropsFor(company.companyId)).toEqual({ suppressed: 1 });
  });

  test('admin endpoints refuse site keys, unknown keys and keys without the admin scope', async () => {
    const company = await createTestCompany(db.ownerPool);
    const noAuth = await fetch(`${server.url}/admin/suppressions`);
    expect(noAuth.status).toBe(401);
    const siteKey = await fetch(`${server.url}/admin/suppressions`, { headers: { authorization: `Bearer ${company.siteKey}` } });
    expect(siteKey.status).toBe(401);
    const bad = await fetch(`${server.url}/admin/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${company.secretKey}` },
      body: JSON.stringify({ kind: 'email', value: 'not an email' }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'invalid request', errors: [{ path: 'value', message: 'expected an email address' }] });
  });

  test('the admin endpoint turns tracking off and on for the whole company', async () => {
    const company = await createTestCompany(db.ownerPool);
    const patch = (body: unknown) =>
      fetch(`${server.url}/admin/tracking`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${company.secretKey}` },
        body: JSON.stringify(body),
      });
    expect((await patch({ tracking_enabled: false })).status).toBe(200);
    expect((await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() })).body).toMatchObject({ dropped: 'tracking_disabled' });
    expect((await patch({ tracking_enabled: true, gpc_policy: 'anonymize' })).status).toBe(200);
    expect((await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() })).body).toMatchObject({ stored: true });
    expect((await patch({ gpc_policy: 'sometimes' })).status).toBe(422);
  });
});

test('known bots are not stored, and counted', async () => {
  const company = await createTestCompany(db.ownerPool);
  const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, {
    'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  });
  expect(response.body).toMatchObject({ stored: false, dropped: 'bot' });
  expect(await dropsFor(company.companyId)).toEqual({ bot: 1 });
});

test('while Postgres is down the collector answers 503 with Retry-After, stores nothing, and a retry later stores once', async () => {
  const company = await createTestCompany(db.ownerPool);
  const { pool, proxy, close } = await poolThroughProxy(db.appUrl, 2);
  const outageServer = await startTestCollector(db, { appPool: pool });
  const event = pageView({ event_id: randomUUID() });
  try {
    await proxy.cut();
    const during = await postJson(`${outageServer.url}/e`, { site_key: company.siteKey, ...event });
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('2');
    expect(during.body.error).toMatch(/database unavailable/);
    expect(await storedFor(company.companyId)).toBe(0);

    await proxy.restore();
    const after = await postJson(`${outageServer.url}/e`, { site_key: company.siteKey, ...event });
    expect(after.body).toMatchObject({ stored: true });
    expect(await storedFor(company.companyId)).toBe(1);
  } finally {
    await outageServer.close();
    await close();
  }
});
