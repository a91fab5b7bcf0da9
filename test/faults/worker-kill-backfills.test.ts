// Fault: the worker process is SIGKILLed in the middle of an attribution backfill and of a rollup
// backfill, while its activities are inside their database transactions. A new worker finishes
// each workflow, and the rows equal those of the same workflow run undisturbed on an identical copy of the
// data (another company): no duplicates, no gaps. (The import case is test/integration/commerce-imports.test.ts.)
//
// Where the kill lands, every time: once the backfill has made some progress the test takes a lock that
// the backfill's next writes wait for, and waits until every activity the child has started (one per
// lane) is blocked on it. The child is then killed with those activities mid-transaction; their
// transactions die with their connections (nothing committed), and Temporal retries them on the new
// worker once their liveness heartbeats stop (heartbeatTimeout 30 s, activities/support/liveness-heartbeat.ts).
// Before those heartbeats existed each such activity waited out its start-to-close timeout (5 minutes for
// an attribution batch, 15 for a rollup day): that, not the data or the machine, is why this test used
// to take more than 240 s. The test checks that the retries came from heartbeat timeouts.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { decodePendingActivityState, type WorkflowHandle } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import { decodeTimeoutType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import { attributeOrdersWorkflow } from '../../workflows/attribute-orders';
import { rollupBackfillProgressQuery, rollupBackfillWorkflow } from '../../workflows/rollup-backfill';
import { TEST_CREDENTIALS_KEY_HEX } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-child';
import { createTestWorker } from '../support/test-worker';

const ORDERS = 3000;
const DAYS = 60;
const FIRST_DAY = '2025-01-01';
/** lanes of both backfills: activities in flight side by side */
const LANES = 2;
// A case takes about a minute here (30 s of it the heartbeat timeout); the limit leaves room for a loaded machine.
const CASE_TIMEOUT_MS = 240_000;

let db: TestDatabase;
let env: TestWorkflowEnvironment;
const children: ChildProcess[] = [];
let disturbed: string;
let reference: string;

/**
 * The same orders, sessions, events and email sends for a company (ids local to it): order i at noon UTC
 * of day i % DAYS, 2 sessions of its visitor before it, an email to its customer that morning. Every value
 * is a function of i (updated_at too), so both companies' derived rows can be compared field by field.
 * The sends give every day rows in agg_daily_messages: each per-day message rollup writes, so it can be
 * held by the lock below whatever the core rollup's shape (per day or per chunk of days).
 */
async function seed(companyId: string): Promise<void> {
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, event_count, page_view_count)
    SELECT ${companyId}, 's' || i || '-' || k, 'v' || i, t - (k * interval '20 hours'), t - (k * interval '20 hours') + interval '5 minutes',
           CASE k WHEN 1 THEN 'Direct' ELSE 'Paid Search' END, 'fixture', CASE k WHEN 2 THEN 'google' END, CASE k WHEN 2 THEN 'cpc' END, CASE k WHEN 2 THEN 'brand' END, 2, 2
    FROM generate_series(1, ${ORDERS}) AS i,
         LATERAL (SELECT ${FIRST_DAY}::timestamptz + ((i % ${DAYS}) * interval '1 day') + interval '12 hours' AS t) AS at,
         generate_series(1, 2) AS k`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, visitor_id, session_id)
    SELECT ${companyId}, gen_random_uuid(), e, t - interval '1 hour', 'browser', 'v' || i, 's' || i || '-1'
    FROM generate_series(1, ${ORDERS}) AS i,
         LATERAL (SELECT ${FIRST_DAY}::timestamptz + ((i % ${DAYS}) * interval '1 day') + interval '12 hours' AS t) AS at,
         unnest(ARRAY['page_view', 'add_to_cart']) AS e`);
  // updated_at given, not now(): attribution stores it (order_updated_at), and the two seeds run at different times
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, refunded_minor, created_at, updated_at, visitor_id)
    SELECT ${companyId}, 'woocommerce', 'o' || i, 'o' || i, 'o' || i, 'paid', 'processing', 'EUR', 1000 + i, 0, t, t, 'v' || i
    FROM generate_series(1, ${ORDERS}) AS i,
         LATERAL (SELECT ${FIRST_DAY}::timestamptz + ((i % ${DAYS}) * interval '1 day') + interval '12 hours' AS t) AS at`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO message_sends (company_id, provider, send_id, channel, campaign_id, recipient_hash, sent_at, link_ref, recorded_by, first_stored_at, updated_at)
    SELECT ${companyId}, 'smtp', 'm' || i, 'email', 'spring', encode(sha256(convert_to('customer' || i, 'UTF8')), 'hex'), t - interval '3 hours',
           left(encode(sha256(convert_to('smtp:m' || i, 'UTF8')), 'hex'), 24), 'send_log', t, t
    FROM generate_series(1, ${ORDERS}) AS i,
         LATERAL (SELECT ${FIRST_DAY}::timestamptz + ((i % ${DAYS}) * interval '1 day') + interval '12 hours' AS t) AS at`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  disturbed = (await createTestCompany(db.ownerPool, 'Disturbed')).companyId;
  reference = (await createTestCompany(db.ownerPool, 'Reference')).companyId;
  await seed(disturbed);
  await seed(reference);
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env?.teardown();
  await db?.drop();
});

