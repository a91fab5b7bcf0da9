// Entrypoint: the analytics worker (attribution, rollups, alert evaluation, stack checks). At start it
// registers every company's daily rollup Schedule and audience sync Schedules (idempotent: create or update).
import { TASK_QUEUES } from '../lib/task-queues';
import { runWorkerProcess } from './run-worker';
import { ensureAudienceSyncSchedules, ensureRollupSchedules } from './schedules';

runWorkerProcess('worker-analytics', TASK_QUEUES.analytics, async ({ client, appPool, logger }) => {
  await ensureRollupSchedules(client, appPool, logger);
  await ensureAudienceSyncSchedules(client, appPool, logger);
});
