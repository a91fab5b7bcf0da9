// Schedule registration: each connected vendor of each company is imported every hour, and each company's
// daily rollup runs at 04:15 (section below), in the company's time zone, by a Temporal Schedule (visible
// and pausable in the Temporal UI). Registering is idempotent: an existing schedule is updated to the
// current definition instead of duplicated.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../lib/db/pool';
import type { Logger } from '../lib/logger';
import { DAILY_ROLLUP } from '../lib/metrics/definitions';
import { TASK_QUEUES } from '../lib/task-queues';
import { withTenant } from '../lib/db/tenant';
import { attributionSweepScheduleId, attributionSweepWorkflowId, audienceSyncScheduleId, audienceSyncWorkflowId, importScheduleId, importSourceWorkflowId, rollupScheduleId, scheduledRollupWorkflowId } from '../lib/workflow-ids';
import type { attributeOrdersWorkflow } from '../workflows/attribute-orders';
import type { dailyRollupWorkflow } from '../workflows/daily-rollup';
import type { importSourceWorkflow } from '../workflows/import-source';
import type { syncAudienceWorkflow } from '../workflows/sync-audience';
import { CompanyIdKey } from '../workflows/search-attributes';

/** Minute past the hour; spread per vendor so one company's imports do not all start at once. */
const MINUTE_OF_HOUR: Record<string, number> = { woocommerce: 7, shopify: 17, stripe: 27, google_ads: 37, meta: 47, tiktok: 52, gsc: 12, meta_pages: 22, x: 32 };

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

/** Creates the schedule, or updates an existing one to this definition (idempotent). */
async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'updated'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    return 'updated';
  }
}

export function ensureImportSchedule(client: Client, input: { companyId: string; source: string; timeZone: string }): Promise<'created' | 'updated'> {
  return upsertSchedule(client, importScheduleOptions(input));
}

// section: daily rollups ----------------------------------------------------------------------------------------
// One Schedule per company: dailyRollup at 04:15 company-local time (Temporal resolves the zone, DST
// included). A run still going at the next fire is left alone (SKIP); after an outage, missed fires of
// the last day are caught up (one run: each recomputes 3 days anyway), older ones are dropped.
export function rollupScheduleOptions(input: { companyId: string; timeZone: string }): ScheduleOptions {
  return {
    scheduleId: rollupScheduleId(input.companyId),
    spec: { calendars: [{ hour: DAILY_ROLLUP.hour, minute: DAILY_ROLLUP.minute }], timezone: input.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: 'dailyRollupWorkflow',
      workflowId: scheduledRollupWorkflowId(input.companyId),
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId: input.companyId, evaluateAlerts: true }] satisfies Parameters<typeof dailyRollupWorkflow>,
      typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { companyId: input.companyId, kind: 'daily-rollup' },
  };
}

/** Creates the company's rollup schedule, or updates it to the current definition (idempotent). */
export function ensureRollupSchedule(client: Client, input: { companyId: string; timeZone: string }): Promise<'created' | 'updated'> {
  return upsertSchedule(client, rollupScheduleOptions(input));
}

// section: attribution sweep ------------------------------------------------------------------------------------
// Every 15 minutes per company: attribute the orders never attributed or changed since (the sweep of
// attributeOrdersWorkflow with pendingOnly). It catches what the per-order starts missed: a storefront
// purchase whose start failed while Temporal was unreachable, an order changed while its run was going,
// identity links that arrived later. A sweep still running at the next fire is left alone (SKIP).
export function attributionSweepScheduleOptions(input: { companyId: string }): ScheduleOptions {
  return {
    scheduleId: attributionSweepScheduleId(input.companyId),
    spec: { intervals: [{ every: '15 minutes' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'attributeOrdersWorkflow',
      workflowId: attributionSweepWorkflowId(input.companyId),
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId: input.companyId, from: null, to: null, pendingOnly: true }] satisfies Parameters<typeof attributeOrdersWorkflow>,
      typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '15 minutes' },
    memo: { companyId: input.companyId, kind: 'attribution-sweep' },
  };
}

export function ensureAttributionSweepSchedule(client: Client, input: { companyId: string }): Promise<'created' | 'updated'> {
  return upsertSchedule(client, attributionSweepScheduleOptions(input));
}

