// Starts the processWebhook workflow for a stored delivery. The Temporal connection is opened on first
// use and reopened after a failure, so the collector starts (and keeps storing webhooks) while Temporal
// is down; deliveries stored meanwhile are picked up by the import schedule's sweep.
import { Client, Connection } from '@temporalio/client';
import { TASK_QUEUES } from '../../lib/task-queues';
import { processWebhookWorkflowId } from '../../lib/workflow-ids';
import type { processWebhookWorkflow } from '../../workflows/process-webhook';
import { CompanyIdKey } from '../../workflows/search-attributes';

export type StartWebhookProcessing = (input: { companyId: string; source: string; webhookId: number }) => Promise<string>;

export function temporalWebhookStarter(options: { address: string; namespace: string; taskQueue?: string }): StartWebhookProcessing & { close(): Promise<void> } {
  let client: Promise<Client> | undefined;
  const connect = (): Promise<Client> => {
    client ??= Connection.connect({ address: options.address, connectTimeout: '3 seconds' }).then(
      (connection) => new Client({ connection, namespace: options.namespace }),
      (error: unknown) => {
        client = undefined; // try again on the next webhook
        throw error;
      },
    );
    return client;
  };
  const start = async (input: { companyId: string; source: string; webhookId: number }): Promise<string> =>
    startProcessWebhookWorkflow(await connect(), options.taskQueue ?? TASK_QUEUES.imports, input);
  return Object.assign(start, {
    close: async (): Promise<void> => {
      const pending = client;
      client = undefined;
      if (pending) await (await pending.catch(() => undefined))?.connection.close();
    },
  });
}

/** Starts (or, for a delivery already started, finds) the processWebhook workflow; returns its id. */
export async function startProcessWebhookWorkflow(
  client: Client,
  taskQueue: string,
  input: { companyId: string; source: string; webhookId: number },
): Promise<string> {
  const workflowId = processWebhookWorkflowId(input.companyId, input.source, input.webhookId);
  await client.workflow.start<typeof processWebhookWorkflow>('processWebhookWorkflow', {
    workflowId,
    taskQueue,
    args: [{ companyId: input.companyId, webhookId: input.webhookId }],
    typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
    // A second start for the same delivery (a retried request) is a no-op.
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return workflowId;
}
