// Rollup activities (task queue `analytics`). rollupCompanyDay recomputes one company-local day of every
// agg_daily_* table in one transaction (rollup_company_day(), migration 0008: DELETE the day, then
// set-based INSERT … SELECT), so a retry or a second run writes identical rows. Each returns the rows it
// wrote per table, which the Temporal UI shows and rollup_runs keeps.
import { Context } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { parseActivityInput } from '../support/parse-input';

export type RollupActivityDeps = { appPool: DatabasePool; logger: Logger };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a company-local day YYYY-MM-DD');
const rollupDayInput = z.object({ companyId: z.string().uuid(), day });
const companyInput = z.object({ companyId: z.string().uuid() });

export type RollupDayInput = z.infer<typeof rollupDayInput>;
export type RollupDayResult = { companyId: string; day: string; rowsWritten: Record<string, number>; rowsTotal: number; durationMs: number };
export type RollupCompany = { companyId: string; timeZone: string; reportingCurrency: string };

const countRow = z.object({ table_name: z.string(), rows_written: z.coerce.number() });
const companyRow = z.object({ time_zone: z.string(), reporting_currency: z.string() });

/** Recomputes one (company, day); `workflowId` is recorded in rollup_runs. Exported for the benchmark and tests. */
export async function rollupCompanyDaySql(pool: DatabasePool, companyId: string, dayValue: string, workflowId: string | null): Promise<RollupDayResult> {
  const started = performance.now();
  const rows = await withTenant(pool, companyId, (tx) =>
    tx.any(sql.type(countRow)`SELECT table_name, rows_written FROM rollup_company_day(${companyId}, ${dayValue}::date, ${workflowId})`),
  );
  const rowsWritten = Object.fromEntries(rows.map((r) => [r.table_name, r.rows_written]));
  return { companyId, day: dayValue, rowsWritten, rowsTotal: rows.reduce((n, r) => n + r.rows_written, 0), durationMs: Math.round(performance.now() - started) };
}

export function createRollupActivities(deps: RollupActivityDeps) {
  return {
    /** The company's time zone and reporting currency (the workflow picks its local days with them). */
    async getRollupCompany(rawInput: { companyId: string }): Promise<RollupCompany> {
      const input = parseActivityInput(companyInput, rawInput);
      const row = await withTenant(deps.appPool, input.companyId, (tx) =>
        tx.maybeOne(sql.type(companyRow)`SELECT time_zone, reporting_currency FROM companies WHERE company_id = ${input.companyId}`),
      );
      if (!row) throw new Error(`company ${input.companyId} not found`);
      return { companyId: input.companyId, timeZone: row.time_zone, reportingCurrency: row.reporting_currency };
    },
    /** Recomputes every core rollup table for one company-local day, in one transaction. */
    async rollupCompanyDay(rawInput: RollupDayInput): Promise<RollupDayResult> {
      const input = parseActivityInput(rollupDayInput, rawInput);
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? null;
      const result = await rollupCompanyDaySql(deps.appPool, input.companyId, input.day, workflowId);
      deps.logger.info({ company_id: input.companyId, day: input.day, rows_total: result.rowsTotal, duration_ms: result.durationMs, workflow_id: workflowId }, 'company day rolled up');
      return result;
    },
  };
}

export type RollupActivities = ReturnType<typeof createRollupActivities>;
