// Tenant isolation over HTTP (the database side is tenant-isolation.test.ts): the company is always the
// key's. A site key of company A cannot write events for B, whatever the body or headers say, and
// every admin and read endpoint (enumerated from the app's routers) refuses a request without a
// secret key, and answers a key of another company with that company's data only.
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import { sql } from 'slonik';
import { z } from 'zod';
import { createApp } from '../../collector/app';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { createLogger } from '../../lib/logger';
import { pageView, postJson, TEST_IP_HASH_SECRET } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { listen } from '../support/http';

let db: TestDatabase;
let server: { url: string; close: () => Promise<void> };
let a: { companyId: string; siteKey: string; secretKey: string };
let b: { companyId: string; siteKey: string; secretKey: string };
const marker = `a-only-${randomUUID()}`;
const app = () => createApp({ appPool: db.appPool, logger: createLogger('test-collector', 'silent'), ipHashSecret: TEST_IP_HASH_SECRET, keyCacheTtlMs: 0 });

beforeAll(async () => {
  db = await createTestDatabase();
  server = await listen(app());
  a = await createTestCompany(db.ownerPool, `Company ${marker}`);
  b = await createTestCompany(db.ownerPool, 'Company B');
  await postJson(`${server.url}/admin/suppressions`, { kind: 'user_id', value: marker }, { authorization: `Bearer ${a.secretKey}` });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const countRow = z.object({ n: z.coerce.number() });
const eventsOf = (companyId: string) => db.ownerPool.oneFirst(sql.type(countRow)`SELECT count(*) AS n FROM raw_events WHERE company_id = ${companyId}`);

describe('a site key of A cannot write events for B', () => {
  test('mixed keys in body and header, a secret key of A with a site key of B, a company_id field: nothing lands in B', async () => {
    const before = await eventsOf(b.companyId);
    const bodyA = await postJson(`${server.url}/e`, { site_key: a.siteKey, ...pageView() }, { 'x-lux-site-key': b.siteKey });
    const secretA = await postJson(`${server.url}/e`, { site_key: b.siteKey, ...pageView() }, { authorization: `Bearer ${a.secretKey}` });
    const companyField = await postJson(`${server.url}/e`, { site_key: a.siteKey, ...pageView({ company_id: b.companyId }) });
    const batchField = await postJson(`${server.url}/e/batch`, { site_key: a.siteKey, company_id: b.companyId, events: [pageView()] });
    expect(companyField.status).toBe(422); // unknown field, rejected rather than ignored
    expect(batchField.status).toBeGreaterThanOrEqual(400);
    // Whatever was accepted was stored for A, the key's company.
    expect([bodyA.status, secretA.status]).toEqual([200, 200]);
    expect(await eventsOf(b.companyId)).toBe(before);
    expect(await eventsOf(a.companyId)).toBeGreaterThanOrEqual(2);
  });

  test('an event id B already used is stored for A as A’s own row; B’s row is untouched', async () => {
    const event = pageView({ page_url: 'https://b.example/' });
    expect((await postJson(`${server.url}/e`, { site_key: b.siteKey, ...event })).body).toMatchObject({ stored: true });
    const again = await postJson(`${server.url}/e`, { site_key: a.siteKey, ...event, page_url: 'https://a.example/' });
    expect(again.body).toMatchObject({ stored: true, duplicate: false });
    const rows = await db.ownerPool.any(sql.type(z.object({ company_id: z.string(), page_url: z.string().nullable() }))`
      SELECT company_id, page_url FROM raw_events WHERE event_id = ${event.event_id as string} ORDER BY page_url`);
    expect(rows).toEqual([
      { company_id: a.companyId, page_url: 'https://a.example/' },
      { company_id: b.companyId, page_url: 'https://b.example/' },
    ]);
  });
});

/** Every route of the app's routers under /admin and /dashboards. */
function adminAndReadRoutes(): Array<{ method: string; path: string }> {
  const routers = app()
    .middleware.map((m) => (m as { router?: Router }).router)
    .filter((r): r is Router => r !== undefined);
  return routers
    .flatMap((r) => r.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((method) => ({ method, path: String(layer.path) }))))
    .filter((r) => /^\/(admin|dashboards)(\/|$)/.test(r.path));
}

/** Entry points that must be reachable without a key: the sign-in forms, logout and static assets. */
const PUBLIC = new Set(['POST /admin/login', 'GET /dashboards', 'GET /dashboards/', 'POST /dashboards/login', 'POST /dashboards/logout', 'GET /dashboards/assets/:asset']);

function concrete(path: string): string {
  const first = loadDashboards()[0];
  return path
    .replace(':dashboard', first?.slug ?? 'executive')
    .replace(':question', first?.questions[0]?.slug ?? 'kpis')
    .replace(/:[a-z_]+/gi, randomUUID());
}

async function call(method: string, path: string, key?: string) {
  const response = await fetch(`${server.url}${concrete(path)}`, {
    method,
    redirect: 'manual',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: method === 'GET' ? undefined : JSON.stringify({ kind: 'user_id', value: `probe-${randomUUID()}` }),
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

describe('every admin and read endpoint needs a secret key of its own company', () => {
  test('the routes are enumerated from the app (and include the admin ones)', () => {
    const names = adminAndReadRoutes().map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(expect.arrayContaining(['GET /admin/suppressions', 'POST /admin/suppressions', 'PATCH /admin/tracking']));
  });

  test('without a key: 401 (HTML pages: a redirect to the sign-in page), for every protected route', async () => {
    const answers: string[] = [];
    for (const route of adminAndReadRoutes()) {
      if (PUBLIC.has(`${route.method} ${route.path}`)) continue;
      const r = await call(route.method, route.path);
      const refused = r.status === 401 || ((r.status === 302 || r.status === 303) && r.location === '/dashboards');
      answers.push(`${route.method} ${route.path} → ${refused ? 'refused' : `${r.status}`}`);
    }
    expect(answers.filter((line) => !line.endsWith('refused'))).toEqual([]);
    expect(answers.length).toBeGreaterThan(3);
  });

  test('with a site key (public) instead of a secret key: refused too', async () => {
    for (const route of adminAndReadRoutes()) {
      if (PUBLIC.has(`${route.method} ${route.path}`)) continue;
      const r = await call(route.method, route.path, a.siteKey);
      expect({ route: `${route.method} ${route.path}`, refused: r.status === 401 || r.status === 403 || r.status === 302 || r.status === 303 }).toEqual({ route: `${route.method} ${route.path}`, refused: true });
    }
  });

  test('with the admin key of company B: never a row, a name or a setting of company A', async () => {
    const suppressionsBefore = await db.ownerPool.oneFirst(sql.type(countRow)`SELECT count(*) AS n FROM suppressions WHERE company_id = ${a.companyId}`);
    for (const route of adminAndReadRoutes()) {
      if (PUBLIC.has(`${route.method} ${route.path}`)) continue;
      const r = await call(route.method, route.path, b.secretKey);
      expect({ route: `${route.method} ${route.path}`, leaks: r.text.includes(marker) || r.text.includes(a.companyId) }).toEqual({ route: `${route.method} ${route.path}`, leaks: false });
    }
    // B's writes changed nothing of A's.
    expect(await db.ownerPool.oneFirst(sql.type(countRow)`SELECT count(*) AS n FROM suppressions WHERE company_id = ${a.companyId}`)).toBe(suppressionsBefore);
  });
});
