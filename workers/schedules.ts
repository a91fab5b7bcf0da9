// Schedule registration: each connected vendor of each company is imported every hour, in the company's
// time zone, by a Temporal Schedule (visible and pausable in the Temporal UI). Registering is idempotent:
// an existing schedule is updated to the current definition instead of duplicated.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { TASK_QUEUES } from '../lib/task-queues';
import { importScheduleId, importSourceWorkflowId } from '../lib/workflow-ids';
import type { importSourceWorkflow } from '../workflows/import-source';
import { CompanyIdKey } from '../workflows/search-attributes';

/** Minute past the hour; spread per vendor so one company's imports do not all start at once. */
const MINUTE_OF_HOUR: Record<string, number> = { woocommerce: 7, shopify: 17, stripe: 27, google_ads: 37, meta: 47, tiktok: 52 };

export function importScheduleOptions(input: { companyId: string; source: string; timeZone: string }): ScheduleOptions {
  return {
    scheduleId: importScheduleId(input.companyId, input.source),
    spec: { cronExpressions: [`${MINUTE_OF_HOUR[input.source] ?? 0} * * * *`], timezone: input.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: 'importSourceWorkflow',
      workflowId: importSourceWorkflowId(input.companyId, input.source),
      taskQueue: TASK_QUEUES.imports,
      args: [{ companyId: input.companyId, source: input.source, since: null }] satisfies Parameters<typeof importSourceWorkflow>,
      typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    },
    // An import still running when the next hour comes is left alone; missed runs (worker down) are
    // caught up once, not once per missed hour.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    memo: { companyId: input.companyId, source: input.source },
  };
}

export async function ensureImportSchedule(client: Client, input: { companyId: string; source: string; timeZone: string }): Promise<'created' | 'updated'> {
  const options = importScheduleOptions(input);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    return 'updated';
  }
}
