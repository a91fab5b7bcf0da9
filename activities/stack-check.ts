// Stack self-check: proves the worker can reach Postgres under the tenant boundary and leaves an
// auditable row behind. Idempotent: a retry of the same workflow upserts the same row.
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../lib/db/pool';
import { withTenant } from '../lib/db/tenant';
import type { Logger } from '../lib/logger';
import { parseActivityInput } from './support/parse-input';

const stackCheckInputSchema = z.object({ companyId: z.string().uuid(), workflowId: z.string().min(1).max(500) });
export type StackCheckInput = z.infer<typeof stackCheckInputSchema>;
export type StackCheckResult = { companyId: string; rawEventCount: number; rowsRead: number; rowsWritten: number };

const countRow = z.object({ raw_event_count: z.coerce.number().int() });

export function createStackCheckActivities(deps: { appPool: DatabasePool; logger: Logger }) {
  return {
    async recordStackCheck(rawInput: StackCheckInput): Promise<StackCheckResult> {
      const input = parseActivityInput(stackCheckInputSchema, rawInput);
      const result = await withTenant(deps.appPool, input.companyId, async (tx) => {
        const { raw_event_count: rawEventCount } = await tx.one(sql.type(countRow)`
          SELECT count(*) AS raw_event_count FROM raw_events`);
        const written = await tx.query(sql.unsafe`
          INSERT INTO stack_checks (company_id, workflow_id, raw_event_count)
          VALUES (${input.companyId}, ${input.workflowId}, ${rawEventCount})
          ON CONFLICT (company_id, workflow_id)
          DO UPDATE SET raw_event_count = EXCLUDED.raw_event_count, checked_at = now()`);
        return { companyId: input.companyId, rawEventCount, rowsRead: rawEventCount, rowsWritten: written.rowCount };
      });
      deps.logger.info({ company_id: input.companyId, workflow_id: input.workflowId, ...result }, 'stack check recorded');
      return result;
    },
  };
}

export type StackCheckActivities = ReturnType<typeof createStackCheckActivities>;
