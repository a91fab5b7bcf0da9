// Customer Match audience uploads end to end: real Postgres, the real Temporal dev server running
// syncAudienceWorkflow, and the local fake of the Google Ads API that checks the documented request shapes
// and records what it accepted. Customers are seeded as the collector and the imports store them: a visit
// whose events carry the consent flags, and orders with the hashed email.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { withTenant } from '../../lib/db/tenant';
import { handleDsrRequest } from '../../lib/privacy/dsr';
import { audienceSyncScheduleId } from '../../lib/workflow-ids';
import { syncAudienceWorkflow, type SyncAudienceProgress, type SyncAudienceWorkflowInput } from '../../workflows/sync-audience';
import { connectVendor, TEST_CREDENTIALS_KEY_HEX } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testEnv } from '../support/env';
import { startFakeGoogleAds, type FakeGoogleAds, type FakeOfflineJob } from '../support/fakes/google-ads';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

const googleSecrets = { developerToken: 'dev-token', clientId: 'client-id', clientSecret: 'client-secret', refreshToken: 'refresh-token' };
const sha = (v: string): string => createHash('sha256').update(v.trim().toLowerCase()).digest('hex');
const DAY = 86_400_000;

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let google: FakeGoogleAds;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `test-audiences-${randomUUID()}`;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  google = await startFakeGoogleAds({ ...googleSecrets, loginCustomerId: '9998887776' });
  worker = await createTestWorker(db, env, taskQueue, { forwardingRequestTimeoutMs: 2000 });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await google?.close();
  await env?.teardown();
  await db?.drop();
}, 30_000);

