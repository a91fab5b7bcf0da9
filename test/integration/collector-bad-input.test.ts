// Bad input at the HTTP level, against a real collector and Postgres: oversized bodies (413), content
// types we do not read (415), bodies that trickle in too slowly (408, slow-loris style, over a raw TCP
// socket), and ingest rate limits (429 + Retry-After). Each is a clear 4xx, nothing is stored, and the
// process keeps serving.
import net from 'node:net';
import { sql } from 'slonik';
import { z } from 'zod';
import { TEST_CREDENTIALS_KEY, connectVendor } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { CHROME_UA, pageView, postJson, startTestCollector } from '../support/collector';

let db: TestDatabase;
let server: Awaited<ReturnType<typeof startTestCollector>>;
let company: Awaited<ReturnType<typeof createTestCompany>>;

const BODY_TIMEOUT_MS = 1_000;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestCollector(db, { credentialsKey: TEST_CREDENTIALS_KEY, bodyTimeoutMs: BODY_TIMEOUT_MS });
  company = await createTestCompany(db.ownerPool);
  await connectVendor(db, company.companyId, 'stripe', { apiKey: 'sk_test_x', webhookSecret: 'whsec_bad_input_test' });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const storedCount = () =>
  db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT (SELECT count(*) FROM raw_events) + (SELECT count(*) FROM raw_webhooks) AS n`);

async function stillServes(): Promise<void> {
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  const ok = await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() });
  expect(ok.status).toBe(200);
}

/** Sends the head and then `body` one byte every `everyMs`; resolves with what the server wrote back and when it closed. */
function trickle(path: string, body: string, everyMs: number): Promise<{ response: string; closedAfterMs: number; bytesSent: number }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(url.port), url.hostname);
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => undefined); // a reset after the answer is the point of the test
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: Date.now() - started, bytesSent: sent });
    });
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nUser-Agent: ${CHROME_UA}\r\n` +
          `X-Lux-Site-Key: ${company.siteKey}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      timer = setInterval(() => {
        if (sent >= body.length || socket.destroyed) return clearInterval(timer);
        socket.write(body[sent]!);
        sent += 1;
      }, everyMs);
    });
    setTimeout(() => reject(new Error('the server never closed the slow connection')), 20_000).unref();
  });
}

describe('oversized bodies', () => {
  it('answers 413 to a body over 64 KB on /e and over 1 MB on /e/batch, and stores nothing', async () => {
    const before = await storedCount();
    const big = { site_key: company.siteKey, ...pageView({ properties: { blob: 'x'.repeat(70 * 1024) } }) };
    expect((await postJson(`${server.url}/e`, big)).status).toBe(413);
    const batch = { site_key: company.siteKey, events: Array.from({ length: 300 }, () => pageView({ properties: { blob: 'y'.repeat(4000) } })) };
    const answer = await postJson(`${server.url}/e/batch`, batch);
    expect(answer.status).toBe(413);
    expect(String(answer.body?.error)).toMatch(/larger than 1048576 bytes/);
    expect(await storedCount()).toBe(before);
    await stillServes();
  });

  it('answers 413 when Content-Length alone announces too much, without waiting for the bytes', async () => {
    const result = await trickle('/e', ' '.repeat(200 * 1024), 10_000);
    expect(result.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS);
  });

  it('answers 413 to a webhook body over 5 MB', async () => {
    const response = await fetch(`${server.url}/webhooks/stripe/${company.siteKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: 'x'.repeat(5 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    await stillServes();
  });
});

