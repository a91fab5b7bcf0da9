// Webhooks end to end: a signed WooCommerce delivery → collector (verify, store raw, start workflow) →
// real Temporal → worker activity → orders in Postgres. And the storefront purchase event meeting the
// platform's record of the same order.
import { createHash, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { hashEmail } from '../../lib/enrichment/privacy';
import { postJson } from '../support/collector';
import { allOrders, connectVendor, countedOrders, countRows, postWebhook, startCommerceStack } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { wooCommerceWebhookHeaders, wooOrder } from '../support/fakes/woocommerce';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';

const WEBHOOK_SECRET = 'woo-webhook-secret-for-tests';
const woo = { storeUrl: 'https://shop.example.com', consumerKey: 'ck_test', consumerSecret: 'cs_test', webhookSecret: WEBHOOK_SECRET };

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Awaited<ReturnType<typeof startCommerceStack>>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  stack = await startCommerceStack(db, env);
});
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
  await db?.drop();
});

async function connectedCompany() {
  const company = await createTestCompany(db.ownerPool);
  await connectVendor(db, company.companyId, 'woocommerce', woo);
  return { ...company, webhookUrl: `${stack.collector.url}/webhooks/woocommerce/${company.siteKey}` };
}

async function deliver(url: string, order: Record<string, unknown>, topic = 'order.updated', deliveryId = randomUUID()) {
  const body = JSON.stringify(order);
  return postWebhook(url, body, wooCommerceWebhookHeaders(body, WEBHOOK_SECRET, topic, { 'X-WC-Webhook-Delivery-ID': deliveryId }));
}

test('a webhook delivered 5 times yields one raw row, one workflow run and one order', async () => {
  const company = await connectedCompany();
  const order = wooOrder({ id: 5001, number: '5001', total: '49.90' });
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await deliver(company.webhookUrl, order));

  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.map((a) => a.body?.duplicate)).toEqual([false, true, true, true, true]);
  const workflowId = answers[0]?.body?.workflow_id as string;
  expect(workflowId).toBe(`webhook:${company.companyId}:woocommerce:${String(answers[0]?.body?.webhook_id)}`);
  await expect(stack.awaitWorkflow(workflowId)).resolves.toMatchObject({ outcome: 'stored', counts: { orders: 1 } });

  expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
  expect(await allOrders(db, company.companyId)).toEqual([
    expect.objectContaining({ source: 'woocommerce', external_id: '5001', status: 'paid', currency: 'EUR', total_minor: 4990, email_hash: hashEmail('jane.doe@example.com') }),
  ]);
  // The run is in the Temporal UI under the company.
  const description = await env.client.workflow.getHandle(workflowId).describe();
  expect(description.status.name).toBe('COMPLETED');
});

test('a later modification of the same order is a new delivery that updates the order', async () => {
  const company = await connectedCompany();
  const order = wooOrder({ id: 5002, number: '5002' });
  const first = await deliver(company.webhookUrl, order);
  await stack.awaitWorkflow(first.body?.workflow_id as string);
  const completed = { ...order, status: 'completed', date_modified_gmt: '2024-03-02T09:00:00' };
  const second = await deliver(company.webhookUrl, completed);
  expect(second.body?.duplicate).toBe(false);
  await stack.awaitWorkflow(second.body?.workflow_id as string);
  // An older state delivered late does not roll the order back.
  const stale = await deliver(company.webhookUrl, { ...order, status: 'on-hold', date_modified_gmt: '2024-03-01T11:00:00' });
  await expect(stack.awaitWorkflow(stale.body?.workflow_id as string)).resolves.toMatchObject({ counts: { staleSkipped: 1 } });
  expect((await allOrders(db, company.companyId)).map((o) => [o.external_id, o.status])).toEqual([['5002', 'fulfilled']]);
});

test('a bad signature yields 401 and stores nothing', async () => {
  const company = await connectedCompany();
  const body = JSON.stringify(wooOrder({ id: 5003 }));
  const tampered = body.replace('49.90', '0.01');
  const headers = wooCommerceWebhookHeaders(body, WEBHOOK_SECRET); // signature of the original body
  expect((await postWebhook(company.webhookUrl, tampered, headers)).status).toBe(401);
  expect((await postWebhook(company.webhookUrl, body, wooCommerceWebhookHeaders(body, 'another-secret'))).status).toBe(401);
  const unsigned = { ...headers };
  delete (unsigned as Record<string, string>)['X-WC-Webhook-Signature'];
  expect((await postWebhook(company.webhookUrl, body, unsigned)).status).toBe(401);
  expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(0);
  expect(await countRows(db, 'orders', company.companyId)).toBe(0);
});

test("WooCommerce's unsigned creation ping is answered 200 and stored nowhere", async () => {
  const company = await connectedCompany();
  const answer = await postWebhook(company.webhookUrl, 'webhook_id=7', { 'content-type': 'application/x-www-form-urlencoded' });
  expect(answer).toEqual({ status: 200, body: { ok: true, ping: true } });
  expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(0);
});

