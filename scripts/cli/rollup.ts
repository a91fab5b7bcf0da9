// `lux rollup --company <id> [--from 2026-01-01 --to 2026-01-31] [--lanes 2]`: recompute the daily
// rollups of those company-local days (inclusive; default: the 3 days before today in the company's
// zone, what the daily schedule does) through Temporal (the rollupBackfill workflow), printing progress.
//   rollup schedule --company <id>   registers (or updates) the company's daily rollup Schedule
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { loadCliConfigOrExit } from '../../lib/config';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { recentLocalDays } from '../../lib/metrics/days';
import { DAILY_ROLLUP } from '../../lib/metrics/definitions';
import { TASK_QUEUES } from '../../lib/task-queues';
import { ensureRollupSchedule } from '../../workers/schedules';
import { startRollupBackfillWorkflow } from '../../workers/start-rollups';
import { rollupBackfillProgressQuery, type RollupBackfillProgress } from '../../workflows/rollup-backfill';
import { withTemporalClient } from './integrations';
import { followWorkflow } from './follow-workflow';

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

async function companyTimeZone(url: string, companyId: string): Promise<string> {
  const pool = await createDatabasePool(url, { maximumPoolSize: 1 });
  try {
    const zone = await withTenant(pool, companyId, (tx) =>
      tx.maybeOneFirst(sql.type(z.object({ time_zone: z.string() }))`SELECT time_zone FROM companies WHERE company_id = ${companyId}`),
    );
    if (zone === null) throw new Error(`company ${companyId} not found`);
    return zone;
  } finally {
    await pool.end();
  }
}

const describe = (p: RollupBackfillProgress): string =>
  `${p.done ? 'done' : 'running'}: ${p.daysDone}/${p.days} day(s) of ${p.from} … ${p.to}, ${p.rowsWritten} rows written${p.lastDay ? `, latest ${p.lastDay}` : ''}`;

async function rollup(o: { company: string; from?: string; to?: string; lanes?: string }): Promise<void> {
  const config = loadCliConfigOrExit();
  if ((o.from === undefined) !== (o.to === undefined)) throw new Error('give both --from and --to (company-local dates, --to inclusive), or neither');
  const timeZone = await companyTimeZone(config.DATABASE_URL, o.company);
  const recent = recentLocalDays(new Date(), timeZone, DAILY_ROLLUP.lookbackDays);
  const from = o.from !== undefined ? dateSchema.parse(o.from) : (recent[0] as string);
  const to = o.to !== undefined ? dateSchema.parse(o.to) : (recent.at(-1) as string);
  if (to < from) throw new Error(`--to ${to} is before --from ${from}`);
  process.stderr.write(`rolling up ${from} … ${to} (company-local days in ${timeZone})\n`);
  await withTemporalClient(config, async (client) => {
    const handle = await startRollupBackfillWorkflow(client, { companyId: o.company, from, to, lanes: o.lanes ? Number(o.lanes) : undefined }, TASK_QUEUES.analytics);
    await followWorkflow(handle, rollupBackfillProgressQuery, describe);
  });
}

async function schedule(o: { company: string }): Promise<void> {
  const config = loadCliConfigOrExit();
  const timeZone = await companyTimeZone(config.DATABASE_URL, o.company);
  const result = await withTemporalClient(config, (client) => ensureRollupSchedule(client, { companyId: o.company, timeZone }));
  process.stdout.write(`${JSON.stringify({ ok: true, schedule: result, timeZone }, null, 2)}\n`);
}

export function registerRollupCommands(program: Command): void {
  const command = program
    .command('rollup')
    .description('recompute the daily rollups of company-local days through Temporal, showing progress')
    .requiredOption('--company <id>')
    .option('--from <date>', 'first company-local day (YYYY-MM-DD); default: 3 days ago')
    .option('--to <date>', 'last company-local day, inclusive (YYYY-MM-DD); default: yesterday')
    .option('--lanes <n>', 'days recomputed side by side (default 2)')
    .action(rollup);
  command
    .command('schedule')
    .description('register (or update) the company’s daily rollup Schedule (04:15 company-local time)')
    .requiredOption('--company <id>')
    .action(schedule);
}
