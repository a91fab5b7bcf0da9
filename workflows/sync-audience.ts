// One audience's sync to Google Ads Customer Match (docs/audiences.md). Started by its daily Schedule
// (workers/schedules.ts) or by `lux audiences sync`; search attribute CompanyId. planAudienceSync
// (analytics queue: Postgres only) writes down the diff; sendAudienceSync (imports queue: vendor I/O)
// delivers it, retried with backoff on 429/5xx/timeouts and resuming where the last attempt stopped. When
// the retries run out the sync is marked failed with the last error and the next plan starts from what
// Google confirmed. A diff larger than one job is sent as several syncs in a row.
import { ActivityFailure, defineQuery, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AudienceActivities, PlanResult, SendSyncResult } from '../activities/audiences';
import type { Audience, AudienceDestination } from '../lib/audiences/settings';
import { TASK_QUEUES } from '../lib/task-queues';
import { CompanyIdKey } from './search-attributes';

export type SyncAudienceWorkflowInput = {
  companyId: string;
  audience: Audience;
  destination?: AudienceDestination;
  /** Where Google Ads calls run (default: the imports queue). */
  sendTaskQueue?: string;
  /** Attempts of one sync before it is marked failed (default 8, about 15 minutes of backoff). */
  maxAttempts?: number;
  /** Identifiers per addOperations request and per job (defaults: 10,000 and 100,000; tests pass small ones). */
  batchSize?: number;
  maxPerJob?: number;
};

export type AudienceSyncStep = { plan: PlanResult; send: SendSyncResult | null };
export type SyncAudienceProgress = { companyId: string; audience: Audience; done: boolean; steps: AudienceSyncStep[] };

export const audienceSyncProgressQuery = defineQuery<SyncAudienceProgress>('audienceSyncProgress');

/** Syncs one run may chain when the diff is larger than a job (10 × 100,000 identifiers). */
const MAX_SYNCS_PER_RUN = 10;

const { planAudienceSync } = proxyActivities<AudienceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function syncAudienceWorkflow(input: SyncAudienceWorkflowInput): Promise<SyncAudienceProgress> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const destination = input.destination ?? 'google_ads';
  const progress: SyncAudienceProgress = { companyId: input.companyId, audience: input.audience, done: false, steps: [] };
  setHandler(audienceSyncProgressQuery, () => progress);

  const taskQueue = input.sendTaskQueue ?? TASK_QUEUES.imports;
  const { sendAudienceSync } = proxyActivities<AudienceActivities>({
    taskQueue,
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: input.maxAttempts ?? 8 },
  });
  const { markAudienceSyncFailed } = proxyActivities<AudienceActivities>({ taskQueue, startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 20 } });

  for (let i = 0; i < MAX_SYNCS_PER_RUN; i += 1) {
    const plan = await planAudienceSync({
      companyId: input.companyId,
      destination,
      audience: input.audience,
      workflowId: workflowInfo().workflowId,
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
      ...(input.maxPerJob !== undefined ? { maxPerJob: input.maxPerJob } : {}),
    });
    const step: AudienceSyncStep = { plan, send: null };
    progress.steps.push(step);
    if (plan.syncId === null) break;
    try {
      step.send = await sendAudienceSync({ companyId: input.companyId, syncId: plan.syncId });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      step.send = await markAudienceSyncFailed({ companyId: input.companyId, syncId: plan.syncId, error: error.cause?.message ?? error.message });
    }
    // More than one job's worth: plan the rest now (a resumed sync may also have left newer changes).
    if (step.send.status !== 'sent' || (plan.deferred === 0 && plan.status !== 'resumed')) break;
  }
  progress.done = true;
  return progress;
}