/** A company connected to Google Ads (through a manager account) with the purchasers audience enabled. */
async function audienceCompany(config: Record<string, unknown> = {}): Promise<string> {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'google_ads', { ...googleSecrets, customerIds: '123-456-7890', loginCustomerId: '999-888-7776', apiBaseUrl: google.url, tokenUrl: google.tokenUrl });
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO audience_settings (company_id, destination, audience, enabled, config) VALUES (${companyId}, 'google_ads', 'purchasers', true, ${JSON.stringify(config)}::jsonb)`);
  return companyId;
}

type Customer = { email: string; consent?: Record<string, boolean>; gpc?: boolean; orders?: number; status?: string; orderedAt?: Date };

/** A visit (page view with the given consent flags) and the person's orders, linked by visitor id and email hash. */
async function seedCustomer(companyId: string, c: Customer): Promise<string> {
  const visitor = `v-${randomUUID()}`;
  const at = c.orderedAt ?? new Date(Date.now() - DAY);
  const gpc = c.gpc ?? false;
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, visitor_id, page_url, consent, gpc, forwardable, properties)
    VALUES (${companyId}, ${randomUUID()}, 'page_view', ${new Date(at.getTime() - 3600_000).toISOString()}, 'browser', ${visitor}, 'https://shop.example/', ${JSON.stringify(c.consent ?? { analytics: true, marketing: true })}::jsonb, ${gpc}, ${!gpc}, '{}'::jsonb)`);
  for (let i = 0; i < (c.orders ?? 1); i += 1) {
    const orderId = randomUUID();
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, created_at, visitor_id, email_hash)
      VALUES (${companyId}, 'woocommerce', ${orderId}, ${orderId}, ${c.status ?? 'paid'}, 'completed', 'EUR', 5000, ${new Date(at.getTime() - i * DAY).toISOString()}, ${visitor}, ${sha(c.email)})`);
  }
  return visitor;
}

async function sync(companyId: string, extra: Partial<SyncAudienceWorkflowInput> = {}): Promise<SyncAudienceProgress> {
  return env.client.workflow.execute(syncAudienceWorkflow, {
    workflowId: `audience-sync-test-${randomUUID()}`,
    taskQueue,
    args: [{ companyId, audience: 'purchasers', sendTaskQueue: taskQueue, ...extra }],
  });
}

/** The fake's view of this company's list: its single user list and the jobs run against it. */
function listOf(customerId = '1234567890', name?: string) {
  const lists = [...google.userLists.values()].filter((l) => l.customerId === customerId && (name === undefined || l.name === name));
  expect(lists).toHaveLength(1);
  const list = lists[0] as NonNullable<(typeof lists)[number]>;
  const jobs = [...google.jobs.values()].filter((j) => j.userList === list.resourceName);
  return { list, jobs };
}
const members = (list: { members: Set<string> }): string[] => [...list.members].sort();
const accepted = (job: FakeOfflineJob | undefined): string[] => (job?.operations ?? []).map((o) => `${o.kind}:${o.hashedEmail}`).sort();
const nameOf = (companyId: string): string => `LUX Purchasers (${companyId.slice(0, 8)})`;

const memberRow = z.object({ email_hash: z.string(), uploaded: z.boolean(), pending_op: z.string().nullable() });
const storedMembers = (companyId: string) =>
  db.ownerPool.any(sql.type(memberRow)`
    SELECT email_hash, uploaded_at IS NOT NULL AS uploaded, pending_op FROM audience_members WHERE company_id = ${companyId} ORDER BY email_hash`);
const syncRow = z.object({ status: z.string(), adds: z.number(), removes: z.number(), attempts: z.number(), excluded: z.record(z.number()), last_error: z.string().nullable() });
const storedSyncs = (companyId: string) =>
  db.ownerPool.any(sql.type(syncRow)`SELECT status, adds, removes, attempts, excluded, last_error FROM audience_syncs WHERE company_id = ${companyId} ORDER BY sync_id`);

test('a first sync uploads exactly the consented purchasers’ hashes, with the documented requests, and a second sync sends nothing', async () => {
  const companyId = await audienceCompany();
  await seedCustomer(companyId, { email: 'jane@example.com' });
  await seedCustomer(companyId, { email: ' Joe@Example.com ', orders: 2 });
  await seedCustomer(companyId, { email: 'ann@example.com', consent: { analytics: true, marketing: false } });
  await seedCustomer(companyId, { email: 'bob@example.com', consent: { analytics: true } }); // marketing consent never stated
  await seedCustomer(companyId, { email: 'gpc@example.com', gpc: true });
  await seedCustomer(companyId, { email: 'cart@example.com', status: 'pending' }); // no paid order: not a purchaser
  await seedCustomer(companyId, { email: 'quiet@example.com' });
  await withTenant(db.ownerPool, companyId, (tx) => handleDsrRequest(tx, companyId, 'opt_out', { kind: 'email_hash', value: sha('quiet@example.com'), reason: '' }, 'cli'));
  const before = google.customerMatchRequests().length;

  const result = await sync(companyId, { batchSize: 1 });
  expect(result.steps.map((s) => [s.plan.status, s.plan.adds, s.plan.removes, s.send?.status])).toEqual([['planned', 2, 0, 'sent']]);

  const { list, jobs } = listOf('1234567890', nameOf(companyId));
  const expected = [sha('jane@example.com'), sha('joe@example.com')].sort();
  expect(members(list)).toEqual(expected);
  expect(list.membershipLifeSpan).toBe('540');
  expect(jobs).toHaveLength(1); // additions only: nobody to remove
  expect(accepted(jobs[0])).toEqual(expected.map((h) => `create:${h}`).sort());
  expect(jobs[0]?.consent).toEqual({ adUserData: 'GRANTED', adPersonalization: 'GRANTED' });

  // The requests as Google documents them: auth headers, paths, bodies (one identifier per batch here).
  const requests = google.customerMatchRequests().slice(before);
  expect(requests.map((r) => r.path.replace(/\d{4,}/g, 'N'))).toEqual([
    '/v19/customers/N/userLists:mutate',
    '/v19/customers/N/offlineUserDataJobs:create',
    '/v19/customers/N/offlineUserDataJobs/N:addOperations',
    '/v19/customers/N/offlineUserDataJobs/N:addOperations',
    '/v19/customers/N/offlineUserDataJobs/N:run',
  ]);
  for (const r of requests) {
    expect(r.headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer ya29\.fake-/) as string, 'developer-token': 'dev-token', 'login-customer-id': '9998887776', 'content-type': 'application/json' });
  }
  expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
    operations: [{ create: { name: nameOf(companyId), description: expect.any(String) as string, membershipLifeSpan: '540', crmBasedUserList: { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' } } }],
  });
  expect(JSON.parse(requests[1]?.body ?? '')).toEqual({
    job: { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList: list.resourceName, consent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' } } },
  });
  expect(requests.slice(2, 4).map((r) => JSON.parse(r.body) as unknown)).toEqual(expected.map((hashedEmail) => ({ operations: [{ create: { userIdentifiers: [{ hashedEmail }] } }], enablePartialFailure: true })));
  // Nothing but the hashes ever leaves: no raw email in any request.
  expect(requests.map((r) => r.body).join('\n')).not.toMatch(/@example\.com/i);

  expect(await storedMembers(companyId)).toEqual(expected.map((email_hash) => ({ email_hash, uploaded: true, pending_op: null })));
  const [first] = await storedSyncs(companyId);
  expect(first).toMatchObject({ status: 'sent', adds: 2, removes: 0, attempts: 1 });
  expect(first?.excluded).toEqual({ gpc: 1, not_forwardable: 0, suppressed: 1, ads_consent_denied: 1, no_ads_consent: 1 });

  const again = await sync(companyId);
  expect(again.steps.map((s) => s.plan.status)).toEqual(['no_changes']);
  expect(google.customerMatchRequests().length - before).toBe(requests.length);
});

test('an opt-out and a new order by another person: the next sync sends exactly one remove and one add; a deletion is removed the sync after', async () => {
  const companyId = await audienceCompany();
  await seedCustomer(companyId, { email: 'jane@example.com' });
  await seedCustomer(companyId, { email: 'joe@example.com' });
  await seedCustomer(companyId, { email: 'max@example.com' });
  await sync(companyId);
  const { list } = listOf('1234567890', nameOf(companyId));
  expect(members(list)).toEqual([sha('jane@example.com'), sha('joe@example.com'), sha('max@example.com')].sort());
  const jobsBefore = new Set(google.jobs.keys());

  // Jane opts out (a suppression of her email hash); Kim, who consented, buys for the first time.
  await withTenant(db.ownerPool, companyId, (tx) => handleDsrRequest(tx, companyId, 'opt_out', { kind: 'email_hash', value: sha('jane@example.com'), reason: 'asked by email' }, 'cli'));
  await seedCustomer(companyId, { email: 'kim@example.com' });
  const result = await sync(companyId);
  expect(result.steps.map((s) => [s.plan.adds, s.plan.removes, s.send?.status])).toEqual([[1, 1, 'sent']]);

  const newJobs = [...google.jobs.values()].filter((j) => !jobsBefore.has(j.resourceName));
  expect(newJobs.map((j) => [accepted(j), j.consent])).toEqual([
    [[`remove:${sha('jane@example.com')}`], null], // removals carry no consent claim
    [[`create:${sha('kim@example.com')}`], { adUserData: 'GRANTED', adPersonalization: 'GRANTED' }],
  ]);
  expect(members(list)).toEqual([sha('joe@example.com'), sha('kim@example.com'), sha('max@example.com')].sort());
  // Once Google has run the removal, LUX no longer keeps Jane's hash for this audience.
  expect((await storedMembers(companyId)).map((m) => m.email_hash)).not.toContain(sha('jane@example.com'));

  // Max asks to be deleted: his orders lose the email hash and his identifiers are suppressed.
  await withTenant(db.ownerPool, companyId, (tx) => handleDsrRequest(tx, companyId, 'delete', { kind: 'email_hash', value: sha('max@example.com'), reason: '' }, 'cli'));
  const after = await sync(companyId);
  expect(after.steps.map((s) => [s.plan.adds, s.plan.removes])).toEqual([[0, 1]]);
  expect(members(list)).toEqual([sha('joe@example.com'), sha('kim@example.com')].sort());
});

test('a retry after Google answers 5xx mid-sync resumes where it stopped: no batch sent twice, one job, one run', async () => {
  const companyId = await audienceCompany();
  const emails = ['a@example.com', 'b@example.com', 'c@example.com'];
  for (const email of emails) await seedCustomer(companyId, { email });
  const expected = emails.map(sha).sort();
  // The second batch and the first run fail with 503 (nothing of them is applied by the fake).
  google.failNextCustomerMatch('addOperations', 503, { after: 1 });
  google.failNextCustomerMatch('run', 503);
  const before = google.customerMatchRequests().length;

  const result = await sync(companyId, { batchSize: 1 });
  expect(result.steps.map((s) => s.send?.status)).toEqual(['sent']);

  const { list, jobs } = listOf('1234567890', nameOf(companyId));
  expect(jobs).toHaveLength(1); // the job was not created again by the retries
  const job = jobs[0] as FakeOfflineJob;
  expect(accepted(job)).toEqual(expected.map((h) => `create:${h}`).sort()); // each hash accepted exactly once
  expect([job.addRequests, job.runs]).toEqual([3, 1]);
  const calls = google.customerMatchRequests().slice(before).map((r) => r.path.replace(/^.*[:/]/, ''));
  expect(calls.filter((c) => c === 'addOperations')).toHaveLength(4); // 3 batches + the one answered 503
  expect(calls.filter((c) => c === 'run')).toHaveLength(2);
  expect(members(list)).toEqual(expected);
  expect(await storedSyncs(companyId)).toEqual([expect.objectContaining({ status: 'sent', adds: 3, attempts: 3, last_error: null })]);

  // And a later sync has nothing to send.
  expect((await sync(companyId)).steps.map((s) => s.plan.status)).toEqual(['no_changes']);
}, 90_000);

test('people without ads consent are never uploaded; a later withdrawal removes them; nothing at all is sent for a list nobody may join', async () => {
  const nobody = await audienceCompany();
  await seedCustomer(nobody, { email: 'ann@example.com', consent: { marketing: false } });
  await seedCustomer(nobody, { email: 'bob@example.com', consent: {} });
  const before = google.customerMatchRequests().length;
  expect((await sync(nobody)).steps.map((s) => s.plan.status)).toEqual(['no_changes']);
  expect(google.customerMatchRequests().length).toBe(before); // not even the list was created
  expect([...google.userLists.values()].filter((l) => l.name === nameOf(nobody))).toEqual([]);

  const companyId = await audienceCompany();
  const visitor = await seedCustomer(companyId, { email: 'jane@example.com' });
  await seedCustomer(companyId, { email: 'joe@example.com' });
  await sync(companyId);
  // Jane withdraws marketing consent on a later visit: the newest statement decides.
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, visitor_id, consent, properties)
    VALUES (${companyId}, ${randomUUID()}, 'consent_update', now(), 'browser', ${visitor}, '{"analytics": true, "marketing": false}'::jsonb, '{}'::jsonb)`);
  const result = await sync(companyId);
  expect(result.steps.map((s) => [s.plan.adds, s.plan.removes, s.plan.excluded?.ads_consent_denied])).toEqual([[0, 1, 1]]);
  expect(members(listOf('1234567890', nameOf(companyId)).list)).toEqual([sha('joe@example.com')]);
});

