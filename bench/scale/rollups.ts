// bench/scale, section 3: every per-day rollup of the history — core (rollup_company_day), email/SMS and
// creatives, the three activities the dailyRollup workflow runs for a day (DAY_ROLLUPS), called through
// the same functions as lux_app with RLS on, one transaction each — beside the baseline of the same run:
// a sequential scan (no index, no parallel workers) over the same raw_events rows.
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { sql } from 'slonik';
import { z } from 'zod';
import { rollupCreativesDaySql } from '../../activities/messages/rollup-creatives';
import { rollupMessagesDaySql } from '../../activities/messages/rollup-messages';
import { rollupCompanyDaySql } from '../../activities/rollups';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';

export type RollupReport = {
  days: number;
  rowsWritten: number;
  seconds: { core: number; messages: number; creatives: number; total: number };
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

/** Every rollup kind of one company-local day, in the workflow's order; rows written. */
export async function rollupAllKindsOfDay(appPool: DatabasePool, companyId: string, day: string, seconds: RollupReport['seconds']): Promise<number> {
  let rows = 0;
  const t0 = performance.now();
  rows += (await rollupCompanyDaySql(appPool, companyId, day, 'bench-scale')).rowsTotal;
  const t1 = performance.now();
  const messages = await withTenant(appPool, companyId, (tx) => rollupMessagesDaySql(tx, companyId, day));
  const t2 = performance.now();
  const creatives = await withTenant(appPool, companyId, (tx) => rollupCreativesDaySql(tx, companyId, day));
  const t3 = performance.now();
  for (const n of [...Object.values(messages), ...Object.values(creatives)]) rows += n;
  seconds.core += (t1 - t0) / 1000;
  seconds.messages += (t2 - t1) / 1000;
  seconds.creatives += (t3 - t2) / 1000;
  seconds.total += (t3 - t0) / 1000;
  return rows;
}

export async function rollupHistory(ownerPool: DatabasePool, appPool: DatabasePool, companyId: string, timeZone: string, days: string[], log: (m: string) => void): Promise<RollupReport> {
  const first = days[0] ?? '';
  const last = days.at(-1) ?? '';
  const loadAverage: number[] = [];
  const scans: Array<{ rows: number; seconds: number }> = [];
  await scanDays(ownerPool, companyId, timeZone, first, last); // warm the cache once for both sides
  scans.push(await scanDays(ownerPool, companyId, timeZone, first, last));
  loadAverage.push(Number((os.loadavg()[0] ?? NaN).toFixed(1)));
  const seconds = { core: 0, messages: 0, creatives: 0, total: 0 };
  let rowsWritten = 0;
  for (const [i, day] of days.entries()) {
    rowsWritten += await rollupAllKindsOfDay(appPool, companyId, day, seconds);
    if (i % 30 === 29) log(`  ${i + 1}/${days.length} days rolled up (${seconds.total.toFixed(1)} s)`);
  }
  loadAverage.push(Number((os.loadavg()[0] ?? NaN).toFixed(1)));
  scans.push(await scanDays(ownerPool, companyId, timeZone, first, last));
  const scanSeconds = Math.min(...scans.map((s) => s.seconds));
  return {
    days: days.length,
    rowsWritten,
    seconds,
    scan: { rows: scans[0]?.rows ?? 0, seconds: scans.map((s) => Number(s.seconds.toFixed(3))), fastestSeconds: scanSeconds },
    ratio: Number((seconds.total / scanSeconds).toFixed(2)),
    loadAverage,
  };
}
