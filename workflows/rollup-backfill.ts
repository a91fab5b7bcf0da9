// Recompute any range of company-local days (after a backfill of events or orders, a rule change, a late
// FX rate): every per-day rollup of dailyRollup (DAY_ROLLUPS), `lanes` days side by side, with a progress
// query (what `lux rollup` prints). Continues as new every DAYS_PER_RUN days to keep the history small.
import { ApplicationFailure, continueAsNew, defineQuery, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { dayRange } from '../lib/metrics/days';
import { rollupDay } from './daily-rollup';
import { CompanyIdKey } from './search-attributes';

const DAYS_PER_RUN = 200;
const MAX_LANES = 4;

export type RollupBackfillProgress = {
  companyId: string;
  from: string;
  to: string;
  days: number;
  daysDone: number;
  rowsWritten: number;
  lastDay: string | null;
  runs: number;
  done: boolean;
};

export type RollupBackfillWorkflowInput = {
  companyId: string;
  /** first and last company-local day, inclusive (YYYY-MM-DD) */
  from: string;
  to: string;
  /** days recomputed side by side (default 2) */
  lanes?: number;
  /** set by continue-as-new */
  carried?: { next: string; progress: RollupBackfillProgress };
};

export const rollupBackfillProgressQuery = defineQuery<RollupBackfillProgress>('rollupBackfillProgress');

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function rollupBackfillWorkflow(input: RollupBackfillWorkflowInput): Promise<RollupBackfillProgress> {
  if (!DAY.test(input.from) || !DAY.test(input.to) || input.to < input.from) {
    throw ApplicationFailure.nonRetryable(`invalid range ${input.from} … ${input.to}: expected YYYY-MM-DD days, from ≤ to`, 'InvalidInput');
  }
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const all = dayRange(input.carried?.next ?? input.from, input.to);
  const progress: RollupBackfillProgress = input.carried
    ? { ...input.carried.progress, runs: input.carried.progress.runs + 1 }
    : { companyId: input.companyId, from: input.from, to: input.to, days: dayRange(input.from, input.to).length, daysDone: 0, rowsWritten: 0, lastDay: null, runs: 1, done: false };
  setHandler(rollupBackfillProgressQuery, () => progress);

  const thisRun = all.slice(0, DAYS_PER_RUN);
  const lanes = Math.min(MAX_LANES, Math.max(1, input.lanes ?? 2));
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (nextIndex < thisRun.length) {
        const day = thisRun[nextIndex++] as string;
        const results = await rollupDay({ companyId: input.companyId, day });
        progress.daysDone += 1;
        progress.rowsWritten += results.reduce((n, r) => n + r.rowsTotal, 0);
        if (progress.lastDay === null || day > progress.lastDay) progress.lastDay = day;
      }
    }),
  );
  const rest = all.slice(DAYS_PER_RUN);
  if (rest.length > 0) return continueAsNew<typeof rollupBackfillWorkflow>({ ...input, carried: { next: rest[0] as string, progress } });
  progress.done = true;
  return progress;
}
