// One stored webhook → orders/payments/leads. The collector starts this right after storing the raw
// delivery (id: webhook:<company>:<vendor>:<webhook id>), so every delivery has a run in the Temporal UI.
// Each order it stored gets an attributeOrder child run (abandoned: the webhook run does not wait).
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { CompanyIdKey } from './search-attributes';
import type { CommerceActivities, ProcessWebhookResult } from '../activities/commerce';
import { TASK_QUEUES } from '../lib/task-queues';
import { startOrderAttributions } from './attribute-order';

const { processWebhook } = proxyActivities<CommerceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export type ProcessWebhookWorkflowInput = {
  companyId: string;
  webhookId: number;
  /** Where the orders' attributeOrder runs go (default: the analytics queue). */
  attributionTaskQueue?: string;
};

export async function processWebhookWorkflow(input: ProcessWebhookWorkflowInput): Promise<ProcessWebhookResult> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const result = await processWebhook({ companyId: input.companyId, webhookId: input.webhookId, workflowId: workflowInfo().workflowId });
  if (result.orders && result.orders.length > 0) {
    await startOrderAttributions(input.companyId, result.orders, input.attributionTaskQueue ?? TASK_QUEUES.analytics);
  }
  return result;
}
