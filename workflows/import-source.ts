// Everything one vendor offers, for one company: first any webhooks that were stored but never processed
// (Temporal was unreachable when they arrived), then each import stream in order as a child workflow
// with its own deterministic id. The hourly schedule runs this (workers/schedules.ts).
import { executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { CompanyIdKey } from './search-attributes';
import type { CommerceActivities } from '../activities/commerce';
import { IMPORT_STREAMS, isImportSource } from '../lib/commerce/import-streams';
import { importStreamWorkflowId, processWebhookWorkflowId } from '../lib/workflow-ids';
import { importStreamWorkflow, type ImportProgress } from './import-stream';
import { processWebhookWorkflow } from './process-webhook';

const { listUnprocessedWebhooks } = proxyActivities<CommerceActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

export type ImportSourceInput = { companyId: string; source: string; since: string | null };
export type ImportSourceResult = { webhooksRecovered: number; streams: ImportProgress[] };

export async function importSourceWorkflow(input: ImportSourceInput): Promise<ImportSourceResult> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  if (!isImportSource(input.source)) throw new Error(`not an import source: ${input.source}`);
  const taskQueue = workflowInfo().taskQueue;

  const pending = await listUnprocessedWebhooks({ companyId: input.companyId });
  for (const webhookId of pending) {
    await executeChild(processWebhookWorkflow, {
      workflowId: processWebhookWorkflowId(input.companyId, input.source, webhookId),
      taskQueue,
      args: [{ companyId: input.companyId, webhookId }],
    });
  }

  const streams: ImportProgress[] = [];
  for (const stream of IMPORT_STREAMS[input.source]) {
    streams.push(
      await executeChild(importStreamWorkflow, {
        workflowId: importStreamWorkflowId(input.companyId, input.source, stream),
        taskQueue,
        args: [{ companyId: input.companyId, source: input.source, stream, since: input.since }],
      }),
    );
  }
  return { webhooksRecovered: pending.length, streams };
}
