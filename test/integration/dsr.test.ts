// Data subject requests end to end against a real collector and Postgres: export (admin API), delete
// (CLI and admin API), opt-out. A person is built the way production builds one: browser events, an
// identify with an email, a second device linked by user id, an order with its attribution.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { hashEmail } from '../../lib/enrichment/privacy';
import { subjectDigest } from '../../lib/privacy/dsr';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { pageView, postJson, startTestCollector } from '../support/collector';

jest.setTimeout(60_000);

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

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

async function lux(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: db.ownerUrl } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const n = z.object({ n: z.coerce.number() });
const count = (table: string, companyId: string, where = sql.fragment`true`) =>
  db.ownerPool.oneFirst(sql.type(n)`SELECT count(*) AS n FROM ${sql.identifier([table])} WHERE company_id = ${companyId} AND ${where}`);

/** A person (two devices, one email, one user id) and a bystander, with an attributed order each. */
async function buildPerson(tag: string) {
  const company = await createTestCompany(db.ownerPool, `DSR ${tag}`);
  const email = `Person.${tag}@Example.com`;
  const visitor = `v-${tag}-phone`;
  const visitor2 = `v-${tag}-laptop`;
  const user = `u-${tag}`;
  const send = (events: unknown[]) => postJson(`${server.url}/e/batch`, { site_key: company.siteKey, events });
  expect((await send([
    pageView({ visitor_id: visitor, session_id: `s-${tag}-1` }),
    { ...pageView({ visitor_id: visitor, session_id: `s-${tag}-1` }), event_name: 'identify', user_id: user, email },
    pageView({ visitor_id: visitor2, session_id: `s-${tag}-2`, user_id: user }),
    pageView({ visitor_id: `v-${tag}-bystander`, session_id: `s-${tag}-3` }),
  ])).status).toBe(200);
  const emailHash = hashEmail(email)!;
  for (const [id, v, e, s] of [[`o-${tag}-1`, visitor, emailHash, `s-${tag}-1`], [`o-${tag}-2`, `v-${tag}-bystander`, null, `s-${tag}-3`]] as const) {
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, created_at, visitor_id, email_hash, session_id)
      VALUES (${company.companyId}, 'woocommerce', ${id}, ${id}, 'paid', 'processing', 'EUR', 4200, now(), ${v}, ${e}, ${s})`);
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
        touch_count, first_touch_session_id, first_touch_reason, last_touch_session_id, last_touch_reason, path_digest)
      VALUES (${company.companyId}, 'woocommerce', ${id}, 'attribution-v1', 'last_non_direct', now(), 'EUR', 4200, now(), 1, ${s}, 'earliest_in_30d', ${s}, 'latest_in_72h', 'x')`);
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO attribution_paths (company_id, source, external_id, session_id, visitor_id, matched_by, started_at_us, channel, touch_source, touch_medium,
        campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor, credit_position_based_minor, credit_time_decay_minor)
      VALUES (${company.companyId}, 'woocommerce', ${id}, ARRAY[${s}], ARRAY[${v}]::text[], '{order_visitor}', ARRAY[(extract(epoch FROM now()) * 1000000)::bigint],
        '{Email}', '{newsletter}', '{email}', '{NULL}', '{first_last}', '{x}', '{4200}', '{4200}', '{4200}', '{4200}', '{4200}')`);
  }
  return { company, email, emailHash, visitor, visitor2, user };
}

const admin = (companySecret: string, action: string, body: unknown) =>
  postJson(`${server.url}/admin/dsr/${action}`, body, { authorization: `Bearer ${companySecret}` });

test('export returns what we hold on a person found by email: links, both devices\' sessions, event counts, orders, and no IPs', async () => {
  const p = await buildPerson('export');
  const answer = await admin(p.company.secretKey, 'export', { kind: 'email', value: p.email.toUpperCase() });
  expect(answer.status).toBe(200);
  const data = answer.body.data as Record<string, unknown> & { identity: Record<string, string[]> };
  expect(data.identity).toEqual({ visitorIds: expect.arrayContaining([p.visitor, p.visitor2]) as unknown, userIds: [p.user], emailHashes: [p.emailHash] });
  expect(data.sessions).toHaveLength(2);
  expect(data.raw_events_by_name).toEqual([
    expect.objectContaining({ event_name: 'identify', events: 1 }),
    expect.objectContaining({ event_name: 'page_view', events: 2 }),
  ]);
  expect(data.orders).toEqual([expect.objectContaining({ external_id: 'o-export-1', total_minor: 4200, currency: 'EUR' })]);
  const text = JSON.stringify(answer.body);
  expect(text).not.toMatch(/127\.0\.0\.1|ip_hash/);
  expect(text).not.toContain(p.email.toLowerCase());
  expect(text).not.toContain('bystander');
  // Logged, by digest only.
  const logged = await db.ownerPool.one(sql.type(z.object({ action: z.string(), subject_kind: z.string(), subject_digest: z.string(), requested_via: z.string() }))`
    SELECT action, subject_kind, subject_digest, requested_via FROM dsr_requests WHERE company_id = ${p.company.companyId}`);
  expect(logged).toEqual({ action: 'export', subject_kind: 'email_hash', subject_digest: subjectDigest({ kind: 'email_hash', value: p.emailHash }), requested_via: 'admin_api' });
});

test('delete from the CLI removes links and sessions, unlinks (keeps) the order, drops its attribution, suppresses the person; raw events stay', async () => {
  const p = await buildPerson('delete');
  const c = p.company.companyId;
  const rawBefore = await count('raw_events', c);
  const result = await lux('dsr', 'delete', '--company', c, '--user-id', p.user, '--reason', 'GDPR Art. 17');
  expect(result).toMatchObject({
    ok: true,
    action: 'delete',
    counts: { identity_links_deleted: expect.any(Number) as unknown, sessions_deleted: 2, order_attributions_deleted: 1, orders_unlinked: 1, suppressions_added: 4, raw_events_kept: 3 },
  });

  expect(await count('identity_links', c)).toBe(0);
  expect(await count('sessions', c, sql.fragment`visitor_id IN (${p.visitor}, ${p.visitor2})`)).toBe(0);
  const order = await db.ownerPool.one(sql.type(z.object({ total_minor: z.coerce.number(), email_hash: z.string().nullable(), visitor_id: z.string().nullable(), session_id: z.string().nullable(), user_id: z.string().nullable() }))`
    SELECT total_minor, email_hash, visitor_id, session_id, user_id FROM orders WHERE company_id = ${c} AND external_id = 'o-delete-1'`);
  expect(order).toEqual({ total_minor: 4200, email_hash: null, visitor_id: null, session_id: null, user_id: null });
  expect(await count('order_attribution', c, sql.fragment`external_id = 'o-delete-1'`)).toBe(0);
  expect(await count('attribution_touches', c, sql.fragment`external_id = 'o-delete-1'`)).toBe(0);
  // The bystander is untouched.
  expect(await count('sessions', c, sql.fragment`visitor_id = 'v-delete-bystander'`)).toBe(1);
  expect(await count('order_attribution', c, sql.fragment`external_id = 'o-delete-2'`)).toBe(1);
  // Raw events are append-only: all kept, and nothing derived leads from them to the person any more.
  expect(await count('raw_events', c)).toBe(rawBefore);
  expect(await count('suppressions', c, sql.fragment`kind = 'email_hash' AND value = ${p.emailHash}`)).toBe(1);

  // Capture stops on either device.
  const again = await postJson(`${server.url}/e`, { site_key: p.company.siteKey, ...pageView({ visitor_id: p.visitor2, session_id: 's-delete-9' }) });
  expect(again.body).toMatchObject({ stored: false, dropped: 'suppressed' });
  expect(await count('raw_events', c)).toBe(rawBefore);

  // An export afterwards finds nothing but the suppressions and the pseudonymous raw events of the id asked for.
  const after = await lux('dsr', 'export', '--company', c, '--email', p.email);
  const data = after.data as Record<string, unknown[]>;
  expect({ links: data.identity_links, sessions: data.sessions, orders: data.orders }).toEqual({ links: [], sessions: [], orders: [] });
  const log = await db.ownerPool.anyFirst(sql.type(z.object({ action: z.string() }))`SELECT action FROM dsr_requests WHERE company_id = ${c} ORDER BY requested_at`);
  expect(log).toEqual(['delete', 'export']);
  const logText = await db.ownerPool.oneFirst(sql.type(z.object({ t: z.string() }))`SELECT string_agg(d::text, '|') AS t FROM dsr_requests d WHERE company_id = ${c}`);
  expect(logText).not.toContain(p.user);
  expect(logText.toLowerCase()).not.toContain(p.email.toLowerCase());
});

test('delete over the admin API by visitor id reaches the linked device too', async () => {
  const p = await buildPerson('apidel');
  const answer = await admin(p.company.secretKey, 'delete', { kind: 'visitor_id', value: p.visitor2 });
  expect(answer.status).toBe(200);
  expect(answer.body.counts).toMatchObject({ sessions_deleted: 2, orders_unlinked: 1 });
  expect(await count('identity_links', p.company.companyId)).toBe(0);
});

test('opt-out suppresses the person without deleting anything; wrong input and keys are refused', async () => {
  const p = await buildPerson('optout');
  const c = p.company.companyId;
  const answer = await admin(p.company.secretKey, 'opt-out', { kind: 'email', value: p.email, reason: 'objection' });
  expect(answer.body).toMatchObject({ ok: true, action: 'opt_out', counts: { suppressions_added: 1 } });
  expect(await count('identity_links', c)).toBeGreaterThan(0);
  const next = await postJson(`${server.url}/e`, { site_key: p.company.siteKey, ...pageView({ visitor_id: p.visitor }) });
  expect(next.body).toMatchObject({ dropped: 'suppressed' });

  expect((await admin(p.company.secretKey, 'delete', { kind: 'email', value: 'not-an-email' })).status).toBe(422);
  expect((await admin(p.company.secretKey, 'export', { kind: 'name', value: 'x' })).status).toBe(422);
  expect((await admin('lux_sk_wrong', 'export', { kind: 'user_id', value: p.user })).status).toBe(401);
  expect((await postJson(`${server.url}/admin/dsr/export`, { kind: 'user_id', value: p.user })).status).toBe(401);
  // Another company's key sees nothing of this person.
  const other = await createTestCompany(db.ownerPool, 'Other');
  const foreign = await admin(other.secretKey, 'export', { kind: 'user_id', value: p.user });
  expect((foreign.body.data as Record<string, unknown[]>).sessions).toEqual([]);
});
