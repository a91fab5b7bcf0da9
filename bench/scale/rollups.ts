// bench/scale, section 3: the rollups of the whole history as a backfill runs them — the rollupBackfill
// workflow through Temporal on the real worker (`lux rollup --from … --to …`): the core rollup per chunk
// of days (rollup_company_days), then email/SMS and creatives per day (DAY_ROLLUPS), as lux_app with RLS
// on — beside the baseline of the same run: a sequential scan (no index, no parallel workers) over the
// same raw_events rows, once before and once after the rollups.
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { startRollupBackfillWorkflow } from '../../workers/start-rollups';
import type { RollupBackfillProgress } from '../../workflows/rollup-backfill';
import type { BenchTemporal } from './temporal';

export type RollupReport = {
  days: number;
  seconds: number;
  result: RollupBackfillProgress;
  /** two scans, before and after the rollups; the faster is the baseline (the ratio errs against the rollups) */
  scan: { rows: number; seconds: number[]; fastestSeconds: number };
  ratio: number;
  loadAverage: number[];
};

const scanRow = z.object({ n: z.coerce.number(), s: z.coerce.number() });

/** The company's raw events of the local days first..last, read once in full: count and a sum over two columns. */
export async function scanDays(ownerPool: DatabasePool, companyId: string, timeZone: string, first: string, last: string): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now();
  const row = await ownerPool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET LOCAL enable_indexscan = off`);
    await tx.query(sql.unsafe`SET LOCAL enable_bitmapscan = off`);
    await tx.query(sql.unsafe`SET LOCAL max_parallel_workers_per_gather = 0`);
    return tx.one(sql.type(scanRow)`
      SELECT count(*) AS n, sum(length(event_name) + length(coalesce(session_id, ''))) AS s FROM raw_events
      WHERE company_id = ${companyId} AND occurred_at >= local_day_start(${first}::date, ${timeZone})
        AND occurred_at < local_day_start(${last}::date + 1, ${timeZone})`);
  });
  return { rows: row.n, seconds: (performance.now() - t0) / 1000 };
}

export async function rollupHistory(temporal: BenchTemporal, ownerPool: DatabasePool, companyId: string, timeZone: string, first: string, last: string): Promise<RollupReport> {
  const loadAverage: number[] = [];
  const scans: Array<{ rows: number; seconds: number }> = [];
  await scanDays(ownerPool, companyId, timeZone, first, last); // warm the cache once for both sides
  scans.push(await scanDays(ownerPool, companyId, timeZone, first, last));
  loadAverage.push(Number((os.loadavg()[0] ?? NaN).toFixed(1)));
  const t0 = performance.now();
  const result = await (await startRollupBackfillWorkflow(temporal.client, { companyId, from: first, to: last }, temporal.taskQueue)).result();
  const seconds = (performance.now() - t0) / 1000;
  loadAverage.push(Number((os.loadavg()[0] ?? NaN).toFixed(1)));
  scans.push(await scanDays(ownerPool, companyId, timeZone, first, last));
  const scanSeconds = Math.min(...scans.map((s) => s.seconds));
  return {
    days: result.days,
    seconds,
    result,
    scan: { rows: scans[0]?.rows ?? 0, seconds: scans.map((s) => Number(s.seconds.toFixed(3))), fastestSeconds: scanSeconds },
    ratio: Number((seconds / scanSeconds).toFixed(2)),
    loadAverage,
  };
}
