// The demo's load step (lib/demo/load.ts) against a test collector: a few days of generated history,
// the last day through POST /e/batch and signed WooCommerce webhooks, the rest through the bulk path;
// every record lands once, and a second load stores nothing new.
import { sql } from 'slonik';
import { z } from 'zod';
import { wooCommerceCredentialsSchema } from '../../integrations/woocommerce/credentials';
import { saveIntegrationCredentials } from '../../lib/credentials/store';
import { withTenant } from '../../lib/db/tenant';
import { generateStorefront } from '../../lib/demo/generator';
import { deliverWooCommerceOrders, insertAdSpend, insertMessages, loadEventsBulk, postEvents, saveOrdersBulk } from '../../lib/demo/load';
import { startTestCollector, TEST_IP_HASH_SECRET } from '../support/collector';
import { TEST_CREDENTIALS_KEY } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

jest.setTimeout(60_000);

const STORE = 'https://demo-store.lux.localhost';
const WEBHOOK_SECRET = 'demo-webhook-secret';
let db: TestDatabase;
let collector: { url: string; close: () => Promise<void> };
let company: { companyId: string; siteKey: string; secretKey: string };

beforeAll(async () => {
  db = await createTestDatabase();
  company = await createTestCompany(db.ownerPool, 'Demo Load');
  await saveIntegrationCredentials(db.ownerPool, TEST_CREDENTIALS_KEY, company.companyId, 'woocommerce', wooCommerceCredentialsSchema, {
    storeUrl: STORE,
    consumerKey: 'ck_demo',
    consumerSecret: 'cs_demo',
    webhookSecret: WEBHOOK_SECRET,
  });
  collector = await startTestCollector(db, { credentialsKey: TEST_CREDENTIALS_KEY });
});

afterAll(async () => {
  await collector?.close();
  await db?.drop();
});

const count = (query: ReturnType<typeof sql.unsafe>) =>
  withTenant(db.ownerPool, company.companyId, (tx) => tx.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT (${query})::int AS n`));

it('loads a few days through the collector, signed webhooks and the bulk path, once', async () => {
  const data = generateStorefront({ seed: 7, days: 4, lastDay: '2026-03-31', sessionsPerDay: 40, storeUrl: STORE });
  const liveFrom = `${data.days.at(-1)!}T00:00:00.000Z`;
  const live = data.events.filter((e) => e.occurred_at >= liveFrom);
  const history = data.events.filter((e) => e.occurred_at < liveFrom);
  const liveOrders = data.orders.filter((o) => o.createdAt >= liveFrom);
  const historyOrders = data.orders.filter((o) => o.createdAt < liveFrom);
  expect(live.length).toBeGreaterThan(0);
  expect(history.length).toBeGreaterThan(0);
  expect(data.orders.length).toBeGreaterThan(0);

  const posted = await postEvents(collector.url, company.secretKey, live);
  expect(posted).toMatchObject({ accepted: live.length, duplicates: 0, rejected: 0 });
  expect(await loadEventsBulk(db.ownerPool, company.companyId, TEST_IP_HASH_SECRET, history)).toBe(history.length);
  const delivered = await deliverWooCommerceOrders(collector.url, company.siteKey, WEBHOOK_SECRET, liveOrders, { storeUrl: STORE });
  const refundedLive = liveOrders.filter((o) => o.refunds.length > 0).length;
  expect(delivered).toEqual({ deliveries: liveOrders.length + refundedLive, stored: liveOrders.length + refundedLive, duplicates: 0 });
  expect(await saveOrdersBulk(db.ownerPool, company.companyId, historyOrders, STORE)).toBe(historyOrders.length);
  await withTenant(db.ownerPool, company.companyId, async (tx) => {
    expect(await insertAdSpend(tx, company.companyId, data.spend)).toBe(data.spend.length);
    await insertMessages(tx, company.companyId, data.messages);
  });

  const id = company.companyId;
  expect(await count(sql.unsafe`SELECT count(*) FROM raw_events WHERE company_id = ${id}`)).toBe(data.events.length);
  // Events keep their past occurred_at (server-side source), the first one exactly.
  expect(await count(sql.unsafe`SELECT count(*) FROM raw_events WHERE company_id = ${id} AND occurred_at = ${data.events[0]!.occurred_at}::timestamptz`)).toBeGreaterThanOrEqual(1);
  expect(await count(sql.unsafe`SELECT count(*) FROM sessions WHERE company_id = ${id}`)).toBe(data.sessions.length);
  expect(await count(sql.unsafe`SELECT count(*) FROM raw_webhooks WHERE company_id = ${id} AND source = 'woocommerce'`)).toBe(liveOrders.length + refundedLive);
  expect(await count(sql.unsafe`SELECT count(*) FROM orders WHERE company_id = ${id} AND source = 'woocommerce'`)).toBe(historyOrders.length);
  expect(await count(sql.unsafe`SELECT count(*) FROM ad_spend WHERE company_id = ${id}`)).toBe(data.spend.length);
  expect(await count(sql.unsafe`SELECT count(*) FROM message_sends WHERE company_id = ${id}`)).toBe(data.messages.length);
  expect(await count(sql.unsafe`SELECT count(*) FROM message_events WHERE company_id = ${id}`)).toBe(data.messages.reduce((s, m) => s + m.events.length, 0));

  // A second load stores nothing new.
  const again = await postEvents(collector.url, company.secretKey, live);
  expect(again).toMatchObject({ accepted: 0, duplicates: live.length });
  expect(await loadEventsBulk(db.ownerPool, company.companyId, TEST_IP_HASH_SECRET, history)).toBe(0);
  const redelivered = await deliverWooCommerceOrders(collector.url, company.siteKey, WEBHOOK_SECRET, liveOrders, { storeUrl: STORE });
  expect(redelivered.duplicates).toBe(liveOrders.length + refundedLive);
  expect(await count(sql.unsafe`SELECT count(*) FROM raw_events WHERE company_id = ${id}`)).toBe(data.events.length);
});
