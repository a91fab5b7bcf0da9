// `lux attribution …`: run and read Attribution V1 (docs/attribution.md).
//   backfill --company <id> --from 2026-01-01 --to 2026-01-31 [--batch-size 2000] [--lanes 4]
//       attributes every counted order created on those company-local days (--to inclusive) through
//       Temporal (the attributeOrders workflow), printing progress until it finishes
//   backfill --company <id> --pending
//       only orders never attributed or changed since (the sweep)
//   backfill --company <id> --order woocommerce:5001
//       one order (the attributeOrder workflow)
//   explain --company <id> --order woocommerce:5001
//       prints the stored attribution and every touch with the reason it was or was not chosen
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { loadCliConfigOrExit } from '../../lib/config';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { TASK_QUEUES } from '../../lib/task-queues';
import { startAttributeOrdersWorkflow, startAttributeOrderWorkflow } from '../../workers/start-attribution';
import { attributionBackfillProgressQuery, type AttributionBackfillProgress } from '../../workflows/attribute-orders';
import { withTemporalClient } from './integrations';
import { followWorkflow } from './follow-workflow';

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

function parseOrder(ref: string): { source: string; externalId: string } {
  const at = ref.indexOf(':');
  if (at <= 0 || at === ref.length - 1) throw new Error(`--order ${ref}: expected <source>:<external id>, e.g. woocommerce:5001`);
  return { source: ref.slice(0, at), externalId: ref.slice(at + 1) };
}

async function withPool<T>(url: string, work: (pool: DatabasePool) => Promise<T>): Promise<T> {
  const pool = await createDatabasePool(url, { maximumPoolSize: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Company-local days → instants: [from 00:00, the day after `to` 00:00) in the company's time zone. */
async function localRange(pool: DatabasePool, companyId: string, from: string, to: string): Promise<{ from: string; to: string; timeZone: string }> {
  return withTenant(pool, companyId, (tx) =>
    tx.one(sql.type(z.object({ from: z.string(), to: z.string(), timeZone: z.string() }))`
      SELECT to_json((${from}::date::timestamp AT TIME ZONE time_zone))#>>'{}' AS "from",
             to_json(((${to}::date + 1)::timestamp AT TIME ZONE time_zone))#>>'{}' AS "to",
             time_zone AS "timeZone"
      FROM companies WHERE company_id = ${companyId}`),
  );
}

const describe = (p: AttributionBackfillProgress): string =>
  `${p.done ? 'done' : 'running'}: ${p.ordersRead} orders read, ${p.ordersWritten} written, ${p.touchesWritten} touches, ${p.batches} batch(es), lanes ${p.lanesDone}/${p.lanes}`;

type BackfillOptions = { company: string; from?: string; to?: string; pending?: boolean; order?: string; batchSize?: string; lanes?: string };

async function backfill(o: BackfillOptions): Promise<void> {
  const config = loadCliConfigOrExit();
  if (o.order) {
    const order = parseOrder(o.order);
    await withTemporalClient(config, async (client) => {
      const handle = await startAttributeOrderWorkflow(client, { companyId: o.company, ...order });
      process.stderr.write(`attribution started: workflow ${handle.workflowId}\n`);
      process.stdout.write(`${JSON.stringify({ ok: true, workflowId: handle.workflowId, ...(await handle.result()) }, null, 2)}\n`);
    });
    return;
  }
  let from: string | null = null;
  let to: string | null = null;
  if (o.from !== undefined || o.to !== undefined) {
    if (o.from === undefined || o.to === undefined) throw new Error('give both --from and --to (company-local dates, --to inclusive)');
    const range = await withPool(config.DATABASE_URL, (pool) => localRange(pool, o.company, dateSchema.parse(o.from), dateSchema.parse(o.to)));
    ({ from, to } = range);
    process.stderr.write(`orders created from ${range.from} to ${range.to} (${o.from} … ${o.to} in ${range.timeZone})\n`);
  } else if (!o.pending) {
    throw new Error('give --from and --to, or --pending, or --order');
  }
  await withTemporalClient(config, async (client) => {
    const handle = await startAttributeOrdersWorkflow(
      client,
      { companyId: o.company, from, to, pendingOnly: o.pending ?? false, batchSize: o.batchSize ? Number(o.batchSize) : undefined, lanes: o.lanes ? Number(o.lanes) : undefined },
      TASK_QUEUES.analytics,
    );
    await followWorkflow(handle, attributionBackfillProgressQuery, describe);
  });
}

const orderRow = z.object({}).passthrough();
const touchRow = z.object({}).passthrough();

async function explain(o: { company: string; order: string }): Promise<void> {
  const config = loadCliConfigOrExit();
  const order = parseOrder(o.order);
  const result = await withPool(config.DATABASE_URL, (pool) =>
    withTenant(pool, o.company, async (tx) => {
      const attribution = await tx.maybeOne(sql.type(orderRow)`
        SELECT * FROM fct_order_attribution WHERE company_id = ${o.company} AND source = ${order.source} AND external_id = ${order.externalId}`);
      const touches = await tx.any(sql.type(touchRow)`
        SELECT position, session_id, visitor_id, matched_by, started_at, channel, touch_source, touch_medium, campaign, role, reason,
          credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor, credit_position_based_minor, credit_time_decay_minor
        FROM attribution_touches WHERE company_id = ${o.company} AND source = ${order.source} AND external_id = ${order.externalId}
        ORDER BY position`);
      return { attribution, touches };
    }),
  );
  if (!result.attribution) throw new Error(`no attribution stored for ${o.order} (not attributed yet, not a counted order, or not this company's)`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

export function registerAttributionCommands(program: Command): void {
  const attribution = program.command('attribution').description('attribute orders to sessions (Attribution V1) and explain the result');
  attribution
    .command('backfill')
    .description('attribute a company’s orders now, through Temporal, showing progress')
    .requiredOption('--company <id>')
    .option('--from <date>', 'first company-local day (YYYY-MM-DD)')
    .option('--to <date>', 'last company-local day, inclusive (YYYY-MM-DD)')
    .option('--pending', 'only orders never attributed or changed since')
    .option('--order <source:id>', 'one order, e.g. woocommerce:5001')
    .option('--batch-size <n>', 'orders per activity (default 2000)')
    .option('--lanes <n>', 'time slices attributed side by side (default 4)')
    .action(backfill);
  attribution
    .command('explain')
    .description('print an order’s stored attribution and every candidate touch with its reason')
    .requiredOption('--company <id>')
    .requiredOption('--order <source:id>', 'e.g. woocommerce:5001')
    .action(explain);
}
