// The wiring proof: a real workflow on the real Temporal dev server, whose activity writes to a real
// Postgres through the tenant boundary; the run is then read back through the Temporal client.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { stackCheckWorkflow, stackCheckWorkflowId } from '../../workflows/stack-check';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';
import { createTestWorker } from '../support/test-worker';

let db: TestDatabase;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

const checkRow = z.object({ workflow_id: z.string(), raw_event_count: z.coerce.number() });

test('a workflow run writes through its activity to Postgres and its history shows the activity', async () => {
  const company = await createTestCompany(db.ownerPool);
  const taskQueue = `test-${randomUUID()}`;
  const worker = await createTestWorker(db, env, taskQueue);
  const workflowId = stackCheckWorkflowId(company.companyId, randomUUID());

  const result = await worker.runUntil(
    env.client.workflow.execute(stackCheckWorkflow, {
      taskQueue,
      workflowId,
      args: [{ companyId: company.companyId }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: company.companyId }],
    }),
  );
  expect(result).toEqual({ companyId: company.companyId, rawEventCount: 0, rowsRead: 0, rowsWritten: 1 });

  // Postgres has the row the activity wrote.
  const rows = await db.ownerPool.any(sql.type(checkRow)`
    SELECT workflow_id, raw_event_count FROM stack_checks WHERE company_id = ${company.companyId}`);
  expect(rows).toEqual([{ workflow_id: workflowId, raw_event_count: 0 }]);

  // The Temporal server has the run, its search attribute, and the activity in its history.
  const handle = env.client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.typedSearchAttributes.get(CompanyIdKey)).toBe(company.companyId);
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
  expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['recordStackCheck']);
  expect((history.events ?? []).some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
});

test('an invalid company id fails the run at once (no retries) and writes nothing', async () => {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await createTestWorker(db, env, taskQueue);
  const workflowId = `stack-check:bad:${randomUUID()}`;
  const run = env.client.workflow.execute(stackCheckWorkflow, {
    taskQueue,
    workflowId,
    args: [{ companyId: 'not-a-uuid' }],
  });
  const failure = await worker.runUntil(run).then(
    () => undefined,
    (error: unknown) => error as Error & { cause?: { cause?: Error } },
  );
  expect(failure?.cause?.cause?.message).toMatch(/invalid activity input: companyId: Invalid uuid/);
  const count = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM stack_checks WHERE workflow_id = ${workflowId}`);
  expect(count).toBe(0);
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
  expect(attempts.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
});
