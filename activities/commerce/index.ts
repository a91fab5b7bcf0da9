// Commerce activities: webhook processing and vendor imports (task queue `imports`).
import type { CredentialsKey } from '../../lib/credentials/cipher';
import type { DatabasePool } from '../../lib/db/pool';
import type { Logger } from '../../lib/logger';
import { beginImportRun, importNextPage, type ImportPageResult, type ImportRunState } from './import-page';
import { findUnprocessedWebhooks, processStoredWebhook, type ProcessWebhookResult } from './process-webhook';

export type CommerceActivityDeps = { appPool: DatabasePool; logger: Logger; credentialsKey?: CredentialsKey };

export function createCommerceActivities(deps: CommerceActivityDeps) {
  return {
    processWebhook: (input: { companyId: string; webhookId: number; workflowId: string | null }): Promise<ProcessWebhookResult> => processStoredWebhook(deps, input),
    /** Webhooks stored while Temporal was unreachable (the collector could not start their workflow). */
    listUnprocessedWebhooks: (input: { companyId: string }): Promise<number[]> => findUnprocessedWebhooks(deps, input.companyId, 60, 500),
    beginImportRun: (input: { companyId: string; source: string; stream: string; since: string | null }): Promise<ImportRunState> => beginImportRun(deps, input),
    importNextPage: (input: { companyId: string; source: string; stream: string }): Promise<ImportPageResult> => importNextPage(deps, input),
  };
}

export type CommerceActivities = ReturnType<typeof createCommerceActivities>;
export type { ImportPageResult, ImportRunState, ProcessWebhookResult };
