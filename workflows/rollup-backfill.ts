// Recompute any range of company-local days (after a backfill of events or orders, a rule change, a late
// FX rate): every per-day rollup of dailyRollup (DAY_ROLLUPS), `lanes` chunks side by side, with a progress
// query (what `lux rollup` prints). Continues as new every DAYS_PER_RUN days to keep the history small.
// The core rollup runs per chunk of up to CORE_CHUNK_DAYS days in one activity (rollup_company_days,
// migration 0018: one transaction for the chunk, a statement per week of it since 0024, instead of a
// transaction, plan and pass per day); the other rollup kinds of DAY_ROLLUPS still run per day, after
// their chunk's core rollup.
import { ApplicationFailure, continueAsNew, defineQuery, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { RollupActivities } from '../activities/rollups';
import { dayRange } from '../lib/metrics/days';
import { DAY_ROLLUPS, rollupDay } from './daily-rollup';
import { CompanyIdKey } from './search-attributes';

const DAYS_PER_RUN = 200;
const MAX_LANES = 4;
/** Days per core-rollup activity: a month of a 10M-event history is seconds of work (bench/rollups). */
const CORE_CHUNK_DAYS = 31;
/** Workflows started before chunked core rollups replay the per-day path (patched() marks new histories). */
const CHUNKED_CORE_PATCH = 'rollup-backfill-core-chunks';

const { rollupCompanyDays } = proxyActivities<RollupActivities>({
  // a chunk of a month is one transaction; minutes leave room for a busy database
  startToCloseTimeout: '30 minutes',
  // liveness heartbeats (activities/support/liveness-heartbeat.ts): a chunk whose worker died is retried after 30 s
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

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
  const dayDone = (day: string, rowsTotal: number): void => {
    progress.daysDone += 1;
    progress.rowsWritten += rowsTotal;
    if (progress.lastDay === null || day > progress.lastDay) progress.lastDay = day;
  };
  if (patched(CHUNKED_CORE_PATCH)) {
    const chunks: string[][] = [];
    for (let i = 0; i < thisRun.length; i += CORE_CHUNK_DAYS) chunks.push(thisRun.slice(i, i + CORE_CHUNK_DAYS));
    const otherRollups = DAY_ROLLUPS.filter((step) => step.name !== 'core');
    let nextChunk = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (nextChunk < chunks.length) {
          const chunk = chunks[nextChunk++] as string[];
          const core = await rollupCompanyDays({ companyId: input.companyId, from: chunk[0] as string, to: chunk.at(-1) as string });
          const coreRows = new Map(core.days.map((d) => [d.day, d.rowsTotal]));
          for (const day of chunk) {
            let rows = coreRows.get(day) ?? 0;
            for (const step of otherRollups) rows += (await step.run({ companyId: input.companyId, day })).rowsTotal;
            dayDone(day, rows);
          }
        }
      }),
    );
  } else {
    let nextIndex = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (nextIndex < thisRun.length) {
          const day = thisRun[nextIndex++] as string;
          const results = await rollupDay({ companyId: input.companyId, day });
          dayDone(day, results.reduce((n, r) => n + r.rowsTotal, 0));
        }
      }),
    );
  }
  const rest = all.slice(DAYS_PER_RUN);
  if (rest.length > 0) return continueAsNew<typeof rollupBackfillWorkflow>({ ...input, carried: { next: rest[0] as string, progress } });
  progress.done = true;
  return progress;
}
