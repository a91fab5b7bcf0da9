// The collector against a real Postgres: endpoints, limits, errors, dedup, sessions, identity, CORS.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { pageView, postJson, startTestCollector, TEST_IP_HASH_SECRET } from '../support/collector';
import { selectRawEvents } from '../support/raw-events';

let db: TestDatabase;
let server: Awaited<ReturnType<typeof startTestCollector>>;
let company: Awaited<ReturnType<typeof createTestCompany>>;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestCollector(db);
  company = await createTestCompany(db.ownerPool);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const eventsById = (ids: string[]) => db.ownerPool.any(selectRawEvents(sql.fragment`event_id = ANY(${sql.array(ids, 'uuid')})`));

describe('POST /e', () => {
  it('stores an event with its enrichment and answers only after it is committed', async () => {
    const event = pageView({ visitor_id: 'v-store', session_id: 's-store' });
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, stored: true, duplicate: false, dropped: null });

    const [row] = await eventsById([event.event_id]);
    expect(row).toMatchObject({ event_name: 'page_view', visitor_id: 'v-store', session_id: 's-store', source: 'browser' });
    expect(row?.context).toMatchObject({ channel: 'Email', utm: { source: 'newsletter', medium: 'email', campaign: 'spring' } });
    // The IP is kept only as HMAC-SHA256 with the server secret (fetch from loopback: 127.0.0.1).
    expect(row?.ip_hash).toBe(createHmac('sha256', TEST_IP_HASH_SECRET).update('127.0.0.1').digest('hex'));
  });

  it('stores a retry with the same event_id once, and says it was a duplicate', async () => {
    const event = pageView({ visitor_id: 'v-dup', session_id: 's-dup' });
    await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
    const retry = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
    expect(retry.body).toMatchObject({ ok: true, stored: false, duplicate: true });
    expect(await eventsById([event.event_id])).toHaveLength(1);
    const session = await db.ownerPool.one(sql.type(z.object({ event_count: z.number() }))`
      SELECT event_count FROM sessions WHERE session_id = 's-dup'`);
    expect(session.event_count).toBe(1);
  });

  it('accepts the site key in the X-Lux-Site-Key header and a text/plain body (sendBeacon)', async () => {
    const event = pageView({ visitor_id: 'v-beacon', session_id: 's-beacon' });
    const response = await postJson(`${server.url}/e`, event, { 'content-type': 'text/plain;charset=UTF-8', 'x-lux-site-key': company.siteKey });
    expect(response.status).toBe(200);
    expect(await eventsById([event.event_id])).toHaveLength(1);
  });

  it('generates a visitor_id when the event has none and returns it', async () => {
    const event = pageView({ visitor_id: undefined, session_id: undefined });
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
    expect(response.body.visitor_id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    const [row] = await eventsById([event.event_id]);
    expect(row?.visitor_id).toBe(response.body.visitor_id);
  });

  it('clamps a browser clock far in the past and keeps what the client said', async () => {
    const event = pageView({ occurred_at: '2001-01-01T00:00:00Z' });
    await postJson(`${server.url}/e`, { site_key: company.siteKey, ...event });
    const [row] = await eventsById([event.event_id]);
    expect(row?.client_occurred_at).toBe(Date.parse('2001-01-01T00:00:00Z'));
    expect(row!.received_at - row!.occurred_at).toBeGreaterThanOrEqual(72 * 3600 * 1000 - 1000);
    expect(row!.received_at - row!.occurred_at).toBeLessThanOrEqual(72 * 3600 * 1000 + 1000);
  });
});