test('a hash Google refuses is recorded as a partial failure and planned again, the others are uploaded', async () => {
  const companyId = await audienceCompany();
  await seedCustomer(companyId, { email: 'ok@example.com' });
  await seedCustomer(companyId, { email: 'refused@example.com' });
  google.refuseHashes.add(sha('refused@example.com'));
  const result = await sync(companyId);
  expect(result.steps.map((s) => [s.send?.status, s.send?.refused])).toEqual([['sent', 1]]);
  expect(members(listOf('1234567890', nameOf(companyId)).list)).toEqual([sha('ok@example.com')]);
  expect((await storedMembers(companyId)).map((m) => m.email_hash)).toEqual([sha('ok@example.com')]);
  const partial = await db.ownerPool.oneFirst(sql.type(z.object({ partial_failure: z.unknown() }))`SELECT partial_failure FROM audience_syncs WHERE company_id = ${companyId}`);
  expect(partial).toEqual({ add: [expect.objectContaining({ refused: 1, codes: ['offlineUserDataJobError:INVALID_SHA256_FORMAT'] })] });
  expect(JSON.stringify(partial)).not.toContain(sha('refused@example.com')); // the outbox row holds no hashes

  google.refuseHashes.delete(sha('refused@example.com'));
  expect((await sync(companyId)).steps.map((s) => [s.plan.adds, s.plan.removes])).toEqual([[1, 0]]);
});

