// Audience upload activities (docs/audiences.md). planAudienceSync runs on the analytics queue (Postgres
// only); sendAudienceSync and markAudienceSyncFailed on the imports queue (Google Ads I/O).
import { z } from 'zod';
import { AUDIENCE_DESTINATIONS, AUDIENCES } from '../../lib/audiences/settings';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import type { DatabasePool } from '../../lib/db/pool';
import type { Logger } from '../../lib/logger';
import { parseActivityInput } from '../support/parse-input';
import { planAudienceSync, type PlanResult } from './plan-sync';
import { markAudienceSyncFailed, sendAudienceSync, type SendSyncResult } from './send-sync';

export type AudienceActivityDeps = {
  appPool: DatabasePool;
  logger: Logger;
  credentialsKey?: CredentialsKey;
  /** Per Google Ads request (default 30 s): a request that times out is retried. */
  forwardingRequestTimeoutMs?: number;
};

/** Google's recommendation per addOperations request, and a reasonable cap per job (docs/audiences.md). */
export const AUDIENCE_LIMITS = { batchSize: 10_000, maxPerJob: 100_000 } as const;

const planInput = z.object({
  companyId: z.string().uuid(),
  destination: z.enum(AUDIENCE_DESTINATIONS),
  audience: z.enum(AUDIENCES),
  workflowId: z.string().max(500).nullable().default(null),
  batchSize: z.number().int().min(1).max(AUDIENCE_LIMITS.batchSize).default(AUDIENCE_LIMITS.batchSize),
  maxPerJob: z.number().int().min(1).max(AUDIENCE_LIMITS.maxPerJob).default(AUDIENCE_LIMITS.maxPerJob),
});
const syncInput = z.object({ companyId: z.string().uuid(), syncId: z.string().regex(/^\d+$/) });
const failedInput = syncInput.extend({ error: z.string().max(5000) });

export function createAudienceActivities(deps: AudienceActivityDeps) {
  return {
    async planAudienceSync(rawInput: z.input<typeof planInput>): Promise<PlanResult> {
      const input = parseActivityInput(planInput, rawInput);
      const result = await planAudienceSync(deps, input);
      deps.logger.info({ company_id: input.companyId, audience: input.audience, destination: input.destination, sync_id: result.syncId, status: result.status, adds: result.adds, removes: result.removes, excluded: result.excluded }, 'audience sync planned');
      return result;
    },
    async sendAudienceSync(rawInput: z.infer<typeof syncInput>): Promise<SendSyncResult> {
      const input = parseActivityInput(syncInput, rawInput);
      // The claim outlives one attempt's longest run (activity startToClose is 10 minutes).
      return sendAudienceSync({ ...deps, requestTimeoutMs: deps.forwardingRequestTimeoutMs ?? 30_000, claimSeconds: 11 * 60 }, input);
    },
    async markAudienceSyncFailed(rawInput: z.infer<typeof failedInput>): Promise<SendSyncResult> {
      const input = parseActivityInput(failedInput, rawInput);
      const result = await markAudienceSyncFailed(deps, input);
      deps.logger.warn({ company_id: input.companyId, sync_id: input.syncId, ...result }, 'audience sync gave up');
      return result;
    },
  };
}

export type AudienceActivities = ReturnType<typeof createAudienceActivities>;
export type { PlanResult, SendSyncResult };
