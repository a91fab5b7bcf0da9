// Alert evaluation of one company-local day (started by the daily rollup once its days are recomputed,
// or by hand): load the day's metrics, run the pure rules (here, so the candidates are in the history),
// record them (dedupe + cooldown), then mail one digest on the notifications queue, retried until the
// SMTP server takes it. Id `alerts:<company>:<day>`; a second start while one runs is a no-op.
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AlertActivities, RecordAlertsResult, SendAlertDigestResult } from '../activities/alerts';
import { evaluateAlertRules } from '../lib/alerts/evaluate';
import { TASK_QUEUES } from '../lib/task-queues';
import { CompanyIdKey } from './search-attributes';

export type EvaluateAlertsWorkflowInput = {
  companyId: string;
  day: string;
  /** Where sendAlertDigest runs; default the notifications queue (tests pass their own). */
  notificationsTaskQueue?: string;
};

export type EvaluateAlertsResult = {
  companyId: string;
  day: string;
  evaluationId: string;
  fired: Array<{ rule: string; dimension: string; severity: string; dedupeKey: string }>;
  recorded: RecordAlertsResult;
  delivery: SendAlertDigestResult | null;
};

const { loadAlertInputs, recordAlerts } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export async function evaluateAlertsWorkflow(input: EvaluateAlertsWorkflowInput): Promise<EvaluateAlertsResult> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const info = workflowInfo();
  // one delivery per run: an activity retry reuses it (no second email); a new run mails only new alerts
  const evaluationId = `${info.workflowId}:${info.runId}`;
  const inputs = await loadAlertInputs({ companyId: input.companyId, day: input.day });
  const alerts = evaluateAlertRules(inputs);
  const recorded = await recordAlerts({ companyId: input.companyId, day: input.day, evaluationId, cooldownDays: inputs.thresholds.cooldownDays, alerts });

  let delivery: SendAlertDigestResult | null = null;
  if (recorded.open > 0) {
    const { sendAlertDigest } = proxyActivities<AlertActivities>({
      taskQueue: input.notificationsTaskQueue ?? TASK_QUEUES.notifications,
      startToCloseTimeout: '2 minutes',
      // SMTP outages last minutes to hours: keep trying for about a day, then the run fails visibly
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 150 },
    });
    delivery = await sendAlertDigest({ companyId: input.companyId, day: input.day, evaluationId });
  }
  return {
    companyId: input.companyId,
    day: input.day,
    evaluationId,
    fired: alerts.map((a) => ({ rule: a.rule, dimension: `${a.dimensionKind}:${a.dimensionValue}`, severity: a.severity, dedupeKey: a.dedupeKey })),
    recorded,
    delivery,
  };
}
