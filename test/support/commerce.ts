// Shared set-up for the commerce tests: a company with a connected vendor, a real collector whose
// webhook route starts real workflows, and a real worker on a task queue of the test's own.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { startProcessWebhookWorkflow } from '../../collector/webhooks/start-processing';
import { INTEGRATIONS } from '../../integrations/registry';
import { saveIntegrationCredentials, type IntegrationSource } from '../../lib/credentials/store';
import { createLogger } from '../../lib/logger';
import { importSourceWorkflowId } from '../../lib/workflow-ids';
import { importSourceWorkflow } from '../../workflows/import-source';
import { startTestCollector } from './collector';
import type { TestDatabase } from './database';

import { TEST_CREDENTIALS_KEY } from './credentials-key';
import { createTestWorker } from './test-worker';

export { TEST_CREDENTIALS_KEY, TEST_CREDENTIALS_KEY_HEX } from './credentials-key';

export async function connectVendor(db: TestDatabase, companyId: string, source: IntegrationSource, credentials: unknown): Promise<void> {
  await saveIntegrationCredentials(db.appPool, TEST_CREDENTIALS_KEY, companyId, source, INTEGRATIONS[source].credentialsSchema, credentials);
}

export async function startCommerceStack(db: TestDatabase, env: TestWorkflowEnvironment) {
  const taskQueue = `test-imports-${randomUUID()}`;
  const worker: Worker = await createTestWorker(db, env, taskQueue);
  const running = worker.run();
  const collector = await startTestCollector(db, {
    logger: createLogger('test-collector', process.env.LUX_TEST_LOG === 'debug' ? 'debug' : 'silent'),
    credentialsKey: TEST_CREDENTIALS_KEY,
    startWebhookProcessing: (input) => startProcessWebhookWorkflow(env.client, taskQueue, input),
  });
  return {
    taskQueue,
    worker,
    collector,
    /** Waits for the processWebhook workflow a webhook response named. */
    awaitWorkflow: (workflowId: string): Promise<unknown> => env.client.workflow.getHandle(workflowId).result(),
    stop: async (): Promise<void> => {
      await collector.close();
      worker.shutdown();
      await running;
    },
  };
}

export async function postWebhook(url: string, body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
}

const orderRow = z.object({
  source: z.string(),
  external_id: z.string(),
  status: z.string(),
  currency: z.string(),
  total_minor: z.coerce.number(),
  refunded_minor: z.coerce.number(),
  visitor_id: z.string().nullable(),
  session_id: z.string().nullable(),
  email_hash: z.string().nullable(),
  provisional: z.boolean(),
  merged_into_external_id: z.string().nullable(),
});

/** Every order row of a company (provisional and merged ones too), as the owner sees them. */
export function allOrders(db: TestDatabase, companyId: string) {
  return db.ownerPool.any(sql.type(orderRow)`
    SELECT source, external_id, status, currency, total_minor, refunded_minor, visitor_id, session_id, email_hash, provisional,
      merged_into_external_id
    FROM orders WHERE company_id = ${companyId} ORDER BY source, external_id`);
}

/** The orders that count (fct_orders). */
export function countedOrders(db: TestDatabase, companyId: string) {
  return db.ownerPool.any(sql.type(orderRow)`
    SELECT source, external_id, status, currency, total_minor, refunded_minor, visitor_id, session_id, email_hash, provisional,
      merged_into_external_id
    FROM fct_orders WHERE company_id = ${companyId} ORDER BY source, external_id`);
}

export function countRows(db: TestDatabase, table: string, companyId: string): Promise<number> {
  return db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM ${sql.identifier([table])} WHERE company_id = ${companyId}`);
}

/** Runs a vendor's import once, to completion, on a worker of its own (runUntil shuts it down afterwards). */
export async function runImportOnce(db: TestDatabase, env: TestWorkflowEnvironment, input: { companyId: string; source: string; since?: string | null }) {
  const taskQueue = `test-imports-${randomUUID()}`;
  const worker = await createTestWorker(db, env, taskQueue);
  return worker.runUntil(
    env.client.workflow.execute(importSourceWorkflow, {
      // a fresh id per run: each run is its own, like the schedule's successive runs
      workflowId: `${importSourceWorkflowId(input.companyId, input.source)}:${randomUUID()}`,
      taskQueue,
      args: [{ companyId: input.companyId, source: input.source, since: input.since ?? null }],
    }),
  );
}
