// One vendor stream (e.g. WooCommerce orders) read page by page. Each page is one activity, so the
// Temporal UI shows every page with its row counts, and a killed worker costs at most the page in
// flight: the cursor in Postgres moves with the stored rows (activities/commerce/import-page.ts).
import { continueAsNew, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { CompanyIdKey } from './search-attributes';
import type { CommerceActivities, ImportPageResult } from '../activities/commerce';
import { TASK_QUEUES } from '../lib/task-queues';
import { startAttributionSweep } from './attribute-orders';

const vendorCall = {
  startToCloseTimeout: '2 minutes',
  // A killed worker is noticed within this, and the page is retried on another worker.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 25 },
} as const;
const { beginImportRun, importNextPage } = proxyActivities<CommerceActivities>(vendorCall);

/** Pages per workflow run before continue-as-new keeps the history small on long backfills. */
const PAGES_PER_RUN = 200;

export type ImportStreamInput = {
  companyId: string;
  source: string;
  stream: string;
  /** ISO 8601: backfill from this time. null: incremental from the stored cursor. */
  since: string | null;
  /** Set by continue-as-new: the run is already begun, go on reading. */
  continuing?: boolean;
  /** Where the attribution sweep started at the end goes (default: the analytics queue). */
  attributionTaskQueue?: string;
};

export type ImportProgress = {
  source: string;
  stream: string;
  pages: number;
  rowsRead: number;
  rowsStored: number;
  rowsRejected: number;
  totalRows: number | null;
  resumed: boolean;
  done: boolean;
};

export const importProgressQuery = defineQuery<ImportProgress>('importProgress');

export async function importStreamWorkflow(input: ImportStreamInput): Promise<ImportProgress> {
  upsertSearchAttributes([{ key: CompanyIdKey, value: input.companyId }]);
  const ref = { companyId: input.companyId, source: input.source, stream: input.stream };
  let progress: ImportProgress = { source: input.source, stream: input.stream, pages: 0, rowsRead: 0, rowsStored: 0, rowsRejected: 0, totalRows: null, resumed: false, done: false };
  setHandler(importProgressQuery, () => progress);

  if (!input.continuing) {
    const run = await beginImportRun({ ...ref, since: input.since });
    progress = { ...progress, ...pick(run), resumed: run.resumed };
  }
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result: ImportPageResult = await importNextPage(ref);
    progress = { ...progress, ...pick(result), totalRows: result.totalRows ?? progress.totalRows, done: result.done };
    if (result.done) {
      // The imported orders get attributed by one set-based sweep, not one workflow per order.
      await startAttributionSweep(input.companyId, input.attributionTaskQueue ?? TASK_QUEUES.analytics);
      return progress;
    }
  }
  return continueAsNew<typeof importStreamWorkflow>({ ...input, since: null, continuing: true });
}

function pick(r: { pages: number; rowsRead: number; rowsStored: number; rowsRejected: number }) {
  return { pages: r.pages, rowsRead: r.rowsRead, rowsStored: r.rowsStored, rowsRejected: r.rowsRejected };
}
