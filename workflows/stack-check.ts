// Stack self-check: one activity that writes to Postgres. `npm start` runs it at boot so ops see a
// first run in the Temporal UI; the integration tests use it to prove the wiring end to end.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StackCheckActivities, StackCheckResult } from '../activities/stack-check';

const { recordStackCheck } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export async function stackCheckWorkflow(input: { companyId: string }): Promise<StackCheckResult> {
  return recordStackCheck({ companyId: input.companyId, workflowId: workflowInfo().workflowId });
}

/** Deterministic id so a person can find it, and a second start of the same check is a no-op. */
export const stackCheckWorkflowId = (companyId: string, label: string): string => `stack-check:${companyId}:${label}`;
