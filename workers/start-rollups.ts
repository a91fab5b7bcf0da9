// Starting rollup runs from outside a workflow (the CLI, tests, the benchmark). Same ids and search
// attributes as the scheduled runs (workers/schedules.ts).
import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../lib/task-queues';
import { dailyRollupWorkflowId, rollupBackfillWorkflowId } from '../lib/workflow-ids';
import type { dailyRollupWorkflow, DailyRollupWorkflowInput } from '../workflows/daily-rollup';
import type { rollupBackfillWorkflow, RollupBackfillWorkflowInput } from '../workflows/rollup-backfill';
import { CompanyIdKey } from '../workflows/search-attributes';

/** A daily rollup of given days (id `rollup:<company>:<last day>`); one already running is followed, not doubled. */
export async function startDailyRollupWorkflow(client: Client, input: DailyRollupWorkflowInput & { days: string[] }, taskQueue: string = TASK_QUEUES.analytics) {
  const last = [...input.days].sort().at(-1) ?? 'none';
  return client.workflow.start<typeof dailyRollupWorkflow>('dailyRollupWorkflow', {
    workflowId: dailyRollupWorkflowId(input.companyId, last),
    taskQueue,
    args: [input],
    typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** A recompute of company-local days from..to (inclusive); one already running for that range is followed. */
export async function startRollupBackfillWorkflow(client: Client, input: RollupBackfillWorkflowInput, taskQueue: string = TASK_QUEUES.analytics) {
  return client.workflow.start<typeof rollupBackfillWorkflow>('rollupBackfillWorkflow', {
    workflowId: rollupBackfillWorkflowId(input.companyId, input.from, input.to),
    taskQueue,
    args: [input],
    typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