test('a list created by an attempt whose answer timed out is found by its name, not created twice', async () => {
  const companyId = await audienceCompany();
  await seedCustomer(companyId, { email: 'jane@example.com' });
  google.delayNextCustomerMatch('userLists:mutate', 4000); // Google creates the list; our 2 s request timeout fires first
  const result = await sync(companyId);
  expect(result.steps.map((s) => s.send?.status)).toEqual(['sent']);
  const { list } = listOf('1234567890', nameOf(companyId)); // exactly one list by that name
  expect(members(list)).toEqual([sha('jane@example.com')]);
  expect(await storedSyncs(companyId)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
  const stored = await db.ownerPool.oneFirst(sql.type(z.object({ r: z.string().nullable() }))`SELECT user_list_resource_name AS r FROM audience_settings WHERE company_id = ${companyId}`);
  expect(stored).toBe(list.resourceName);
}, 60_000);

test('a disabled audience is emptied by its next sync, after which nothing is sent; re-enabling reuses the list', async () => {
  const companyId = await audienceCompany();
  await seedCustomer(companyId, { email: 'jane@example.com' });
  await seedCustomer(companyId, { email: 'joe@example.com' });
  await sync(companyId);
  const { list } = listOf('1234567890', nameOf(companyId));
  expect(list.members.size).toBe(2);

  await db.ownerPool.query(sql.unsafe`UPDATE audience_settings SET enabled = false WHERE company_id = ${companyId}`);
  expect((await sync(companyId)).steps.map((s) => [s.plan.adds, s.plan.removes])).toEqual([[0, 2]]);
  expect(list.members.size).toBe(0);
  const before = google.customerMatchRequests().length;
  expect((await sync(companyId)).steps.map((s) => s.plan.status)).toEqual(['disabled']);
  expect(google.customerMatchRequests().length).toBe(before);

  await db.ownerPool.query(sql.unsafe`UPDATE audience_settings SET enabled = true WHERE company_id = ${companyId}`);
  await sync(companyId);
  expect(listOf('1234567890', nameOf(companyId)).list.members.size).toBe(2); // the same list, not a second one
});

test('lux audiences enable|list|disable: checked settings, the daily Schedule registered in Temporal', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  const lux = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await promisify(execFile)(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/lux.ts', 'audiences', ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: db.ownerUrl, TEMPORAL_ADDRESS: testEnv('temporalAddress'), TEMPORAL_NAMESPACE: 'default', LUX_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY_HEX },
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  await expect(lux('enable', 'purchasers', '--company', companyId, '--config', '{"membershipLifeSpanDays": 9999}')).rejects.toThrow(/membershipLifeSpanDays/);
  await expect(lux('enable', 'everyone', '--company', companyId)).rejects.toThrow(/unknown audience everyone/);

  const enabled = await lux('enable', 'lapsed_purchasers', '--company', companyId, '--config', '{"customerId": "123-456-7890", "lapsedAfterDays": 90}');
  expect(enabled).toMatchObject({ ok: true, audience: 'lapsed_purchasers', enabled: true, config: { customerId: '1234567890', lapsedAfterDays: 90, membershipLifeSpanDays: 540 }, schedule: 'created' });
  const schedule = await env.client.schedule.getHandle(audienceSyncScheduleId(companyId, 'google_ads', 'lapsed_purchasers')).describe();
  expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'syncAudienceWorkflow', args: [{ companyId, audience: 'lapsed_purchasers', destination: 'google_ads' }] });
  expect(schedule.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 5, end: 5, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });

  await lux('disable', 'lapsed_purchasers', '--company', companyId);
  const listed = (await lux('list', '--company', companyId)) as { audiences: Array<{ audience: string; enabled: boolean; config: Record<string, unknown> }> };
  expect(listed.audiences.map((a) => [a.audience, a.enabled])).toEqual([['purchasers', false], ['repeat_purchasers', false], ['lapsed_purchasers', false]]);
  expect(listed.audiences[2]?.config).toMatchObject({ lapsedAfterDays: 90 }); // disabling keeps the settings
  await env.client.schedule.getHandle(audienceSyncScheduleId(companyId, 'google_ads', 'lapsed_purchasers')).delete();
}, 90_000);