describe('content types', () => {
  it.each([
    ['/e', 'application/x-www-form-urlencoded'],
    ['/e', 'text/html; charset=utf-8'],
    ['/e/batch', 'multipart/form-data; boundary=x'],
    ['/e/batch', 'application/xml'],
  ])('answers 415 on %s for %s, and stores nothing', async (path, contentType) => {
    const before = await storedCount();
    const body = path === '/e' ? { site_key: company.siteKey, ...pageView() } : { site_key: company.siteKey, events: [pageView()] };
    const answer = await postJson(`${server.url}${path}`, body, { 'content-type': contentType });
    expect(answer.status).toBe(415);
    expect(String(answer.body?.error)).toMatch(/unsupported Content-Type/);
    expect(await storedCount()).toBe(before);
  });

  it('reads application/json, text/plain (sendBeacon), a +json type and a body without Content-Type', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'text/plain;charset=UTF-8', 'application/vnd.lux+json', undefined]) {
      const response = await fetch(`${server.url}/e`, {
        method: 'POST',
        headers: { 'user-agent': CHROME_UA, ...(contentType ? { 'content-type': contentType } : {}) },
        body: new Blob([JSON.stringify({ site_key: company.siteKey, ...pageView() })]),
      });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 200 });
    }
  });

  it('answers 415 to a webhook that is not JSON, or has no Content-Type (vendors always send one)', async () => {
    const url = `${server.url}/webhooks/stripe/${company.siteKey}`;
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<x/>' })).status).toBe(415);
    expect((await fetch(url, { method: 'POST', body: new Blob(['{}']) })).status).toBe(415);
    // WooCommerce's creation ping is form-encoded: that one type is allowed for it.
    expect((await fetch(`${server.url}/webhooks/woocommerce/${company.siteKey}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '' })).status).toBe(415);
  });
});

describe('slow bodies', () => {
  it('answers 408 and closes the connection when a body trickles in slower than the deadline (slow loris)', async () => {
    const before = await storedCount();
    const body = JSON.stringify({ site_key: company.siteKey, ...pageView() });
    const result = await trickle('/e', body, 100);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.response).toMatch(/did not arrive within 1000 ms/);
    expect(result.response.toLowerCase()).toContain('connection: close');
    expect(result.bytesSent).toBeLessThan(body.length);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS);
    expect(result.closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 3_000);
    expect(await storedCount()).toBe(before);
    await stillServes();
  });

  it('does the same for a webhook body', async () => {
    const result = await trickle(`/webhooks/stripe/${company.siteKey}`, JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' }), 100);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
    await stillServes();
  });

  it('holds many slow connections at once and still serves others', async () => {
    const body = JSON.stringify({ site_key: company.siteKey, ...pageView() });
    const slow = Array.from({ length: 20 }, () => trickle('/e/batch', body, 200));
    await stillServes();
    const results = await Promise.all(slow);
    expect(results.map((r) => r.response.slice(0, 12))).toEqual(Array(20).fill('HTTP/1.1 408'));
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and a JSON reason past the per-IP burst, and counts it', async () => {
    const limited = await startTestCollector(db, { rateLimits: { ip: { perSecond: 1, burst: 5 } } });
    try {
      const answers: Awaited<ReturnType<typeof postJson>>[] = [];
      for (let i = 0; i < 8; i += 1) answers.push(await postJson(`${limited.url}/e`, { site_key: company.siteKey, ...pageView() }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const refused = answers[5]!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body).toMatchObject({ reason: 'rate_limited_ip' });
      expect(typeof refused.body.retry_after_seconds).toBe('number');
      // The snippet can read it: CORS headers are on the 429 too.
      const cors = await fetch(`${limited.url}/e`, { method: 'POST', headers: { origin: 'https://shop.example', 'content-type': 'text/plain' }, body: '{}' });
      expect(cors.status).toBe(429);
      expect(cors.headers.get('access-control-allow-origin')).toBeTruthy();
      // Health and other paths are never limited.
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits per key: another company is not slowed by one company over its limit', async () => {
    const other = await createTestCompany(db.ownerPool, 'Other Shop');
    const limited = await startTestCollector(db, { rateLimits: { siteKey: { perSecond: 1, burst: 3 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await postJson(`${limited.url}/e/batch`, { site_key: company.siteKey, events: [pageView(), pageView()] })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await postJson(`${limited.url}/e`, { site_key: company.siteKey, ...pageView() });
      expect(refused.body).toMatchObject({ reason: 'rate_limited_site_key' });
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await postJson(`${limited.url}/e`, { site_key: other.siteKey, ...pageView() })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