const companyZoneRow = z.object({ company_id: z.string(), time_zone: z.string() });

type RegistrationCounts = { created: number; updated: number; failed: number };

/**
 * Registers schedules for every company (the analytics worker calls this at start), counting what was
 * created and updated. Uses the app role: the list comes from list_company_time_zones() (SECURITY
 * DEFINER, ids and zones only). A company whose schedules cannot be registered is logged and skipped,
 * never stops the others or the worker.
 */
async function registerForEveryCompany(
  pool: DatabasePool,
  logger: Logger,
  what: string,
  register: (company: { companyId: string; timeZone: string }) => Promise<Array<'created' | 'updated'>>,
): Promise<RegistrationCounts> {
  const companies = await pool.any(sql.type(companyZoneRow)`SELECT company_id, time_zone FROM list_company_time_zones()`);
  const counts = { created: 0, updated: 0, failed: 0 };
  for (const c of companies) {
    try {
      for (const outcome of await register({ companyId: c.company_id, timeZone: c.time_zone })) counts[outcome] += 1;
    } catch (error) {
      counts.failed += 1;
      logger.error({ company_id: c.company_id, err: error }, `${what} registration failed`);
    }
  }
  logger.info(counts, `${what}s registered`);
  return counts;
}

/** Every company's rollup schedule (counted) and attribution sweep schedule. */
export function ensureRollupSchedules(client: Client, pool: DatabasePool, logger: Logger): Promise<RegistrationCounts> {
  return registerForEveryCompany(pool, logger, 'rollup schedule', async (company) => {
    const rollup = await ensureRollupSchedule(client, company);
    await ensureAttributionSweepSchedule(client, { companyId: company.companyId });
    return [rollup];
  });
}

// section: audience syncs ---------------------------------------------------------------------------------------
// One Schedule per company × audience (docs/audiences.md): syncAudience daily at 05:30 company-local time,
// after the 04:15 rollup, so a day's orders, consent changes and opt-outs reach Google the next morning.
// A sync still running at the next fire is left alone (SKIP); after an outage one missed fire is caught up.
// The schedule stays when an audience is disabled: the next sync empties the list (nothing LUX uploaded
// stays at Google), later ones find nothing to do.
export const AUDIENCE_SYNC_TIME = { hour: 5, minute: 30 } as const;

export function audienceSyncScheduleOptions(input: { companyId: string; destination: string; audience: string; timeZone: string }): ScheduleOptions {
  return {
    scheduleId: audienceSyncScheduleId(input.companyId, input.destination, input.audience),
    spec: { calendars: [{ hour: AUDIENCE_SYNC_TIME.hour, minute: AUDIENCE_SYNC_TIME.minute }], timezone: input.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: 'syncAudienceWorkflow',
      workflowId: audienceSyncWorkflowId(input.companyId, input.destination, input.audience),
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId: input.companyId, audience: input.audience, destination: input.destination }] as Parameters<typeof syncAudienceWorkflow>,
      typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { companyId: input.companyId, kind: 'audience-sync', audience: input.audience },
  };
}

export function ensureAudienceSyncSchedule(client: Client, input: { companyId: string; destination: string; audience: string; timeZone: string }): Promise<'created' | 'updated'> {
  return upsertSchedule(client, audienceSyncScheduleOptions(input));
}

const audienceRow = z.object({ destination: z.string(), audience: z.string() });

/**
 * The sync schedule of every audience a company has set up (enabled or not: a disabled one still has its
 * list emptied). Called by the analytics worker at start, next to the rollup schedules; the audiences are
 * read inside the company's tenant transaction.
 */
export function ensureAudienceSyncSchedules(client: Client, pool: DatabasePool, logger: Logger): Promise<RegistrationCounts> {
  return registerForEveryCompany(pool, logger, 'audience sync schedule', async ({ companyId, timeZone }) => {
    const audiences = await withTenant(pool, companyId, (tx) =>
      tx.any(sql.type(audienceRow)`SELECT destination, audience FROM audience_settings WHERE company_id = ${companyId}`),
    );
    const outcomes: Array<'created' | 'updated'> = [];
    for (const a of audiences) outcomes.push(await ensureAudienceSyncSchedule(client, { companyId, ...a, timeZone }));
    return outcomes;
  });
}
