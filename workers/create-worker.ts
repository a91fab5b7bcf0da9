// The one place where workflows, activities and their dependencies are wired together.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUES } from '../lib/task-queues';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

export type AnalyticsWorkerOptions = ActivityDeps & {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** Pre-built workflow bundle (tests build it once per run); default: bundle workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
};

export async function createAnalyticsWorker(options: AnalyticsWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUES.analytics,
    activities: createActivities({ appPool: options.appPool, logger: options.logger }),
    ...workflowSource,
  });
}
