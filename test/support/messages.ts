// Shared set-up for the message and creative tests: a real collector (webhooks + /m/ endpoints, with a
// message link secret) whose webhook route starts real processWebhook workflows, and a real worker.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { startProcessWebhookWorkflow } from '../../collector/webhooks/start-processing';
import { createLogger } from '../../lib/logger';
import { startTestCollector } from './collector';
import { TEST_CREDENTIALS_KEY } from './commerce';
import type { TestDatabase } from './database';
import { createTestWorker } from './test-worker';

export const TEST_MESSAGE_LINK_SECRET = 'test-message-link-secret-0123456789abcdef';

export async function startMessageStack(db: TestDatabase, env: TestWorkflowEnvironment) {
  const taskQueue = `test-messages-${randomUUID()}`;
  const worker: Worker = await createTestWorker(db, env, taskQueue);
  const running = worker.run();
  const collector = await startTestCollector(db, {
    logger: createLogger('test-collector', process.env.LUX_TEST_LOG === 'debug' ? 'debug' : 'silent'),
    credentialsKey: TEST_CREDENTIALS_KEY,
    messageLinkSecret: TEST_MESSAGE_LINK_SECRET,
    startWebhookProcessing: (input) => startProcessWebhookWorkflow(env.client, taskQueue, input),
  });
  return {
    taskQueue,
    collector,
    awaitWorkflow: (workflowId: string): Promise<unknown> => env.client.workflow.getHandle(workflowId).result(),
    /** The daily rollup workflow (core, messages, creatives) over the given company-local days. */
    rollupDays: (companyId: string, days: string[]): Promise<unknown> =>
      env.client.workflow.execute('dailyRollupWorkflow', { taskQueue, workflowId: `test-rollup:${companyId}:${randomUUID()}`, args: [{ companyId, days }] }),
    stop: async (): Promise<void> => {
      await collector.close();
      worker.shutdown();
      await running;
    },
  };
}
