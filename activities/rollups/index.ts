// Rollup activities (task queue `analytics`). rollupCompanyDay recomputes one company-local day of every
// agg_daily_* table in one transaction (rollup_company_day(), migrations 0008/0015/0018: DELETE the day,
// then set-based INSERT … SELECT), so a retry or a second run writes identical rows. rollupCompanyDays
// does the same for a range of days in one transaction (rollup_company_days(), migration 0018: what
// rollupBackfill uses; one pass per week of the range since 0024, instead of one transaction per day).
// Each returns the rows it wrote per table and day, which the Temporal UI shows and rollup_runs keeps. Both also recompute the
// attribution paths of the same days in the same transaction (rollup_attribution_paths(), migration 0021:
// agg_daily_attribution_paths, what attribution/top_paths and path_lengths read); its rows are in the
// result, not in rollup_runs (which rollup_company_day(s) write).
import { Context } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { withLivenessHeartbeat } from '../support/liveness-heartbeat';
import { parseActivityInput } from '../support/parse-input';

export type RollupActivityDeps = { appPool: DatabasePool; logger: Logger };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a company-local day YYYY-MM-DD');
const rollupDayInput = z.object({ companyId: z.string().uuid(), day });
/** rollup_company_days() refuses longer ranges (memory of one statement); rollupBackfill uses far shorter ones. */
export const MAX_ROLLUP_RANGE_DAYS = 367;
const rollupRangeInput = z
  .object({ companyId: z.string().uuid(), from: day, to: day })
  .refine((r) => r.from <= r.to, 'expected from ≤ to')
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 < MAX_ROLLUP_RANGE_DAYS, `expected at most ${MAX_ROLLUP_RANGE_DAYS} days`);
const companyInput = z.object({ companyId: z.string().uuid() });

export type RollupDayInput = z.infer<typeof rollupDayInput>;
export type RollupDayResult = { companyId: string; day: string; rowsWritten: Record<string, number>; rowsTotal: number; durationMs: number };
export type RollupRangeInput = z.infer<typeof rollupRangeInput>;
/** One result per day of the range (each day's durationMs is the range's time shared equally, as in rollup_runs). */
export type RollupRangeResult = { companyId: string; from: string; to: string; days: RollupDayResult[]; rowsTotal: number; durationMs: number };
export type RollupCompany = { companyId: string; timeZone: string; reportingCurrency: string };

const countRow = z.object({ table_name: z.string(), rows_written: z.coerce.number() });
const dayCountRow = z.object({ day: z.string(), table_name: z.string(), rows_written: z.coerce.number() });
const companyRow = z.object({ time_zone: z.string(), reporting_currency: z.string() });

/** Recomputes one (company, day); `workflowId` is recorded in rollup_runs. Exported for the benchmark and tests. */
export async function rollupCompanyDaySql(pool: DatabasePool, companyId: string, dayValue: string, workflowId: string | null): Promise<RollupDayResult> {
  const started = performance.now();
  const rows = await withTenant(pool, companyId, async (tx) => [
    ...(await tx.any(sql.type(countRow)`SELECT table_name, rows_written FROM rollup_company_day(${companyId}, ${dayValue}::date, ${workflowId})`)),
    ...(await tx.any(sql.type(countRow)`
      SELECT 'agg_daily_attribution_paths' AS table_name, rows_written FROM rollup_attribution_paths(${companyId}, ${dayValue}::date, ${dayValue}::date)`)),
  ]);
  const rowsWritten = Object.fromEntries(rows.map((r) => [r.table_name, r.rows_written]));
  return { companyId, day: dayValue, rowsWritten, rowsTotal: rows.reduce((n, r) => n + r.rows_written, 0), durationMs: Math.round(performance.now() - started) };
}

/** Recomputes every day of [from, to] in one transaction (rollup_company_days: a statement per week); exported for the benchmark and tests. */
export async function rollupCompanyDaysSql(pool: DatabasePool, companyId: string, from: string, to: string, workflowId: string | null): Promise<RollupRangeResult> {
  const started = performance.now();
  const rows = await withTenant(pool, companyId, async (tx) => [
    ...(await tx.any(sql.type(dayCountRow)`
      SELECT day::text AS day, table_name, rows_written FROM rollup_company_days(${companyId}, ${from}::date, ${to}::date, ${workflowId})`)),
    ...(await tx.any(sql.type(dayCountRow)`
      SELECT day::text AS day, 'agg_daily_attribution_paths' AS table_name, rows_written FROM rollup_attribution_paths(${companyId}, ${from}::date, ${to}::date)`)),
  ]);
  const durationMs = Math.round(performance.now() - started);
  const byDay = new Map<string, Record<string, number>>();
  for (const r of rows) byDay.set(r.day, { ...byDay.get(r.day), [r.table_name]: r.rows_written });
  const days = [...byDay].map(([dayValue, rowsWritten]) => ({
    companyId,
    day: dayValue,
    rowsWritten,
    rowsTotal: Object.values(rowsWritten).reduce((n, v) => n + v, 0),
    durationMs: Math.round(durationMs / byDay.size),
  }));
  return { companyId, from, to, days, rowsTotal: days.reduce((n, d) => n + d.rowsTotal, 0), durationMs };
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
      // heartbeats while the day runs: a worker that dies mid-day is noticed within the heartbeat timeout
      const result = await withLivenessHeartbeat(() => rollupCompanyDaySql(deps.appPool, input.companyId, input.day, workflowId));
      deps.logger.info({ company_id: input.companyId, day: input.day, rows_total: result.rowsTotal, duration_ms: result.durationMs, workflow_id: workflowId }, 'company day rolled up');
      return result;
    },
    /** Recomputes every core rollup table for a range of company-local days, in one transaction. */
    async rollupCompanyDays(rawInput: RollupRangeInput): Promise<RollupRangeResult> {
      const input = parseActivityInput(rollupRangeInput, rawInput);
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? null;
      const result = await withLivenessHeartbeat(() => rollupCompanyDaysSql(deps.appPool, input.companyId, input.from, input.to, workflowId));
      deps.logger.info(
        { company_id: input.companyId, from: input.from, to: input.to, days: result.days.length, rows_total: result.rowsTotal, duration_ms: result.durationMs, workflow_id: workflowId },
        'company days rolled up',
      );
      return result;
    },
  };
}

export type RollupActivities = ReturnType<typeof createRollupActivities>;
