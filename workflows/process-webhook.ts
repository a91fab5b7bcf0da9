// One stored webhook → orders/payments/leads. The collector starts this right after storing the raw
// delivery (id: webhook:<company>:<vendor>:<webhook id>), so every delivery has a run in the Temporal UI.
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { CompanyIdKey } from './search-attributes';
import type { CommerceActivities, ProcessWebhookResult } from '../activities/commerce';

const { processWebhook } = proxyActivities<CommerceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export type ProcessWebhookWorkflowInput = { companyId: string; webhookId: number };

export async function processWebhookWorkflow(input: ProcessWebhookWorkflowInput): Promise<ProcessWebhookResult> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  return processWebhook({ companyId: input.companyId, webhookId: input.webhookId, workflowId: workflowInfo().workflowId });
}
