// Conversion forwarding activities (docs/forwarding.md). prepareConversion runs on the analytics queue
// (Postgres only); sendConversion and markConversionFailed on the imports queue (vendor I/O).
import { z } from 'zod';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import type { DatabasePool } from '../../lib/db/pool';
import { DESTINATIONS } from '../../lib/forwarding/destinations';
import type { Logger } from '../../lib/logger';
import { parseActivityInput } from '../support/parse-input';
import { prepareConversion, type PrepareResult } from './prepare-conversion';
import { markConversionFailed, sendConversion, type SendResult } from './send-conversion';

export type ForwardingActivityDeps = {
  appPool: DatabasePool;
  logger: Logger;
  credentialsKey?: CredentialsKey;
  /** Per vendor request (default 30 s). A request that times out is retried; the vendors dedupe the retry. */
  forwardingRequestTimeoutMs?: number;
};

const orderInput = z.object({ companyId: z.string().uuid(), source: z.string().min(1).max(50), externalId: z.string().min(1).max(500) });
const sendInput = orderInput.extend({ destination: z.enum(DESTINATIONS) });
const failedInput = sendInput.extend({ error: z.string().max(5000) });

export function createForwardingActivities(deps: ForwardingActivityDeps) {
  return {
    async prepareConversion(rawInput: z.infer<typeof orderInput>): Promise<PrepareResult> {
      const input = parseActivityInput(orderInput, rawInput);
      const result = await prepareConversion(deps, input);
      if (result === null) {
        deps.logger.warn({ company_id: input.companyId, source: input.source, external_id: input.externalId }, 'conversion forwarding: order not found');
        return { decisions: [], toSend: [] };
      }
      deps.logger.info({ company_id: input.companyId, source: input.source, external_id: input.externalId, decisions: result.decisions }, 'conversion forwarding decided');
      return result;
    },
    async sendConversion(rawInput: z.infer<typeof sendInput>): Promise<SendResult> {
      const input = parseActivityInput(sendInput, rawInput);
      const result = await sendConversion({ ...deps, requestTimeoutMs: deps.forwardingRequestTimeoutMs ?? 30_000 }, input);
      deps.logger.info({ company_id: input.companyId, source: input.source, external_id: input.externalId, ...result }, 'conversion forwarding attempt');
      return result;
    },
    async markConversionFailed(rawInput: z.infer<typeof failedInput>): Promise<SendResult> {
      const input = parseActivityInput(failedInput, rawInput);
      const result = await markConversionFailed(deps, input);
      deps.logger.warn({ company_id: input.companyId, source: input.source, external_id: input.externalId, ...result }, 'conversion forwarding gave up');
      return result;
    },
  };
}

export type ForwardingActivities = ReturnType<typeof createForwardingActivities>;
export type { PrepareResult, SendResult };
