// No raw IP, email, key, token or signature reaches the logs. A real collector (behind a "proxy":
// TRUST_PROXY, so the client IP comes from X-Forwarded-For) logs at debug level into memory while it
// takes events, an identify with an email, bad input, a rate-limited burst, admin calls with a secret
// key, a data subject request and webhook deliveries with wrong signatures; then every line is searched.
import { Writable } from 'node:stream';
import { createLogger } from '../../lib/logger';
import { TEST_CREDENTIALS_KEY, connectVendor } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { pageView, postJson, startTestCollector } from '../support/collector';

jest.setTimeout(60_000);

const CLIENT_IP = '203.0.113.77';
const EMAIL = 'Leaky.Person@Example.com';
const WEBHOOK_SECRET = 'whsec_logcapturesecret123';
const SHOPIFY_SECRET = 'shopify-log-capture-secret';
const FORGED_SIGNATURE = 'c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtYmUtbG9nZ2Vk';

let db: TestDatabase;
const lines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

test('no raw IP, email, site key, secret key, webhook secret or signature appears in any log line', async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const company = await createTestCompany(db.ownerPool, 'Log Shop');
  await connectVendor(db, company.companyId, 'stripe', { apiKey: 'sk_test_logcapture', webhookSecret: WEBHOOK_SECRET });
  await connectVendor(db, company.companyId, 'shopify', { shopDomain: 'logs.myshopify.com', accessToken: 'shpat_0123456789abcdef0123456789abcdef', webhookSecret: SHOPIFY_SECRET });
  const server = await startTestCollector(db, {
    logger: createLogger('test-collector', 'trace', sink),
    trustProxy: true,
    credentialsKey: TEST_CREDENTIALS_KEY,
    rateLimits: { ip: { perSecond: 1, burst: 6 } },
  });
  const fromClient = { 'x-forwarded-for': CLIENT_IP };
  try {
    await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, fromClient);
    await postJson(`${server.url}/e`, { ...pageView(), event_name: 'identify', user_id: 'u-log', email: EMAIL }, { ...fromClient, 'x-lux-site-key': company.siteKey });
    await postJson(`${server.url}/e/batch`, { site_key: company.siteKey, events: [{ event_id: 'nope', email: EMAIL }] }, fromClient);
    await postJson(`${server.url}/e`, { ...pageView(), user_id: 'u-log' }, { ...fromClient, authorization: `Bearer ${company.secretKey}` });
    // Over the per-IP limit: refused and logged by IP hash.
    for (let i = 0; i < 4; i += 1) await postJson(`${server.url}/e`, { site_key: company.siteKey, ...pageView() }, fromClient);
    const admin = { authorization: `Bearer ${company.secretKey}` };
    await postJson(`${server.url}/admin/suppressions`, { kind: 'email', value: EMAIL, reason: 'log test' }, admin);
    await postJson(`${server.url}/admin/dsr/export`, { kind: 'email', value: EMAIL }, admin);
    await postJson(`${server.url}/admin/dsr/delete`, { kind: 'user_id', value: 'u-log' }, admin);
    await postJson(`${server.url}/admin/suppressions`, { kind: 'email', value: EMAIL }, { authorization: 'Bearer lux_sk_wrong-key-must-not-be-logged' });
    await postJson(`${server.url}/webhooks/stripe/${company.siteKey}`, { id: 'evt_1', type: 'charge.succeeded' }, { 'stripe-signature': `t=1,v1=${'ab'.repeat(32)}` });
    await postJson(`${server.url}/webhooks/shopify/${company.siteKey}`, { id: 1, email: EMAIL }, { 'x-shopify-hmac-sha256': FORGED_SIGNATURE, 'x-shopify-topic': 'orders/create' });
  } finally {
    await server.close();
  }

  expect(lines.length).toBeGreaterThan(5);
  expect(lines.some((l) => l.includes('rate limit'))).toBe(true);
  expect(lines.some((l) => l.includes('webhook signature'))).toBe(true);
  const forbidden = [CLIENT_IP, EMAIL, EMAIL.toLowerCase(), company.siteKey, company.secretKey, 'lux_sk_wrong-key-must-not-be-logged', WEBHOOK_SECRET, SHOPIFY_SECRET, FORGED_SIGNATURE, 'ab'.repeat(32), TEST_CREDENTIALS_KEY.key.toString('hex')];
  const leaks = lines.flatMap((line) => forbidden.filter((secret) => line.includes(secret)).map((secret) => ({ secret: secret.slice(0, 12), line: line.slice(0, 300) })));
  expect(leaks).toEqual([]);
  process.stdout.write(`log-privacy: ${lines.length} log lines checked for ${forbidden.length} secrets: 0 leaks\n`);
});