describe('errors are clear and never touch what is stored', () => {
  it('rejects an unknown site key with 401', async () => {
    const response = await postJson(`${server.url}/e`, { site_key: 'lux_pk_doesnotexist000000', ...pageView() });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unknown or revoked site key');
  });

  it('rejects a missing site key with 401 saying where to put it', async () => {
    const response = await postJson(`${server.url}/e`, pageView());
    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/missing site key/);
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await postJson(`${server.url}/e`, '{"site_key": ');
    expect(response).toMatchObject({ status: 400, body: { error: 'malformed JSON in request body' } });
  });

  it('rejects an oversized body with 413', async () => {
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ properties: { blob: 'x'.repeat(70_000) } }) });
    expect(response.status).toBe(413);
  });

  it('rejects a schema violation with 422 naming the failing fields', async () => {
    const response = await postJson(`${server.url}/e`, {
      site_key: company.siteKey,
      ...pageView({ event_id: 'not-a-uuid', properties: { big: 'y'.repeat(9000) }, surprise: 1 }),
    });
    expect(response.status).toBe(422);
    const paths = (response.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['(body)', 'event_id', 'properties']);
  });

  it('rejects a purchase without order_id, value and currency with 422 naming the missing fields', async () => {
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView({ event_name: 'purchase', properties: { coupon: 'X' } }) });
    expect(response.status).toBe(422);
    const paths = (response.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['properties.currency', 'properties.order_id', 'properties.value']);
    const stored = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM raw_events WHERE event_name = 'purchase'`);
    expect(stored).toBe(0);
  });

  it('rejects NUL characters, which Postgres cannot store, with 400', async () => {
    const response = await postJson(`${server.url}/e`, `{"site_key":"${company.siteKey}","event_id":"${randomUUID()}","event_name":"x","user_id":"a\\u0000b"}`);
    expect(response).toMatchObject({ status: 400, body: { error: 'request body contains NUL characters' } });
  });

  it('stores the good events of a batch and reports the bad ones by index', async () => {
    const good = [pageView({ session_id: 's-mixed' }), pageView({ session_id: 's-mixed', event_name: 'add_to_cart' })];
    const response = await postJson(`${server.url}/e/batch`, {
      site_key: company.siteKey,
      events: [good[0], { event_name: 'no id' }, good[1], 'not an object'],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, accepted: 2, duplicates: 0 });
    expect((response.body.rejected as Array<{ index: number }>).map((r) => r.index)).toEqual([1, 3]);
    expect(await eventsById(good.map((e) => e.event_id))).toHaveLength(2);
  });

  it('rejects a batch of more than 500 events with 413 and one with only bad events with 422', async () => {
    const tooMany = await postJson(`${server.url}/e/batch`, { site_key: company.siteKey, events: Array.from({ length: 501 }, () => ({})) });
    expect(tooMany.status).toBe(413);
    const allBad = await postJson(`${server.url}/e/batch`, { site_key: company.siteKey, events: [{}, { event_id: 1 }] });
    expect(allBad.status).toBe(422);
  });
});

describe('CORS', () => {
  it('answers the preflight for any storefront origin without credentials', async () => {
    const response = await fetch(`${server.url}/e/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses origins a site key is not limited to, and lets the listed one through', async () => {
    await db.ownerPool.query(sql.unsafe`UPDATE site_keys SET allowed_origins = '{https://allowed.example}' WHERE site_key = ${company.siteKey}`);
    try {
      const refused = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, { origin: 'https://evil.example' });
      expect(refused).toMatchObject({ status: 403, body: { error: 'origin not allowed for this site key' } });
      expect(refused.headers.get('access-control-allow-origin')).toBe('https://evil.example');
      const allowed = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, { origin: 'https://allowed.example' });
      expect(allowed.status).toBe(200);
    } finally {
      await db.ownerPool.query(sql.unsafe`UPDATE site_keys SET allowed_origins = '{}' WHERE site_key = ${company.siteKey}`);
    }
  });
});