test('unknown vendors, unknown site keys and unconnected vendors are refused with a reason', async () => {
  const company = await createTestCompany(db.ownerPool);
  const body = JSON.stringify(wooOrder());
  const headers = wooCommerceWebhookHeaders(body, WEBHOOK_SECRET);
  const magento = await postWebhook(`${stack.collector.url}/webhooks/magento/${company.siteKey}`, body, headers);
  expect([magento.status, String(magento.body?.error)]).toEqual([404, expect.stringMatching(/unknown webhook vendor/)]);
  expect(await postWebhook(`${stack.collector.url}/webhooks/woocommerce/pk_nope`, body, headers)).toMatchObject({ status: 401 });
  const unconnected = await postWebhook(`${stack.collector.url}/webhooks/woocommerce/${company.siteKey}`, body, headers);
  expect([unconnected.status, String(unconnected.body?.error)]).toEqual([404, expect.stringMatching(/no woocommerce integration is configured/)]);
});

test('the raw body is kept byte for byte but encrypted: no email, name or IP in clear in the database', async () => {
  const company = await connectedCompany();
  const order = wooOrder({ id: 5004 });
  const answer = await deliver(company.webhookUrl, order);
  await stack.awaitWorkflow(answer.body?.workflow_id as string);
  const row = await db.ownerPool.one(sql.type(z.object({ body_ciphertext: z.instanceof(Buffer), body_sha256: z.string(), body_bytes: z.number() }))`
    SELECT body_ciphertext, body_sha256, body_bytes FROM raw_webhooks WHERE company_id = ${company.companyId}`);
  const text = row.body_ciphertext.toString('latin1');
  for (const secret of ['Jane.Doe@Example.com', 'Doe', '203.0.113.7', '1 Main Street']) expect(text).not.toContain(secret);
  const body = JSON.stringify(order);
  expect(row.body_sha256).toBe(createHash('sha256').update(body).digest('hex'));
  expect(row.body_bytes).toBe(Buffer.byteLength(body));
});

describe('the storefront purchase event and the platform record of one order', () => {
  const purchase = (siteKey: string, orderId: string, value: number) => ({
    site_key: siteKey,
    event_id: randomUUID(),
    event_name: 'purchase',
    visitor_id: 'visitor-checkout',
    session_id: 'session-checkout',
    page_url: 'https://shop.example.com/checkout/order-received/',
    properties: { order_id: orderId, value, currency: 'EUR' },
  });

  test('event first, then webhook: one counted order with the platform amounts and the storefront link', async () => {
    const company = await connectedCompany();
    expect((await postJson(`${stack.collector.url}/e`, purchase(company.siteKey, '#6001', 5000))).status).toBe(200);
    expect(await countedOrders(db, company.companyId)).toEqual([
      expect.objectContaining({ source: 'storefront', external_id: '#6001', provisional: true, total_minor: 5000, visitor_id: 'visitor-checkout' }),
    ]);

    const platform = wooOrder({ id: 6001, number: '6001', total: '49.90', meta_data: [] });
    const answer = await deliver(company.webhookUrl, platform, 'order.created');
    await expect(stack.awaitWorkflow(answer.body?.workflow_id as string)).resolves.toMatchObject({ counts: { orders: 1, mergedProvisional: 1 } });

    expect(await countedOrders(db, company.companyId)).toEqual([
      expect.objectContaining({ source: 'woocommerce', external_id: '6001', total_minor: 4990, visitor_id: 'visitor-checkout', session_id: 'session-checkout' }),
    ]);
    // The provisional row is kept for audit, marked as taken over.
    expect((await allOrders(db, company.companyId)).find((o) => o.source === 'storefront')).toMatchObject({ merged_into_external_id: '6001' });
  });

  test('webhook first, then event: the event only adds its links, amounts stay the platform’s', async () => {
    const company = await connectedCompany();
    const answer = await deliver(company.webhookUrl, wooOrder({ id: 6002, number: '6002', total: '120.00', meta_data: [] }), 'order.created');
    await stack.awaitWorkflow(answer.body?.workflow_id as string);
    expect((await postJson(`${stack.collector.url}/e`, purchase(company.siteKey, '6002', 99))).status).toBe(200);

    expect(await allOrders(db, company.companyId)).toEqual([
      expect.objectContaining({ source: 'woocommerce', external_id: '6002', total_minor: 12000, visitor_id: 'visitor-checkout', session_id: 'session-checkout' }),
    ]);
  });

  test('a purchase event with no platform record stays one provisional order, retried events included', async () => {
    const company = await createTestCompany(db.ownerPool);
    const event = purchase(company.siteKey, 'A-77', 2500);
    for (let i = 0; i < 3; i++) expect((await postJson(`${stack.collector.url}/e`, event)).status).toBe(200);
    expect(await countedOrders(db, company.companyId)).toEqual([expect.objectContaining({ source: 'storefront', external_id: 'A-77', total_minor: 2500, provisional: true })]);
  });
});
