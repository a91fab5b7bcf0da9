// One order's attribution (id: attribution:<company>:<source>:<external id>; search attributes CompanyId
// and OrderId, so ops can find it in the Temporal UI). Started whenever an order is saved or linked:
// by processWebhook (a child per order it stored), by the collector after a storefront purchase, and by
// `lux attribution backfill`'s single-order form. A second start while one runs is a no-op (the id is
// taken: USE_EXISTING / WorkflowExecutionAlreadyStarted); a start after it finished re-attributes, and
// the activity's writes are idempotent, so a re-run with the same data changes nothing.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, proxyActivities, startChild, upsertSearchAttributes, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { AttributionActivities, AttributionCounts, OrderRef } from '../activities/attribution';
import { attributeOrderWorkflowId, orderSearchId } from '../lib/workflow-ids';
import { startConversionForwarding } from './forward-conversion';
import { CompanyIdKey, OrderIdKey } from './search-attributes';

const { attributeOrders } = proxyActivities<AttributionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export type AttributeOrderWorkflowInput = { companyId: string; source: string; externalId: string };

export async function attributeOrderWorkflow(input: AttributeOrderWorkflowInput): Promise<AttributionCounts> {
  upsertSearchAttributes([
    { key: CompanyIdKey, value: input.companyId },
    { key: OrderIdKey, value: orderSearchId(input.source, input.externalId) },
  ]);
  const counts = await attributeOrders({ companyId: input.companyId, orders: [{ source: input.source, externalId: input.externalId }] });
  // Conversion forwarding (docs/forwarding.md): once a counted order is attributed, start its
  // forwardConversion run and do not wait for it (an abandoned child; ad platforms never slow attribution).
  // Forwarding is off unless the company enabled it; the run records the decision either way.
  // patched(): runs started before this change replay without the extra command.
  if (patched('conversion-forwarding') && counts.ordersRead > 0) await startConversionForwarding(input.companyId, input.source, input.externalId);
  return counts;
}

/**
 * From another workflow: start one attributeOrder child per order and leave them running (ABANDON: the
 * parent does not wait, and finishing the parent does not cancel them). An order whose run is already
 * in progress is skipped. Returns the ids of the runs started.
 */
export async function startOrderAttributions(companyId: string, orders: OrderRef[], taskQueue: string): Promise<string[]> {
  const started: string[] = [];
  const seen = new Set<string>();
  for (const order of orders) {
    const workflowId = attributeOrderWorkflowId(companyId, order.source, order.externalId);
    if (seen.has(workflowId)) continue;
    seen.add(workflowId);
    try {
      await startChild(attributeOrderWorkflow, {
        workflowId,
        taskQueue,
        args: [{ companyId, source: order.source, externalId: order.externalId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: CompanyIdKey, value: companyId },
          { key: OrderIdKey, value: orderSearchId(order.source, order.externalId) },
        ],
      });
      started.push(workflowId);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  return started;
}
