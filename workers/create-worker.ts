// The one place where workflows, activities and their dependencies are wired together. Every task queue
// (analytics, imports, ...) runs a worker built here; they share the workflow bundle and the activities,
// and differ only in the queue they poll, so slow vendor APIs on `imports` never take the slots of
// rollups on `analytics`.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUES } from '../lib/task-queues';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

export type LuxWorkerOptions = ActivityDeps & {
  connection: NativeConnection;
  namespace: string;
  /** Default: the analytics queue. Tests pass a queue of their own. */
  taskQueue?: string;
  /** Pre-built workflow bundle (tests build it once per run); default: bundle workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
};

export async function createLuxWorker(options: LuxWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundle, ...deps } = options;
  const workflowSource = workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? TASK_QUEUES.analytics,
    activities: createActivities(deps),
    ...workflowSource,
  });
}
