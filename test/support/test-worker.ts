// A worker on a test's own task queue, wired exactly as in production (createLuxWorker: every workflow
// and activity) but with the test database, the prebuilt workflow bundle, a silent logger and the test
// credentials key. `deps` adds or overrides activity dependencies (SMTP, request timeouts, ...).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createLogger } from '../../lib/logger';
import { createLuxWorker, type LuxWorkerOptions } from '../../workers/create-worker';
import { TEST_CREDENTIALS_KEY } from './credentials-key';
import type { TestDatabase } from './database';
import { testWorkflowBundle } from './temporal';

type ExtraDeps = Omit<Partial<LuxWorkerOptions>, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle'>;

export function createTestWorker(db: TestDatabase, env: TestWorkflowEnvironment, taskQueue: string, deps: ExtraDeps = {}): Promise<Worker> {
  return createLuxWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: testWorkflowBundle(),
    appPool: db.appPool,
    logger: createLogger('test-worker', 'silent'),
    credentialsKey: TEST_CREDENTIALS_KEY,
    ...deps,
  });
}
