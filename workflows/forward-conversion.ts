// One order's conversion forwarding (id: forward:<company>:<source>:<external id>; search attributes
// CompanyId and OrderId). Started by attributeOrderWorkflow once the order is attributed (a child,
// abandoned: attribution never waits for an ad platform). prepareConversion decides per destination and
// fills the outbox (analytics queue: Postgres only); each pending destination is then sent by
// sendConversion on the imports queue (vendor I/O), retried with backoff on 429/5xx/timeouts. When the
// retries run out the row is marked failed with the last error. Re-running the workflow is safe: what
// a vendor already answered is never sent again (docs/forwarding.md).
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ParentClosePolicy, proxyActivities, startChild, upsertSearchAttributes, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { ForwardingActivities, PrepareResult, SendResult } from '../activities/forwarding';
import { TASK_QUEUES } from '../lib/task-queues';
import { forwardConversionWorkflowId, orderSearchId } from '../lib/workflow-ids';
import { CompanyIdKey, OrderIdKey } from './search-attributes';

const { prepareConversion } = proxyActivities<ForwardingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export type ForwardConversionWorkflowInput = {
  companyId: string;
  source: string;
  externalId: string;
  /** Where vendor calls run (default: the imports queue). */
  sendTaskQueue?: string;
  /** Attempts per destination before the row is marked failed (default 10, about 30 minutes of backoff). */
  maxAttempts?: number;
};

export type ForwardConversionResult = { decisions: PrepareResult['decisions']; sends: SendResult[] };

export async function forwardConversionWorkflow(input: ForwardConversionWorkflowInput): Promise<ForwardConversionResult> {
  upsertSearchAttributes([
    { key: CompanyIdKey, value: input.companyId },
    { key: OrderIdKey, value: orderSearchId(input.source, input.externalId) },
  ]);
  const order = { companyId: input.companyId, source: input.source, externalId: input.externalId };
  const prepared = await prepareConversion(order);
  if (prepared.toSend.length === 0) return { decisions: prepared.decisions, sends: [] };

  const taskQueue = input.sendTaskQueue ?? TASK_QUEUES.imports;
  const { sendConversion } = proxyActivities<ForwardingActivities>({
    taskQueue,
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: input.maxAttempts ?? 10 },
  });
  const { markConversionFailed } = proxyActivities<ForwardingActivities>({
    taskQueue,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 20 },
  });
  const sends = await Promise.all(
    prepared.toSend.map(async (destination) => {
      try {
        return await sendConversion({ ...order, destination });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        return markConversionFailed({ ...order, destination, error: error.cause?.message ?? error.message });
      }
    }),
  );
  return { decisions: prepared.decisions, sends };
}

/**
 * From attributeOrderWorkflow: start the order's forwarding run and leave it (ABANDON). A run already in
 * progress for the order is left alone. It runs on the parent's queue; vendor calls go to the imports
 * queue, except when the parent is not on the analytics queue (tests run every kind of work on one queue
 * of their own): then they stay on the parent's queue too.
 */
export async function startConversionForwarding(companyId: string, source: string, externalId: string): Promise<boolean> {
  const parentQueue = workflowInfo().taskQueue;
  try {
    await startChild(forwardConversionWorkflow, {
      workflowId: forwardConversionWorkflowId(companyId, source, externalId),
      taskQueue: parentQueue,
      args: [{ companyId, source, externalId, sendTaskQueue: parentQueue === TASK_QUEUES.analytics ? TASK_QUEUES.imports : parentQueue }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: CompanyIdKey, value: companyId },
        { key: OrderIdKey, value: orderSearchId(source, externalId) },
      ],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