const inProcessWorker = (taskQueue: string) =>
  createTestWorker(db, env, taskQueue);

async function spawnChild(taskQueue: string): Promise<ChildProcess> {
  const child = await spawnWorkerProcess({ appDatabaseUrl: db.appUrl, taskQueue, credentialsKeyHex: TEST_CREDENTIALS_KEY_HEX });
  children.push(child);
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const n = z.object({ n: z.coerce.number() });
const count = (table: string, companyId: string) =>
  db.ownerPool.oneFirst(sql.type(n)`SELECT count(*) AS n FROM ${sql.identifier([table])} WHERE company_id = ${companyId}`);

/** A table's rows for a company as sorted JSON, without the company and the time of computation. */
async function rowsOf(table: string, companyId: string): Promise<string[]> {
  const rows = await db.ownerPool.anyFirst(sql.type(z.object({ row: z.string() }))`
    SELECT (to_jsonb(t) - 'company_id' - 'computed_at' - 'updated_at' - 'attributed_at' - 'created_at')::text AS row
    FROM ${sql.identifier([table])} t WHERE company_id = ${companyId}`);
  return [...rows].sort();
}

/** Keys that occur more than once in a company's rows (attribution_touches may be a view: no primary key to rely on). */
const duplicateKeys = (table: string, companyId: string, key: string[]) =>
  db.ownerPool.anyFirst(sql.type(z.object({ key: z.string() }))`
    SELECT (${sql.join(key.map((k) => sql.identifier([k])), sql.fragment`, `)})::text AS key FROM ${sql.identifier([table])}
    WHERE company_id = ${companyId} GROUP BY ${sql.join(key.map((k) => sql.identifier([k])), sql.fragment`, `)} HAVING count(*) > 1`);

type HeldLock = { pid: number; release: () => Promise<void> };

/** Takes a lock in an owner transaction and keeps it until release(); `pid` is the backend holding it. */
async function holdLock(take: (tx: DatabaseTransactionConnection) => Promise<unknown>): Promise<HeldLock> {
  let letGo: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  let held: (pid: number) => void = () => undefined;
  const taken = new Promise<number>((resolve) => (held = resolve));
  const transaction = db.ownerPool.transaction(async (tx) => {
    await take(tx);
    held(await tx.oneFirst(sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`));
    await released;
  });
  const pid = await Promise.race([taken, transaction.then(() => Promise.reject(new Error('the lock transaction ended before the lock was taken')))]);
  return { pid, release: async () => (letGo(), await transaction) };
}

/** Backends waiting for a lock that backend `pid` holds. */
const blockedBy = (pid: number) => db.ownerPool.oneFirst(sql.type(n)`SELECT count(*) AS n FROM pg_stat_activity WHERE ${pid} = ANY (pg_blocking_pids(pid))`);

/** The workflow's activities that worker process `pid` has started and not finished (ids). */
async function activitiesStartedBy(handle: WorkflowHandle, pid: number): Promise<string[]> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? [])
    .filter((a) => decodePendingActivityState(a.state) === 'STARTED' && (a.lastWorkerIdentity ?? '').startsWith(`${pid}@`))
    .map((a) => String(a.activityId));
}

/** From the history: per activity id, the attempt that completed it and why the attempt before it ended. */
async function completions(handle: WorkflowHandle): Promise<{ byId: Map<string, { attempt: number; previousTimeout: string | null }>; failed: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const activityOf = new Map<string, string>(); // scheduled event id → activity id
  const byId = new Map<string, { attempt: number; previousTimeout: string | null }>();
  let failed = 0;
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityId) activityOf.set(String(e.eventId), scheduled.activityId);
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const activityId = activityOf.get(String(started.scheduledEventId)) ?? '?';
      byId.set(activityId, { attempt: started.attempt ?? 1, previousTimeout: decodeTimeoutType(started.lastFailure?.timeoutFailureInfo?.timeoutType) ?? null });
    }
    if (e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) failed += 1;
  }
  return { byId, failed };
}

/**
 * Runs the backfill on a child worker until `progressed`, holds its next writes with `lock`, kills the
 * child once both lanes are blocked, and finishes the workflow on a new worker. Returns what was seen.
 */
async function killMidTransaction<W extends Workflow>(options: {
  taskQueue: string;
  start: () => Promise<WorkflowHandle<W>>;
  progressed: (handle: WorkflowHandle<W>) => Promise<unknown>;
  lock: (tx: DatabaseTransactionConnection) => Promise<unknown>;
  /** read just before the kill, with both lanes blocked */
  atKill?: (handle: WorkflowHandle<W>) => Promise<unknown>;
}): Promise<{ result: WorkflowResultType<W>; killed: string[]; handle: WorkflowHandle<W>; secondsAfterKill: number }> {
  const child = await spawnChild(options.taskQueue);
  const pid = child.pid ?? -1;
  const handle = await options.start();
  await options.progressed(handle);
  const lock = await holdLock(options.lock);
  // one activity per lane started by the child, each waiting for the lock (one backend each): not a lane
  // between two activities (the lock's transaction would be ended by the pool's 60 s idle-in-transaction
  // timeout; this takes a second)
  const { killed } = await waitFor(
    async () => ({ killed: await activitiesStartedBy(handle, pid), blocked: await blockedBy(lock.pid) }),
    (seen) => seen.killed.length === LANES && seen.blocked === LANES,
    "the child's activities waiting for the lock",
    30_000,
  );
  await options.atKill?.(handle);
  await killChild(child);
  await lock.release();
  const killedAt = Date.now();
  const result = await (await inProcessWorker(options.taskQueue)).runUntil(handle.result());
  return { result, killed, handle, secondsAfterKill: Math.round((Date.now() - killedAt) / 1000) };
}

/** Every activity the killed worker held was finished by a later attempt, retried because its heartbeats stopped. */
async function expectRetriedAfterHeartbeatTimeout(handle: WorkflowHandle, killed: string[]): Promise<void> {
  expect(killed).toHaveLength(LANES);
  const { byId, failed } = await completions(handle);
  for (const id of killed) expect({ id, ...byId.get(id) }).toEqual({ id, attempt: 2, previousTimeout: 'HEARTBEAT' });
  expect(failed).toBe(0);
}

test(
  'an attribution backfill whose worker is SIGKILLed mid-transaction ends with exactly the rows of an undisturbed run',
  async () => {
    const started = Date.now();
    // exactly the seed's days: the lanes split the range in equal time slices, so both have orders to attribute
    const to = new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + DAYS * 86_400_000).toISOString();
    const input = (companyId: string) => ({ companyId, from: `${FIRST_DAY}T00:00:00Z`, to, batchSize: 100, lanes: LANES });
    const refQueue = `test-attr-ref-${randomUUID()}`;
    await (await inProcessWorker(refQueue)).runUntil(env.client.workflow.execute(attributeOrdersWorkflow, { workflowId: `attr-ref-${randomUUID()}`, taskQueue: refQueue, args: [input(reference)] }));

    const taskQueue = `test-attr-kill-${randomUUID()}`;
    let atKill = 0;
    const { result, killed, handle, secondsAfterKill } = await killMidTransaction<typeof attributeOrdersWorkflow>({
      taskQueue,
      start: () => env.client.workflow.start(attributeOrdersWorkflow, { workflowId: `attr-kill-${randomUUID()}`, taskQueue, args: [input(disturbed)] }),
      progressed: () => waitFor(() => count('order_attribution', disturbed), (c) => c >= 300, '300 orders attributed'),
      // the batches' upserts of order_attribution wait for this (SHARE blocks writers, not readers); one
      // lock object, so no deadlock with the batches in flight, which it waits for
      lock: async (tx) => {
        await tx.query(sql.unsafe`LOCK TABLE order_attribution IN SHARE MODE`);
        atKill = await tx.oneFirst(sql.type(n)`SELECT count(*) AS n FROM order_attribution WHERE company_id = ${disturbed}`);
      },
    });
    expect(atKill).toBeGreaterThanOrEqual(300);
    expect(atKill).toBeLessThan(ORDERS); // really killed mid-run

    expect(result).toMatchObject({ done: true, ordersRead: ORDERS, ordersWritten: ORDERS });
    await expectRetriedAfterHeartbeatTimeout(handle, killed);
    expect(await count('order_attribution', disturbed)).toBe(ORDERS);
    expect(await duplicateKeys('attribution_touches', disturbed, ['source', 'external_id', 'position'])).toEqual([]);
    const touches = await rowsOf('attribution_touches', disturbed);
    expect(touches.length).toBe(await count('attribution_touches', reference));
    expect(touches.length).toBeGreaterThanOrEqual(ORDERS); // every order has a touch: the comparison is not of empty sets
    expect(await rowsOf('order_attribution', disturbed)).toEqual(await rowsOf('order_attribution', reference));
    expect(touches).toEqual(await rowsOf('attribution_touches', reference));
    process.stderr.write(
      `[fault: worker kill, attribution backfill] orders ${ORDERS}, attributed at kill ${atKill}, killed mid-transaction ${killed.length} batches ` +
        `(retried after heartbeat timeout), after resume ${ORDERS} = reference, touches ${touches.length} = reference, duplicates 0, gaps 0; ` +
        `${secondsAfterKill} s from kill to done, ${Math.round((Date.now() - started) / 1000)} s in all\n`,
    );
  },
  CASE_TIMEOUT_MS,
);

test(
  'a rollup backfill whose worker is SIGKILLed mid-transaction ends with exactly the rollup rows of an undisturbed run',
  async () => {
    const started = Date.now();
    const last = new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const input = (companyId: string) => ({ companyId, from: FIRST_DAY, to: last, lanes: LANES });
    const refQueue = `test-rollup-ref-${randomUUID()}`;
    await (await inProcessWorker(refQueue)).runUntil(env.client.workflow.execute(rollupBackfillWorkflow, { workflowId: `rollup-ref-${randomUUID()}`, taskQueue: refQueue, args: [input(reference)] }));

    const taskQueue = `test-rollup-kill-${randomUUID()}`;
    let daysAtKill = 0;
    const { result, killed, handle, secondsAfterKill } = await killMidTransaction<typeof rollupBackfillWorkflow>({
      taskQueue,
      start: () => env.client.workflow.start(rollupBackfillWorkflow, { workflowId: `rollup-kill-${randomUUID()}`, taskQueue, args: [input(disturbed)] }),
      progressed: (h) => waitFor(() => h.query(rollupBackfillProgressQuery), (p) => p.daysDone >= 10, '10 days rolled up'),
      // the rollups insert agg_daily_* rows (core and messages every day, see the seed), whose foreign key
      // to companies takes KEY SHARE on the company's row: FOR UPDATE of that one row holds them (and only
      // this company's); one lock object, so no deadlock with the activities in flight, which it waits for
      lock: (tx) => tx.query(sql.unsafe`SELECT 1 FROM companies WHERE company_id = ${disturbed} FOR UPDATE`),
      atKill: async (h) => (daysAtKill = (await h.query(rollupBackfillProgressQuery)).daysDone),
    });
    expect(daysAtKill).toBeGreaterThanOrEqual(10);
    expect(daysAtKill).toBeLessThan(DAYS); // really killed mid-run

    expect(result).toMatchObject({ done: true, days: DAYS, daysDone: DAYS });
    await expectRetriedAfterHeartbeatTimeout(handle, killed);
    const tables = await db.ownerPool.anyFirst(sql.type(z.object({ relname: z.string() }))`
      SELECT relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = 'public' AND c.relkind = 'r' AND relname LIKE 'agg\\_daily\\_%' ORDER BY relname`);
    const figures: string[] = [];
    for (const table of tables) {
      const mine = await rowsOf(table, disturbed);
      expect({ table, duplicates: mine.length - new Set(mine).size }).toEqual({ table, duplicates: 0 });
      expect({ table, rows: mine }).toEqual({ table, rows: await rowsOf(table, reference) });
      figures.push(`${table} ${mine.length}`);
    }
    // no gaps, from the seed itself: every day's orders and sends counted once (50 a day; order i is 1000 + i minor units)
    const revenue = await db.ownerPool.one(sql.type(z.object({ days: z.coerce.number(), orders: z.coerce.number(), gross: z.coerce.number() }))`
      SELECT count(DISTINCT day) AS days, sum(orders) AS orders, sum(gross_minor) AS gross FROM agg_daily_revenue WHERE company_id = ${disturbed}`);
    expect(revenue).toEqual({ days: DAYS, orders: ORDERS, gross: ORDERS * 1000 + (ORDERS * (ORDERS + 1)) / 2 });
    const messages = await db.ownerPool.one(sql.type(z.object({ days: z.coerce.number(), sends: z.coerce.number() }))`
      SELECT count(DISTINCT day) AS days, sum(sends) AS sends FROM agg_daily_messages WHERE company_id = ${disturbed}`);
    expect(messages).toEqual({ days: DAYS, sends: ORDERS });
    process.stderr.write(
      `[fault: worker kill, rollup backfill] days ${DAYS}, done at kill ${daysAtKill}, killed mid-transaction ${killed.length} activities ` +
        `(retried after heartbeat timeout), after resume ${result.daysDone}; rows equal to the undisturbed run: ${figures.join(', ')}; ` +
        `${secondsAfterKill} s from kill to done, ${Math.round((Date.now() - started) / 1000)} s in all\n`,
    );
  },
  CASE_TIMEOUT_MS,
);