describe('sessions and identity', () => {
  const serverEvent = (visitor: string, minutes: number, pageUrl = 'https://shop.example/p') => ({
    event_id: randomUUID(),
    event_name: 'page_view',
    visitor_id: visitor,
    page_url: pageUrl,
    occurred_at: new Date(Date.UTC(2026, 10, 1, 12, 0) + minutes * 60_000).toISOString(),
  });
  const sessionsOf = (visitor: string) =>
    db.ownerPool.any(sql.type(z.object({ session_id: z.string(), event_count: z.number(), page_view_count: z.number(), channel: z.string(), utm_campaign: z.string().nullable() }))`
      SELECT session_id, event_count, page_view_count, channel, utm_campaign FROM sessions WHERE visitor_id = ${visitor} ORDER BY started_at`);

  it('starts a new session after 30 minutes of inactivity or a new campaign (server-side events)', async () => {
    const auth = { authorization: `Bearer ${company.secretKey}` };
    const events = [
      serverEvent('v-sess', 0, 'https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=a'),
      serverEvent('v-sess', 10),
      serverEvent('v-sess', 25),
      serverEvent('v-sess', 70), // 45 minutes idle → new session
      serverEvent('v-sess', 75, 'https://shop.example/?utm_source=facebook&utm_medium=paid_social&utm_campaign=b'), // new campaign
    ];
    const response = await postJson(`${server.url}/e/batch`, { events: events.slice(0, 2) }, auth);
    expect(response.body).toMatchObject({ accepted: 2 });
    // A second request continues the stored session rather than starting a new one.
    await postJson(`${server.url}/e/batch`, { events: events.slice(2) }, auth);

    const sessions = await sessionsOf('v-sess');
    expect(sessions.map((s) => [s.event_count, s.channel, s.utm_campaign])).toEqual([
      [3, 'Paid Search', 'a'],
      [1, 'Direct', null],
      [1, 'Paid Social', 'b'],
    ]);
    expect(sessions[0]?.session_id).toBe(events[0]?.event_id);
  });

  it('links a visitor to a user and a hashed email on identify, never storing the email', async () => {
    const email = '  Jane.Doe@Example.COM ';
    const identify = { ...pageView({ visitor_id: 'v-ident', session_id: 's-ident' }), event_name: 'identify', user_id: 'user-42', email };
    const response = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...identify });
    expect(response.body.stored).toBe(true);
    const expectedHash = createHash('sha256').update('jane.doe@example.com').digest('hex');
    const links = await db.ownerPool.any(sql.type(z.object({ user_id: z.string(), email_hash: z.string() }))`
      SELECT user_id, email_hash FROM identity_links WHERE visitor_id = 'v-ident'`);
    expect(links).toEqual([{ user_id: 'user-42', email_hash: expectedHash }]);
    const leaked = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM raw_events WHERE raw_events::text ILIKE '%jane.doe%'`);
    expect(leaked).toBe(0);
  });
});

describe('group commit', () => {
  it('answers 60 concurrent requests after sharing far fewer transactions than requests', async () => {
    // A longer wait than the default 4 ms, so a busy test machine (2 shared cores) that spreads the
    // requests' arrival over a few ms still shows the grouping; the mechanism is the same.
    const grouped = await startTestCollector(db, { groupCommit: { maxWaitMs: 40 } });
    const events = Array.from({ length: 60 }, (_, i) => pageView({ visitor_id: `v-gc-${i}`, session_id: `s-gc-${i}` }));
    const responses = await Promise.all(events.map((e) => postJson(`${grouped.url}/e`, { site_key: company.siteKey, ...e }))).finally(() => grouped.close());
    expect(responses.every((r) => r.status === 200 && r.body.stored === true)).toBe(true);
    // xmin is the id of the transaction that inserted a row: distinct values = commits used.
    const transactions = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(DISTINCT xmin::text)::int AS n FROM raw_events
      WHERE event_id = ANY(${sql.array(events.map((e) => e.event_id), 'uuid')})`);
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThan(30);
  });
});

describe('GET /lux.js', () => {
  it('serves the snippet with caching headers and answers 304 to a matching ETag', async () => {
    const first = await fetch(`${server.url}/lux.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/javascript/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=300/);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await first.text()).length).toBeGreaterThan(500);
    const again = await fetch(`${server.url}/lux.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });
});
