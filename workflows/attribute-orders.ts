// Backfill: attribute every counted order of one company created in [from, to), in set-based batches
// (one activity = one batch of `batchSize` orders = a few SQL statements). The range is cut into
// `lanes` time slices worked on side by side; each lane walks its slice with a keyset cursor, so a
// retried batch redoes exactly that batch and the run can continue-as-new without losing its place.
// Progress: the attributionBackfillProgress query (what `lux attribution backfill` prints) and the result.
//
// pendingOnly: only orders never attributed or changed since (the sweep after imports; also what picks
// up storefront purchases when the collector could not reach Temporal).
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { continueAsNew, defineQuery, ParentClosePolicy, patched, proxyActivities, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import type { AttributionActivities, OrderCursor } from '../activities/attribution';
import { attributionSweepWorkflowId } from '../lib/workflow-ids';
import { CompanyIdKey } from './search-attributes';

const { attributeOrderRange } = proxyActivities<AttributionActivities>({
  startToCloseTimeout: '5 minutes',
  // the activity heartbeats while its batch runs (activities/support/liveness-heartbeat.ts): a batch whose
  // worker died is retried after 30 s, not after the 5 minutes of start-to-close
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Batches per workflow run before continue-as-new keeps the history small on large backfills. */
const BATCHES_PER_RUN = 400;
const MAX_LANES = 8;
/**
 * Lanes when the input names none. 4, not 2: each lane alternates Postgres (read, write, commit) and the
 * worker's single Node thread (rules, encoding), so on 2 vCPUs two lanes leave both idle half the time;
 * four kept them busy (bench:attribution, docs/benchmarks.md § Attribution run 5: 13,129 vs 9,696 orders/s).
 * Runs started with the old default replay with 2 (patched() marks new histories).
 */
const DEFAULT_LANES_PATCH = 'attribution-backfill-default-4-lanes';
const defaultLanes = (): number => (patched(DEFAULT_LANES_PATCH) ? 4 : 2);

type Lane = { from: string | null; to: string | null; after: OrderCursor | null; done: boolean };

export type AttributionBackfillProgress = {
  companyId: string;
  from: string | null;
  to: string | null;
  pendingOnly: boolean;
  batchSize: number;
  lanes: number;
  lanesDone: number;
  batches: number;
  ordersRead: number;
  ordersWritten: number;
  touchesWritten: number;
  runs: number;
  done: boolean;
};

export type AttributeOrdersWorkflowInput = {
  companyId: string;
  /** ISO 8601 instants; null = unbounded */
  from: string | null;
  to: string | null;
  pendingOnly?: boolean;
  /** orders per activity (default 2,000) */
  batchSize?: number;
  /** time slices attributed side by side (default 4; 1 when the range is unbounded) */
  lanes?: number;
  /** set by continue-as-new */
  carried?: { lanes: Lane[]; progress: AttributionBackfillProgress };
};

export const attributionBackfillProgressQuery = defineQuery<AttributionBackfillProgress>('attributionBackfillProgress');

export function splitRange(from: string | null, to: string | null, lanes: number): Lane[] {
  if (from === null || to === null || lanes <= 1) return [{ from, to, after: null, done: false }];
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!(end > start)) return [{ from, to, after: null, done: false }];
  const step = Math.ceil((end - start) / lanes);
  const cuts = Array.from({ length: lanes + 1 }, (_, i) => (i === 0 ? from : i === lanes ? to : new Date(Math.min(end, start + i * step)).toISOString()));
  return cuts.slice(0, -1).map((cut, i) => ({ from: cut, to: cuts[i + 1] ?? to, after: null, done: false }));
}

export async function attributeOrdersWorkflow(input: AttributeOrdersWorkflowInput): Promise<AttributionBackfillProgress> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const batchSize = input.batchSize ?? 2000;
  const pendingOnly = input.pendingOnly ?? false;
  const lanes = input.carried?.lanes ?? splitRange(input.from, input.to, Math.min(MAX_LANES, Math.max(1, input.lanes ?? defaultLanes())));
  const progress: AttributionBackfillProgress = input.carried
    ? { ...input.carried.progress, runs: input.carried.progress.runs + 1 }
    : { companyId: input.companyId, from: input.from, to: input.to, pendingOnly, batchSize, lanes: lanes.length, lanesDone: 0, batches: 0, ordersRead: 0, ordersWritten: 0, touchesWritten: 0, runs: 1, done: false };
  setHandler(attributionBackfillProgressQuery, () => progress);

  let batchesThisRun = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (!lane.done && batchesThisRun < BATCHES_PER_RUN) {
        batchesThisRun += 1;
        const result = await attributeOrderRange({ companyId: input.companyId, from: lane.from, to: lane.to, after: lane.after, limit: batchSize, pendingOnly });
        progress.batches += 1;
        progress.ordersRead += result.ordersRead;
        progress.ordersWritten += result.ordersWritten;
        progress.touchesWritten += result.touchesWritten;
        lane.after = result.next;
        if (result.next === null) {
          lane.done = true;
          progress.lanesDone += 1;
        }
      }
    }),
  );
  if (lanes.some((l) => !l.done)) return continueAsNew<typeof attributeOrdersWorkflow>({ ...input, carried: { lanes, progress } });
  progress.done = true;
  return progress;
}

/**
 * From another workflow (an import that finished): start the company's pending-orders sweep and leave it
 * running. A sweep already in progress is left alone; whatever it passed by is taken by the next one.
 */
export async function startAttributionSweep(companyId: string, taskQueue: string): Promise<boolean> {
  try {
    await startChild(attributeOrdersWorkflow, {
      workflowId: attributionSweepWorkflowId(companyId),
      taskQueue,
      args: [{ companyId, from: null, to: null, pendingOnly: true }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: CompanyIdKey, value: companyId }],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
