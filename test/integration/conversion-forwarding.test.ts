// Conversion forwarding end to end: real Postgres, the real Temporal dev server, attributeOrderWorkflow
// starting forwardConversionWorkflow, and local fakes of Google Ads, Meta, TikTok and GA4 that check and
// record the exact requests. Orders are seeded as the collector and the imports would store them.
import { createHash, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { payloadSha256 } from '../../lib/forwarding/payloads';
import { attributeOrderWorkflowId, forwardConversionWorkflowId } from '../../lib/workflow-ids';
import { attributeOrderWorkflow } from '../../workflows/attribute-order';
import type { ForwardConversionResult } from '../../workflows/forward-conversion';
import { forwardConversionWorkflow } from '../../workflows/forward-conversion';
import { connectVendor } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startFakeGa4, type FakeGa4 } from '../support/fakes/ga4';
import { startFakeGoogleAds, type FakeGoogleAds } from '../support/fakes/google-ads';
import { startFakeMeta, type FakeMeta } from '../support/fakes/meta';
import { startFakeTikTok, type FakeTikTok } from '../support/fakes/tiktok';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

const googleSecrets = { developerToken: 'dev-token', clientId: 'client-id', clientSecret: 'client-secret', refreshToken: 'refresh-token' };
const sha = (v: string): string => createHash('sha256').update(v).digest('hex');

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let google: FakeGoogleAds;
let meta: FakeMeta;
let tiktok: FakeTikTok;
let ga4: FakeGa4;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `test-forwarding-${randomUUID()}`;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  google = await startFakeGoogleAds(googleSecrets);
  meta = await startFakeMeta();
  tiktok = await startFakeTikTok();
  ga4 = await startFakeGa4();
  worker = await createTestWorker(db, env, taskQueue, { forwardingRequestTimeoutMs: 1000 });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.all([google?.close(), meta?.close(), tiktok?.close(), ga4?.close()]);
  await env?.teardown();
  await db?.drop();
}, 30_000);

/** A company connected to every destination, with forwarding enabled for `enabled`. */
async function forwardingCompany(enabled: Array<'google_ads' | 'meta' | 'tiktok' | 'ga4'> = ['google_ads', 'meta', 'tiktok']) {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'google_ads', { ...googleSecrets, customerIds: '123-456-7890', apiBaseUrl: google.url, tokenUrl: google.tokenUrl });
  await connectVendor(db, companyId, 'meta', { accessToken: meta.accessToken, adAccountIds: '111', apiBaseUrl: meta.url });
  await connectVendor(db, companyId, 'tiktok', { accessToken: tiktok.accessToken, advertiserIds: '222', apiBaseUrl: tiktok.url });
  await connectVendor(db, companyId, 'ga4', { measurementId: ga4.measurementId, apiSecret: ga4.apiSecret, apiBaseUrl: ga4.url });
  const configs = { google_ads: { conversionActionId: '777' }, meta: { pixelId: '1234567890' }, tiktok: { pixelCode: 'C4ABCDEF12345678' }, ga4: {} };
  for (const destination of enabled) {
    await db.ownerPool.query(sql.unsafe`INSERT INTO conversion_forwarding_settings (company_id, destination, enabled, config) VALUES (${companyId}, ${destination}, true, ${JSON.stringify(configs[destination])}::jsonb)`);
  }
  return companyId;
}

type Seed = { orderId: string; clickIds?: Record<string, string>; consent?: Record<string, boolean>; gpc?: boolean; purchasedAt?: Date; email?: string; utm?: [string, string]; channel?: string };

