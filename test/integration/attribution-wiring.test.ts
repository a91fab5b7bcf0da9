// Attribution wiring end to end: nothing calls the attribution workflows by hand here. A signed WooCommerce
// webhook → collector → processWebhook workflow → its attributeOrder child → order_attribution; and a
// storefront purchase event → collector → attributeOrder started after the commit → order_attribution.
// The worker runs on a task queue of this test's own; the webhook's processWebhook run is told to start its
// attribution children there (attributionTaskQueue), and the collector's purchase starter starts them there.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { INTEGRATIONS } from '../../integrations/registry';
import { saveIntegrationCredentials } from '../../lib/credentials/store';
import { processWebhookWorkflowId } from '../../lib/workflow-ids';
import { startAttributeOrderWorkflow } from '../../workers/start-attribution';
import type { processWebhookWorkflow } from '../../workflows/process-webhook';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { postJson, startTestCollector } from '../support/collector';
import { postWebhook, TEST_CREDENTIALS_KEY } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { wooCommerceWebhookHeaders, wooOrder } from '../support/fakes/woocommerce';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

const WEBHOOK_SECRET = 'woo-webhook-secret-for-attribution-wiring';
const woo = { storeUrl: 'https://shop.example.com', consumerKey: 'ck_test', consumerSecret: 'cs_test', webhookSecret: WEBHOOK_SECRET };
const taskQueue = `test-attribution-wiring-${randomUUID()}`;

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let collector: Awaited<ReturnType<typeof startTestCollector>>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  worker = await createTestWorker(db, env, taskQueue);
  running = worker.run();
  collector = await startTestCollector(db, {
    credentialsKey: TEST_CREDENTIALS_KEY,
    // as collector/webhooks/start-processing.ts does, plus where the attribution children go
    startWebhookProcessing: async (input) => {
      const workflowId = processWebhookWorkflowId(input.companyId, input.source, input.webhookId);
      await env.client.workflow.start<typeof processWebhookWorkflow>('processWebhookWorkflow', {
        workflowId,
        taskQueue,
        args: [{ companyId: input.companyId, webhookId: input.webhookId, attributionTaskQueue: taskQueue }],
        typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return workflowId;
    },
    startOrderAttribution: (companyId, order) => startAttributeOrderWorkflow(env.client, { companyId, ...order }, taskQueue),
  });
});
afterAll(async () => {
  await collector?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

const attributionRow = z.object({
  source: z.string(),
  external_id: z.string(),
  first_touch_session_id: z.string().nullable(),
  first_touch_channel: z.string().nullable(),
  first_touch_source: z.string().nullable(),
  first_touch_medium: z.string().nullable(),
  last_touch_session_id: z.string().nullable(),
  last_touch_channel: z.string().nullable(),
  last_touch_source: z.string().nullable(),
  last_touch_medium: z.string().nullable(),
  touch_count: z.number(),
});

async function attributionOf(companyId: string) {
  return db.ownerPool.any(sql.type(attributionRow)`
    SELECT source, external_id, first_touch_session_id, first_touch_channel, first_touch_source, first_touch_medium,
      last_touch_session_id, last_touch_channel, last_touch_source, last_touch_medium, touch_count
    FROM order_attribution WHERE company_id = ${companyId} ORDER BY source, external_id`);
}

/** Polls until the attribution is stored: the attributeOrder run is started after the answer, nobody awaits it. */
async function eventually<T>(read: () => Promise<readonly T[]>, timeoutMs = 30_000): Promise<readonly T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await read();
    if (rows.length > 0 || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const gmt = (ms: number): string => new Date(ms).toISOString().slice(0, 19); // WooCommerce's *_gmt format

test('a signed WooCommerce webhook leads to the order attribution from the visitor in the order meta', async () => {
  const company = await createTestCompany(db.ownerPool, 'Wiring Shop');
  await saveIntegrationCredentials(db.appPool, TEST_CREDENTIALS_KEY, company.companyId, 'woocommerce', INTEGRATIONS.woocommerce.credentialsSchema, woo);
  const order = wooOrder({ id: 7001, number: '7001', date_created_gmt: gmt(Date.parse('2026-03-10T12:00:00Z')) });
  // the visitor id the fake order carries in its meta (_lux_visitor_id)
  const visitor = z.array(z.object({ key: z.string(), value: z.unknown() })).parse(order.meta_data).find((m) => m.key === '_lux_visitor_id')?.value;
  expect(typeof visitor).toBe('string');
  // the visitor's sessions: a newsletter click 3 days before the purchase, a paid search click 2 hours before,
  // and another visitor's session, which must not count
  for (const [sessionId, visitorId, startedAt, channel, utmSource, utmMedium] of [
    ['w-email', visitor, '2026-03-07T12:00:00Z', 'Email', 'newsletter', 'email'],
    ['w-cpc', visitor, '2026-03-10T10:00:00Z', 'Paid Search', 'google', 'cpc'],
    ['w-other', 'someone-else', '2026-03-10T11:00:00Z', 'Paid Social', 'facebook', 'paid_social'],
  ] as const) {
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium)
      VALUES (${company.companyId}, ${sessionId}, ${String(visitorId)}, ${startedAt}, ${startedAt}, ${channel}, 'test', ${utmSource}, ${utmMedium})`);
  }

  const body = JSON.stringify(order);
  const answer = await postWebhook(`${collector.url}/webhooks/woocommerce/${company.siteKey}`, body, wooCommerceWebhookHeaders(body, WEBHOOK_SECRET, 'order.created'));
  expect(answer.status).toBe(200);
  await expect(env.client.workflow.getHandle(answer.body?.workflow_id as string).result()).resolves.toMatchObject({ counts: { orders: 1 } });

  expect(await eventually(() => attributionOf(company.companyId))).toEqual([
    {
      source: 'woocommerce',
      external_id: '7001',
      first_touch_session_id: 'w-email',
      first_touch_channel: 'Email',
      first_touch_source: 'newsletter',
      first_touch_medium: 'email',
      last_touch_session_id: 'w-cpc',
      last_touch_channel: 'Paid Search',
      last_touch_source: 'google',
      last_touch_medium: 'cpc',
      touch_count: 2,
    },
  ]);
});

test('a storefront purchase event posted to the collector leads to its attribution being stored', async () => {
  const company = await createTestCompany(db.ownerPool, 'Wiring Storefront');
  const visitorId = `wiring-visitor-${randomUUID()}`;
  const pageView = {
    site_key: company.siteKey,
    event_id: randomUUID(),
    event_name: 'page_view',
    visitor_id: visitorId,
    page_url: 'https://shop.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
    referrer: '',
  };
  expect((await postJson(`${collector.url}/e`, pageView)).status).toBe(200);
  const session = await db.ownerPool.one(sql.type(z.object({ session_id: z.string(), channel: z.string() }))`
    SELECT session_id, channel FROM sessions WHERE company_id = ${company.companyId} AND visitor_id = ${visitorId}`);

  const purchase = {
    site_key: company.siteKey,
    event_id: randomUUID(),
    event_name: 'purchase',
    visitor_id: visitorId,
    page_url: 'https://shop.example.com/checkout/order-received/',
    properties: { order_id: 'W-900', value: 4200, currency: 'EUR' },
  };
  expect((await postJson(`${collector.url}/e`, purchase)).status).toBe(200);

  expect(await eventually(() => attributionOf(company.companyId))).toEqual([
    {
      source: 'storefront',
      external_id: 'W-900',
      first_touch_session_id: session.session_id,
      first_touch_channel: session.channel,
      first_touch_source: 'newsletter',
      first_touch_medium: 'email',
      last_touch_session_id: session.session_id,
      last_touch_channel: session.channel,
      last_touch_source: 'newsletter',
      last_touch_medium: 'email',
      touch_count: 1,
    },
  ]);
});
