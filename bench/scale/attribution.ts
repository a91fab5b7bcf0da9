// bench/scale, section 2: the attribution backfill of every order of the history through Temporal
// (attributeOrdersWorkflow, the attributeOrderRange activity on the real worker, as bench/attribution
// and `lux attribution backfill` run it), beside its baseline in the same run: one set-based read of
// what any attribution must at least read — each order joined to its own visitor's sessions of the
// 30 days before it (no identity links, no rules, nothing written).
import { performance } from 'node:perf_hooks';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { startAttributeOrdersWorkflow } from '../../workers/start-attribution';
import type { BenchTemporal } from './temporal';

export type AttributionReport = {
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  touchesWritten: number;
  ordersWithFirstTouch: number;
  baseline: { seconds: number; ordersPerSecond: number; candidateSessions: number };
};

const baselineRow = z.object({ orders: z.coerce.number(), sessions: z.coerce.number() });
const storedRow = z.object({ attributed: z.coerce.number() });

export async function attributeHistory(temporal: BenchTemporal, appPool: DatabasePool, companyId: string, range: { from: string; to: string }, batchSize = 2000, lanes = 2): Promise<AttributionReport> {
  const t0 = performance.now();
  const handle = await startAttributeOrdersWorkflow(temporal.client, { companyId, from: range.from, to: range.to, batchSize, lanes }, temporal.taskQueue);
  const result = await handle.result();
  const seconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const read = await withTenant(appPool, companyId, (tx) =>
    tx.one(sql.type(baselineRow)`
      SELECT count(DISTINCT (o.source, o.external_id)) AS orders, count(s.session_id) AS sessions
      FROM fct_orders o
      LEFT JOIN sessions s ON s.company_id = o.company_id AND s.visitor_id = o.visitor_id
        AND s.started_at >= o.created_at - interval '720 hours' AND s.started_at <= o.created_at
      WHERE o.company_id = ${companyId} AND o.created_at >= ${range.from}::timestamptz AND o.created_at < ${range.to}::timestamptz`),
  );
  const baselineSeconds = (performance.now() - t1) / 1000;
  const stored = await withTenant(appPool, companyId, (tx) =>
    tx.one(sql.type(storedRow)`SELECT count(*) FILTER (WHERE first_touch_session_id IS NOT NULL) AS attributed FROM order_attribution WHERE company_id = ${companyId}`),
  );
  return {
    orders: result.ordersRead,
    seconds,
    ordersPerSecond: Math.round(result.ordersRead / seconds),
    touchesWritten: result.touchesWritten,
    ordersWithFirstTouch: stored.attributed,
    baseline: { seconds: baselineSeconds, ordersPerSecond: Math.round(read.orders / baselineSeconds), candidateSessions: read.sessions },
  };
}