/** A visit (session + page view) 1 hour before a purchase event and the WooCommerce order it belongs to. */
async function seedOrder(companyId: string, seed: Seed) {
  const purchasedAt = seed.purchasedAt ?? new Date(Date.now() - 3600_000);
  const visitor = `v-${seed.orderId}`;
  const session = `s-${seed.orderId}`;
  const startedAt = new Date(purchasedAt.getTime() - 3600_000);
  const purchaseEventId = randomUUID();
  const consent = seed.consent ?? { analytics: true, marketing: true };
  const gpc = seed.gpc ?? false;
  const emailHash = seed.email === undefined ? sha('jane@example.com') : sha(seed.email);
  const [utmSource, utmMedium] = seed.utm ?? ['google', 'cpc'];
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, landing_page, utm_source, utm_medium, click_ids, channel, channel_rule)
    VALUES (${companyId}, ${session}, ${visitor}, ${startedAt.toISOString()}, ${purchasedAt.toISOString()}, 'https://shop.example/p/1', ${utmSource}, ${utmMedium},
      ${JSON.stringify(seed.clickIds ?? { gclid: `gclid-${seed.orderId}` })}::jsonb, ${seed.channel ?? 'Paid Search'}, 'test')`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, visitor_id, session_id, page_url, consent, gpc, forwardable, properties)
    VALUES (${companyId}, ${randomUUID()}, 'page_view', ${startedAt.toISOString()}, 'browser', ${visitor}, ${session}, 'https://shop.example/p/1', ${JSON.stringify(consent)}::jsonb, ${gpc}, ${!gpc}, '{}'::jsonb),
           (${companyId}, ${purchaseEventId}, 'purchase', ${purchasedAt.toISOString()}, 'browser', ${visitor}, ${session}, 'https://shop.example/thanks', ${JSON.stringify(consent)}::jsonb, ${gpc}, ${!gpc},
            ${JSON.stringify({ order_id: seed.orderId, value: 12345, currency: 'EUR' })}::jsonb)`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, created_at, visitor_id, session_id, email_hash, purchase_event_id)
    VALUES (${companyId}, 'woocommerce', ${seed.orderId}, ${seed.orderId}, 'paid', 'completed', 'EUR', 12345, ${purchasedAt.toISOString()}, ${visitor}, ${session}, ${emailHash}, ${purchaseEventId})`);
  return { purchaseEventId, purchasedAt, startedAt, emailHash, visitor };
}

/** Attributes the order (the real trigger point) and waits for the forwarding run it started. */
async function attributeAndForward(companyId: string, orderId: string): Promise<ForwardConversionResult> {
  await env.client.workflow.execute(attributeOrderWorkflow, {
    workflowId: `${attributeOrderWorkflowId(companyId, 'woocommerce', orderId)}:${randomUUID()}`,
    taskQueue,
    args: [{ companyId, source: 'woocommerce', externalId: orderId }],
  });
  return env.client.workflow.getHandle(forwardConversionWorkflowId(companyId, 'woocommerce', orderId)).result() as Promise<ForwardConversionResult>;
}

const outboxRow = z.object({
  destination: z.string(), status: z.string(), forward: z.boolean(), reason: z.string(), attempts: z.number(), payload: z.unknown(), payload_sha256: z.string().nullable(),
  last_error: z.string().nullable(), partial_failure: z.unknown(), sent_at: z.unknown(),
});
const outbox = (companyId: string, orderId: string) =>
  db.ownerPool.any(sql.type(outboxRow)`
    SELECT destination, status, forward, reason, attempts, payload, payload_sha256, last_error, partial_failure, sent_at
    FROM conversion_outbox WHERE company_id = ${companyId} AND external_id = ${orderId} ORDER BY destination`);

test('an attributed order is forwarded to Google Ads, Meta and TikTok with the exact bodies and headers each expects, once', async () => {
  const companyId = await forwardingCompany();
  const seeded = await seedOrder(companyId, { orderId: '5001', clickIds: { gclid: 'Cj0KCQgclid', fbclid: 'IwAR0fbclid', ttclid: 'E.C.P.ttclid' } });
  const before = { google: google.uploads().length, meta: meta.eventRequests().length, tiktok: tiktok.eventRequests().length };

  const result = await attributeAndForward(companyId, '5001');
  expect(result.sends.map((s) => [s.destination, s.status]).sort()).toEqual([['google_ads', 'sent'], ['meta', 'sent'], ['tiktok', 'sent']]);

  const [upload] = google.uploads().slice(before.google);
  expect(upload?.headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer ya29\.fake-/) as string, 'developer-token': 'dev-token', 'content-type': 'application/json' });
  expect(upload?.path).toBe('/v19/customers/1234567890:uploadClickConversions');
  const berlin = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'medium' }).format(seeded.purchasedAt);
  expect(JSON.parse(upload?.body ?? '')).toEqual({
    conversions: [
      {
        gclid: 'Cj0KCQgclid',
        conversionAction: 'customers/1234567890/conversionActions/777',
        conversionDateTime: expect.stringMatching(new RegExp(`^${berlin}\\+0[12]:00$`)) as string,
        conversionValue: 123.45,
        currencyCode: 'EUR',
        orderId: '5001',
        userIdentifiers: [{ hashedEmail: sha('jane@example.com') }],
        consent: { adUserData: 'GRANTED' },
      },
    ],
    partialFailure: true,
  });

  const [events] = meta.eventRequests().slice(before.meta);
  expect(events?.path).toBe('/v21.0/1234567890/events');
  expect(events?.headers.authorization).toBe(`Bearer ${meta.accessToken}`);
  expect(events?.query).toEqual({}); // the token never goes in the URL
  expect(JSON.parse(events?.body ?? '')).toEqual({
    data: [
      {
        event_name: 'Purchase',
        event_time: Math.floor(seeded.purchasedAt.getTime() / 1000),
        event_id: seeded.purchaseEventId,
        action_source: 'website',
        event_source_url: 'https://shop.example/thanks',
        user_data: { em: [sha('jane@example.com')], fbc: `fb.1.${seeded.startedAt.getTime()}.IwAR0fbclid` },
        custom_data: { currency: 'EUR', value: 123.45, order_id: '5001' },
      },
    ],
  });

  const [track] = tiktok.eventRequests().slice(before.tiktok);
  expect(track?.headers['access-token']).toBe(tiktok.accessToken);
  expect(JSON.parse(track?.body ?? '')).toEqual({
    event_source: 'web',
    event_source_id: 'C4ABCDEF12345678',
    data: [
      {
        event: 'CompletePayment',
        event_time: Math.floor(seeded.purchasedAt.getTime() / 1000),
        event_id: seeded.purchaseEventId,
        user: { email: [sha('jane@example.com')], ttclid: 'E.C.P.ttclid' },
        properties: { currency: 'EUR', value: 123.45, order_id: '5001', content_type: 'product' },
        page: { url: 'https://shop.example/thanks' },
      },
    ],
  });

  const rows = await outbox(companyId, '5001');
  expect(rows.map((r) => [r.destination, r.status, r.reason, r.attempts])).toEqual([['google_ads', 'sent', 'ok', 1], ['meta', 'sent', 'ok', 1], ['tiktok', 'sent', 'ok', 1]]);
  for (const r of rows) expect(r.payload_sha256).toBe(payloadSha256(r.payload));

  // A second run (re-attribution, a replayed start) sends nothing again.
  await env.client.workflow.execute(forwardConversionWorkflow, { workflowId: `again-${randomUUID()}`, taskQueue, args: [{ companyId, source: 'woocommerce', externalId: '5001', sendTaskQueue: taskQueue }] });
  expect(google.uploads().length - before.google).toBe(1);
  expect(meta.eventRequests().length - before.meta).toBe(1);
  expect((await outbox(companyId, '5001')).map((r) => r.attempts)).toEqual([1, 1, 1]);
}, 60_000);

test('a GPC order is never sent, whatever the settings, and the decision is recorded', async () => {
  const companyId = await forwardingCompany();
  await seedOrder(companyId, { orderId: 'gpc-1', gpc: true, clickIds: { gclid: 'gclid-gpc', fbclid: 'fbclid-gpc' } });
  const before = google.uploads().length + meta.eventRequests().length;
  const result = await attributeAndForward(companyId, 'gpc-1');
  expect(result.sends).toEqual([]);
  expect(google.uploads().length + meta.eventRequests().length).toBe(before);
  expect((await outbox(companyId, 'gpc-1')).map((r) => [r.destination, r.status, r.forward, r.reason, r.payload])).toEqual([
    ['google_ads', 'skipped', false, 'gpc', null],
    ['meta', 'skipped', false, 'gpc', null],
  ]);
}, 60_000);

test('no ads consent, a suppressed person and a company that has not enabled forwarding are not sent, each with its reason', async () => {
  const companyId = await forwardingCompany(['google_ads']);
  await seedOrder(companyId, { orderId: 'nc-1', consent: { analytics: true } });
  await seedOrder(companyId, { orderId: 'denied-1', consent: { analytics: true, marketing: false } });
  await seedOrder(companyId, { orderId: 'sup-1', email: 'objector@example.com' });
  await db.ownerPool.query(sql.unsafe`INSERT INTO suppressions (company_id, kind, value, reason) VALUES (${companyId}, 'email_hash', ${sha('objector@example.com')}, 'GDPR objection')`);
  await seedOrder(companyId, { orderId: 'meta-off', clickIds: { fbclid: 'fb-off' }, utm: ['facebook', 'paid_social'], channel: 'Paid Social' });
  const before = google.uploads().length + meta.eventRequests().length;
  for (const id of ['nc-1', 'denied-1', 'sup-1', 'meta-off']) expect((await attributeAndForward(companyId, id)).sends).toEqual([]);
  expect(google.uploads().length + meta.eventRequests().length).toBe(before);
  const reasons = await db.ownerPool.any(sql.type(z.object({ external_id: z.string(), destination: z.string(), status: z.string(), reason: z.string() }))`
    SELECT external_id, destination, status, reason FROM conversion_outbox WHERE company_id = ${companyId} ORDER BY external_id`);
  expect(reasons).toEqual([
    { external_id: 'denied-1', destination: 'google_ads', status: 'skipped', reason: 'ads_consent_denied' },
    { external_id: 'meta-off', destination: 'meta', status: 'skipped', reason: 'forwarding_disabled' },
    { external_id: 'nc-1', destination: 'google_ads', status: 'skipped', reason: 'no_ads_consent' },
    { external_id: 'sup-1', destination: 'google_ads', status: 'skipped', reason: 'suppressed' },
  ]);
}, 60_000);

test('a retry after a timeout does not count twice where the vendor dedupes, and every attempt is recorded', async () => {
  const companyId = await forwardingCompany(['google_ads', 'meta']);
  await seedOrder(companyId, { orderId: 'slow-1', clickIds: { gclid: 'gclid-slow', fbclid: 'fbclid-slow' } });
  const before = { google: google.uploads().length, meta: meta.eventRequests().length, googleKept: google.conversions.length, metaKept: meta.events.length };
  // Both vendors receive and keep the first request but answer after our 1 s timeout.
  google.delayNextUpload(2500);
  meta.delayNextEvents(2500);

  const result = await attributeAndForward(companyId, 'slow-1');
  expect(result.sends.map((s) => [s.destination, s.status, s.attempts]).sort()).toEqual([['google_ads', 'sent', 2], ['meta', 'sent', 2]]);
  // Sent twice, kept once: Meta dedupes on event_id, Google refuses the second upload as already there.
  expect(google.uploads().length - before.google).toBe(2);
  expect(meta.eventRequests().length - before.meta).toBe(2);
  expect(google.conversions.length - before.googleKept).toBe(1);
  expect(meta.events.length - before.metaKept).toBe(1);
  const [first, second] = meta.eventRequests().slice(before.meta);
  expect(second?.body).toBe(first?.body);
  const rows = await outbox(companyId, 'slow-1');
  expect(rows.map((r) => [r.destination, r.status, r.attempts])).toEqual([['google_ads', 'sent', 2], ['meta', 'sent', 2]]);
  expect(rows[0]?.last_error).toMatch(/already uploaded \(conversionUploadError:CLICK_CONVERSION_ALREADY_EXISTS\)/);
}, 60_000);

test('a Meta event older than 7 days is marked expired and never sent; Google still gets it', async () => {
  const companyId = await forwardingCompany(['google_ads', 'meta']);
  await seedOrder(companyId, { orderId: 'old-1', purchasedAt: new Date(Date.now() - 8 * 86400_000), clickIds: { gclid: 'gclid-old', fbclid: 'fbclid-old' } });
  const before = meta.eventRequests().length;
  const result = await attributeAndForward(companyId, 'old-1');
  expect(result.sends.map((s) => [s.destination, s.status]).sort()).toEqual([['google_ads', 'sent'], ['meta', 'expired']]);
  expect(meta.eventRequests().length).toBe(before);
  const rows = await outbox(companyId, 'old-1');
  expect(rows.find((r) => r.destination === 'meta')).toMatchObject({ status: 'expired', attempts: 0, last_error: 'Meta refuses events older than 7 days' });
}, 60_000);

test('a conversion Google refuses is recorded as a partial failure with its details, not retried', async () => {
  const companyId = await forwardingCompany(['google_ads']);
  google.rejectClickIds.add('gclid-bad');
  await seedOrder(companyId, { orderId: 'bad-1', clickIds: { gclid: 'gclid-bad' } });
  const before = google.uploads().length;
  const result = await attributeAndForward(companyId, 'bad-1');
  expect(result.sends).toEqual([expect.objectContaining({ destination: 'google_ads', status: 'partial_failure', attempts: 1 })]);
  expect(google.uploads().length - before).toBe(1);
  const [row] = await outbox(companyId, 'bad-1');
  expect(row?.status).toBe('partial_failure');
  expect(row?.last_error).toMatch(/UNPARSEABLE_GCLID/);
  expect(JSON.stringify(row?.partial_failure)).toMatch(/"conversionUploadError":"UNPARSEABLE_GCLID"/);
}, 60_000);

test('GA4 as a secondary view gets a server-side purchase with our visitor id as client_id', async () => {
  const companyId = await forwardingCompany(['ga4']);
  const seeded = await seedOrder(companyId, { orderId: 'ga4-1', clickIds: {}, utm: ['newsletter', 'email'], channel: 'Email' });
  const before = ga4.requests.length;
  const result = await attributeAndForward(companyId, 'ga4-1');
  expect(result.sends).toEqual([expect.objectContaining({ destination: 'ga4', status: 'sent' })]);
  const [request] = ga4.requests.slice(before);
  expect(request?.path).toBe('/mp/collect');
  expect(request?.query).toEqual({ measurement_id: ga4.measurementId, api_secret: ga4.apiSecret });
  expect(JSON.parse(request?.body ?? '')).toEqual({
    client_id: seeded.visitor,
    timestamp_micros: seeded.purchasedAt.getTime() * 1000,
    non_personalized_ads: true,
    events: [{ name: 'purchase', params: { transaction_id: 'ga4-1', value: 123.45, currency: 'EUR' } }],
  });
}, 60_000);
