// Email/SMS and creative rollup activities (task queue `analytics`), one company-local day each, in one
// transaction, returning the rows written per table (shown in the Temporal UI). The daily rollup workflow
// runs them after the core rollup (workflows/daily-rollup.ts DAY_ROLLUPS).
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import type { RollupDayResult } from '../rollups';
import { withLivenessHeartbeat } from '../support/liveness-heartbeat';
import { parseActivityInput } from '../support/parse-input';
import { fatigueParamsSchema, rollupCreativesDaySql } from './rollup-creatives';
import { rollupMessagesDaySql } from './rollup-messages';

export type MessageActivityDeps = { appPool: DatabasePool; logger: Logger };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a company-local day YYYY-MM-DD');
const messagesDayInput = z.object({ companyId: z.string().uuid(), day });
const creativesDayInput = messagesDayInput.extend({ fatigueParams: fatigueParamsSchema.optional() });

export type MessagesDayInput = z.infer<typeof messagesDayInput>;
export type CreativesDayInput = z.infer<typeof creativesDayInput>;

function result(companyId: string, dayValue: string, rowsWritten: Record<string, number>, started: number): RollupDayResult {
  return { companyId, day: dayValue, rowsWritten, rowsTotal: Object.values(rowsWritten).reduce((a, b) => a + b, 0), durationMs: Math.round(performance.now() - started) };
}

export function createMessageActivities(deps: MessageActivityDeps) {
  return {
    /** agg_daily_messages and message_order_attribution of one company-local day. */
    async rollupMessagesDay(rawInput: MessagesDayInput): Promise<RollupDayResult> {
      const input = parseActivityInput(messagesDayInput, rawInput);
      const started = performance.now();
      const rows = await withLivenessHeartbeat(() => withTenant(deps.appPool, input.companyId, (tx) => rollupMessagesDaySql(tx, input.companyId, input.day)));
      deps.logger.info({ company_id: input.companyId, day: input.day, rows }, 'message day rolled up');
      return result(input.companyId, input.day, rows, started);
    },
    /** creatives, agg_daily_creatives and creative_fatigue of one company-local day. */
    async rollupCreativesDay(rawInput: CreativesDayInput): Promise<RollupDayResult> {
      const input = parseActivityInput(creativesDayInput, rawInput);
      const started = performance.now();
      const rows = await withLivenessHeartbeat(() => withTenant(deps.appPool, input.companyId, (tx) => rollupCreativesDaySql(tx, input.companyId, input.day, input.fatigueParams)));
      deps.logger.info({ company_id: input.companyId, day: input.day, rows }, 'creative day rolled up');
      return result(input.companyId, input.day, rows, started);
    },
  };
}

export type MessageActivities = ReturnType<typeof createMessageActivities>;
