// Imports end to end: the import workflows on a real Temporal server read a local fake WooCommerce (the
// documented REST v3 shapes) page by page into Postgres. A worker killed with SIGKILL in the middle of
// the import is replaced, and the import resumes from its stored cursor and ends with exactly the
// vendor's orders.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { importSourceWorkflowId } from '../../lib/workflow-ids';
import { importSourceWorkflow } from '../../workflows/import-source';
import { connectVendor, TEST_CREDENTIALS_KEY_HEX } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startFakeWooCommerce, wooOrder, type FakeWooCommerce } from '../support/fakes/woocommerce';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-child';
import { createTestWorker } from '../support/test-worker';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let shop: FakeWooCommerce;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  shop = await startFakeWooCommerce({ consumerKey: 'ck_import', consumerSecret: 'cs_import' });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await shop?.close();
  await env?.teardown();
  await db?.drop();
});

function inProcessWorker(taskQueue: string): Promise<Worker> {
  return createTestWorker(db, env, taskQueue);
}

async function connectedCompany() {
  const company = await createTestCompany(db.ownerPool);
  await connectVendor(db, company.companyId, 'woocommerce', { storeUrl: shop.url, consumerKey: 'ck_import', consumerSecret: 'cs_import', webhookSecret: 'unused' });
  return company.companyId;
}

/** n orders, modified one minute apart, so orderby=modified gives a stable order. */
function makeOrders(n: number, firstId: number) {
  return Array.from({ length: n }, (_, i) => {
    const modified = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().slice(0, 19);
    return wooOrder({ id: firstId + i, number: String(firstId + i), date_created_gmt: modified, date_modified_gmt: modified });
  });
}

const storedIds = (companyId: string) =>
  db.ownerPool.anyFirst(sql.type(z.object({ external_id: z.string() }))`
    SELECT external_id FROM orders WHERE company_id = ${companyId} AND source = 'woocommerce' ORDER BY external_id::bigint`);

const cursorState = (companyId: string) =>
  db.ownerPool.maybeOne(sql.type(z.object({ pages: z.number(), state: z.string(), rows_rejected: z.coerce.number() }))`
    SELECT pages, state, rows_rejected FROM import_cursors WHERE company_id = ${companyId} AND source = 'woocommerce' AND stream = 'orders'`);

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an import killed mid-way (SIGKILL of the worker) resumes from its cursor and ends with exactly the vendor’s orders', async () => {
  const companyId = await connectedCompany();
  const orders = makeOrders(1050, 100_000); // 11 pages of 100
  shop.setOrders(orders);
  shop.addRawRow({ id: 'not-a-number', status: 'processing', date_modified_gmt: '2024-02-01T00:00:00' }); // one malformed row
  shop.setResponseDelay(300);
  const requestsBefore = shop.requests.length;

  const taskQueue = `test-imports-${randomUUID()}`;
  const child = await spawnWorkerProcess({ appDatabaseUrl: db.appUrl, taskQueue, credentialsKeyHex: TEST_CREDENTIALS_KEY_HEX });
  children.push(child);
  const handle = await env.client.workflow.start(importSourceWorkflow, {
    workflowId: importSourceWorkflowId(companyId, 'woocommerce'),
    taskQueue,
    args: [{ companyId, source: 'woocommerce', since: null }],
  });

  // Let three pages land, then crash the worker.
  await waitFor(() => cursorState(companyId), (c) => (c?.pages ?? 0) >= 3);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const pagesAtCrash = (await cursorState(companyId))?.pages ?? 0;
  expect(pagesAtCrash).toBeGreaterThanOrEqual(3);
  expect(pagesAtCrash).toBeLessThan(11);
  const requestsAtCrash = shop.requests.length;

  // A new worker takes over; the page in flight is retried after its heartbeat times out.
  shop.setResponseDelay(0);
  const worker = await inProcessWorker(taskQueue);
  const result = await worker.runUntil(handle.result());

  expect(result.streams).toEqual([expect.objectContaining({ source: 'woocommerce', stream: 'orders', done: true, rowsRejected: 1 })]);
  // Exactly the vendor's orders: none missing, none twice.
  expect(await storedIds(companyId)).toEqual(orders.map((o) => String(o.id)));
  expect(await cursorState(companyId)).toMatchObject({ state: 'completed', rows_rejected: 1 });
  const rejected = await db.ownerPool.any(sql.type(z.object({ reason: z.string(), stream: z.string() }))`
    SELECT reason, stream FROM rejected_rows WHERE company_id = ${companyId}`);
  expect(rejected).toEqual([{ reason: expect.stringMatching(/id/) as string, stream: 'orders' }]);

  // Resumed from the cursor: after the crash no page before the stored one was read again.
  const pagesAfterCrash = shop.requests.slice(requestsAtCrash).map((r) => Number(r.query.page));
  expect(Math.min(...pagesAfterCrash)).toBeGreaterThanOrEqual(pagesAtCrash + 1);
  const allPages = shop.requests.slice(requestsBefore).map((r) => Number(r.query.page));
  expect(new Set(allPages)).toEqual(new Set(Array.from({ length: 11 }, (_, i) => i + 1)));
}, 120_000);

test('a 429 with Retry-After is waited out and the next incremental run reads only what changed', async () => {
  const companyId = await connectedCompany();
  const orders = makeOrders(150, 200_000);
  shop.setOrders(orders);
  shop.failNext(429, { retryAfter: 1 });
  const taskQueue = `test-imports-${randomUUID()}`;
  // A worker runs once (runUntil shuts it down), so each run gets its own.
  const run = async () =>
    (await inProcessWorker(taskQueue)).runUntil(
      env.client.workflow.execute(importSourceWorkflow, {
        workflowId: `${importSourceWorkflowId(companyId, 'woocommerce')}:${randomUUID()}`,
        taskQueue,
        args: [{ companyId, source: 'woocommerce', since: null }],
      }),
    );

  const first = await run();
  expect(first.streams[0]).toMatchObject({ rowsRead: 150, rowsStored: 150, done: true });
  expect((await storedIds(companyId)).length).toBe(150);

  // One order changes at the shop: the next run reads it (and at most the boundary row), not all 150.
  shop.updateOrder(200_010, { status: 'completed', date_modified_gmt: '2024-06-01T00:00:00' });
  const second = await run();
  expect(second.streams[0]?.rowsRead).toBeLessThanOrEqual(2);
  const status = await db.ownerPool.oneFirst(sql.type(z.object({ status: z.string() }))`
    SELECT status FROM orders WHERE company_id = ${companyId} AND external_id = '200010'`);
  expect(status).toBe('fulfilled');
}, 60_000);
