// The daily rollup of one company (started by its Temporal Schedule at 04:15 company-local time, see
// workers/schedules.ts, or by hand). It recomputes the last 3 company-local days before today (late
// events, delayed batches and imports catching up land within them), one activity per day and per
// rollup kind, each idempotent (delete the day + set-based insert, one transaction) and returning the
// rows it wrote. Then, the extension point for alert evaluation.
import { ParentClosePolicy, proxyActivities, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { MessageActivities } from '../activities/messages';
import type { RollupActivities, RollupDayInput, RollupDayResult } from '../activities/rollups';
import { recentLocalDays } from '../lib/metrics/days';
import { DAILY_ROLLUP } from '../lib/metrics/definitions';
import { evaluateAlertsWorkflowId } from '../lib/workflow-ids';
import { CompanyIdKey } from './search-attributes';

const { rollupCompanyDay } = proxyActivities<RollupActivities>({
  // one company-day of 1M events takes seconds (bench/rollups); minutes leave room for a busy database
  startToCloseTimeout: '15 minutes',
  // the activity heartbeats while its day runs (activities/support/liveness-heartbeat.ts): a day whose
  // worker died is retried after 30 s, not after the 15 minutes of start-to-close
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});
// email/SMS and creative rollups of a day (activities/messages): set-based too, the same profile
const { rollupMessagesDay, rollupCreativesDay } = proxyActivities<MessageActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});
const { getRollupCompany } = proxyActivities<RollupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * The per-day rollups, run in this order for each day. To add a rollup kind (issue 7: email/SMS and
 * creative rollups), add its activity here: `{ name: 'messages', run: (input) => rollupMessagesDay(input) }`
 * with an activity taking { companyId, day } and returning RollupDayResult. Both workflows use this list.
 */
export const DAY_ROLLUPS: ReadonlyArray<{ name: string; run: (input: RollupDayInput) => Promise<RollupDayResult> }> = [
  { name: 'core', run: (input) => rollupCompanyDay(input) },
  { name: 'messages', run: (input) => rollupMessagesDay(input) },
  { name: 'creatives', run: (input) => rollupCreativesDay(input) },
];

/** Runs every per-day rollup of one day; the results, one per rollup kind. */
export async function rollupDay(input: RollupDayInput): Promise<Array<RollupDayResult & { rollup: string }>> {
  const results: Array<RollupDayResult & { rollup: string }> = [];
  for (const step of DAY_ROLLUPS) results.push({ rollup: step.name, ...(await step.run(input)) });
  return results;
}

/** The workflow type the alerts issue registers; started by the hook below when `evaluateAlerts` is set. */
export const ALERT_EVALUATION_WORKFLOW = 'evaluateAlertsWorkflow';

export type DailyRollupWorkflowInput = {
  companyId: string;
  /** company-local days to recompute; default: the 3 days before today in the company's time zone */
  days?: string[];
  /**
   * Alert evaluation hook: when true, a child `evaluateAlertsWorkflow({ companyId, day })` is started
   * for the latest recomputed day (`alerts:<company>:<day>`) after the rollups and left running. The
   * daily schedule turns it on; hand-started rollups and backfills leave it off.
   */
  evaluateAlerts?: boolean;
};

export type DailyRollupResult = {
  companyId: string;
  timeZone: string;
  days: Array<{ day: string; rowsTotal: number; rollups: Array<RollupDayResult & { rollup: string }> }>;
  alertEvaluationStarted: string | null;
};

export async function dailyRollupWorkflow(input: DailyRollupWorkflowInput): Promise<DailyRollupResult> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const company = await getRollupCompany({ companyId: input.companyId });
  // workflow time (deterministic on replay), read in the company's zone
  const days = input.days ?? recentLocalDays(new Date(), company.timeZone, DAILY_ROLLUP.lookbackDays);
  const result: DailyRollupResult = { companyId: input.companyId, timeZone: company.timeZone, days: [], alertEvaluationStarted: null };
  for (const day of days) {
    const rollups = await rollupDay({ companyId: input.companyId, day });
    result.days.push({ day, rowsTotal: rollups.reduce((n, r) => n + r.rowsTotal, 0), rollups });
  }

  // section: alert evaluation (extension point) — runs on the freshly computed days
  const latestDay = [...days].sort().at(-1);
  if (input.evaluateAlerts === true && latestDay !== undefined) {
    const workflowId = evaluateAlertsWorkflowId(input.companyId, latestDay);
    try {
      const child = await startChild(ALERT_EVALUATION_WORKFLOW, {
        workflowId,
        args: [{ companyId: input.companyId, day: latestDay }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
      });
      result.alertEvaluationStarted = child.workflowId;
    } catch (error) {
      // an evaluation of that day is still running: it reads the same rollups, leave it be
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      result.alertEvaluationStarted = workflowId;
    }
  }
  return result;
}
