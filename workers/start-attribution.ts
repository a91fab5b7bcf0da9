// Starting attribution runs from outside a workflow (the collector after a storefront purchase, the CLI,
// the benchmark). Same ids and search attributes as the in-workflow starts (workflows/attribute-order.ts).
import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../lib/task-queues';
import { attributeOrdersWorkflowId, attributeOrderWorkflowId, attributionSweepWorkflowId, orderSearchId } from '../lib/workflow-ids';
import type { attributeOrderWorkflow } from '../workflows/attribute-order';
import type { attributeOrdersWorkflow, AttributeOrdersWorkflowInput } from '../workflows/attribute-orders';
import { CompanyIdKey, OrderIdKey } from '../workflows/search-attributes';

/** Starts an order's attributeOrder run, or finds the one already running (a second start is a no-op). */
export async function startAttributeOrderWorkflow(
  client: Client,
  input: { companyId: string; source: string; externalId: string },
  taskQueue: string = TASK_QUEUES.analytics,
) {
  return client.workflow.start<typeof attributeOrderWorkflow>('attributeOrderWorkflow', {
    workflowId: attributeOrderWorkflowId(input.companyId, input.source, input.externalId),
    taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: CompanyIdKey, value: input.companyId },
      { key: OrderIdKey, value: orderSearchId(input.source, input.externalId) },
    ],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Starts a backfill (or, with pendingOnly and no range, the company's sweep); one already running is followed, not doubled. */
export async function startAttributeOrdersWorkflow(client: Client, input: AttributeOrdersWorkflowInput, taskQueue: string = TASK_QUEUES.analytics) {
  const workflowId = input.pendingOnly && input.from === null && input.to === null ? attributionSweepWorkflowId(input.companyId) : attributeOrdersWorkflowId(input.companyId, input.from, input.to);
  return client.workflow.start<typeof attributeOrdersWorkflow>('attributeOrdersWorkflow', {
    workflowId,
    taskQueue,
    args: [input],
    typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
