// Group commit: concurrent requests wait a few milliseconds and share one transaction per company
// (one multi-row INSERT plus one sessions upsert), and each request is answered only after that
// transaction committed. Throughput comes from sharing commits, never from acknowledging early.
import { isConnectionError } from '../../lib/db/errors';
import type { DatabasePool } from '../../lib/db/pool';
import type { Logger } from '../../lib/logger';
import type { RawEventRow } from '../../lib/ingest/prepare-event';
import { saveEventBatch, type BatchOutcome, type DropCounts } from './save-event-batch';

export type GroupCommitOptions = {
  /** How long the first waiting request holds the door open for others. */
  maxWaitMs?: number;
  /** Flush at once when this many rows are waiting. */
  maxBatchRows?: number;
  /** Flushes in flight at once (each holds one connection). */
  maxConcurrentFlushes?: number;
};

type Job = {
  companyId: string;
  rows: RawEventRow[];
  drops: DropCounts;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
};

export type SaveBatch = typeof saveEventBatch;

export class GroupCommitter {
  private pending: Job[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly maxWaitMs: number;
  private readonly maxBatchRows: number;
  private readonly maxConcurrentFlushes: number;

  constructor(
    private readonly pool: DatabasePool,
    private readonly logger: Logger,
    options: GroupCommitOptions = {},
    private readonly save: SaveBatch = saveEventBatch,
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 4;
    this.maxBatchRows = options.maxBatchRows ?? 2000;
    this.maxConcurrentFlushes = options.maxConcurrentFlushes ?? 4;
  }

  /** Resolves once the rows are committed (or were duplicates / suppressed); rejects if the commit failed. */
  submit(companyId: string, rows: RawEventRow[], drops: DropCounts): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ companyId, rows, drops, resolve, reject });
      this.pendingRows += rows.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pending.length === 0) return;
    if (this.pendingRows >= this.maxBatchRows && this.inFlight < this.maxConcurrentFlushes) {
      this.flushNow();
      return;
    }
    // With every flush slot busy, the next flush starts when one frees up (see flush's finally).
    if (!this.timer && this.inFlight < this.maxConcurrentFlushes) {
      this.timer = setTimeout(() => this.flushNow(), this.maxWaitMs);
    }
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const jobs = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    if (jobs.length === 0) return;
    this.inFlight += 1;
    void this.flush(jobs).finally(() => {
      this.inFlight -= 1;
      this.schedule();
    });
  }

  private async flush(jobs: Job[]): Promise<void> {
    const byCompany = new Map<string, Job[]>();
    for (const job of jobs) {
      const companyJobs = byCompany.get(job.companyId);
      if (companyJobs) companyJobs.push(job);
      else byCompany.set(job.companyId, [job]);
    }
    await Promise.all([...byCompany].map(([companyId, companyJobs]) => this.commitCompany(companyId, companyJobs)));
  }

  private async commitCompany(companyId: string, jobs: Job[]): Promise<void> {
    try {
      const outcome = await this.save(this.pool, companyId, jobs.flatMap((j) => j.rows), mergeDrops(jobs));
      for (const job of jobs) job.resolve(outcome);
    } catch (error) {
      if (jobs.length === 1 || isConnectionError(error)) {
        for (const job of jobs) job.reject(error);
        return;
      }
      // One request's bad row must not fail its neighbours: commit each request on its own.
      this.logger.warn({ company_id: companyId, requests: jobs.length, err: error }, 'group commit failed; retrying requests one by one');
      await Promise.all(jobs.map((job) => this.commitCompany(companyId, [job])));
    }
  }
}

function mergeDrops(jobs: Job[]): DropCounts {
  const merged: DropCounts = {};
  for (const job of jobs) {
    for (const [reason, n] of Object.entries(job.drops) as Array<[keyof DropCounts, number]>) merged[reason] = (merged[reason] ?? 0) + n;
  }
  return merged;
}
