// `lux alerts …`: who gets a company's alert emails, its thresholds, what fired, and evaluating a day by hand.
//   alerts recipients --company <id> [--add a@x.com]… [--remove b@x.com]…   (no flag: list)
//   alerts thresholds --company <id> [--set cpa.maxIncrease=0.3]… [--unset cpa.maxIncrease]… [--cooldown-days 7] [--reset]
//   alerts list --company <id> [--day 2026-01-31]
//   alerts evaluate --company <id> --day 2026-01-31   (runs evaluateAlertsWorkflow through Temporal and waits)
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { alertThresholdOverridesSchema, resolveThresholds, setThresholdOverride } from '../../lib/alerts/thresholds';
import { loadCliConfigOrExit } from '../../lib/config';
import { withTenant } from '../../lib/db/tenant';
import { TASK_QUEUES } from '../../lib/task-queues';
import { evaluateAlertsWorkflowId } from '../../lib/workflow-ids';
import type { evaluateAlertsWorkflow } from '../../workflows/evaluate-alerts';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { withTemporalClient } from './integrations';
import { withOwnerPool } from './owner-pool';
import { printJson as print } from './options';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const email = z.string().trim().toLowerCase().email('expected an email address');
const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');


const settingsRow = z.object({ recipients: z.array(z.string()), thresholds: z.unknown(), cooldown_days: z.number(), enabled: z.boolean() });

async function recipients(o: { company: string; add?: string[]; remove?: string[] }): Promise<void> {
  const add = (o.add ?? []).map((a) => email.parse(a));
  const remove = (o.remove ?? []).map((a) => email.parse(a));
  const row = await withOwnerPool((pool) =>
    withTenant(pool, o.company, async (tx) => {
      await tx.query(sql.unsafe`INSERT INTO alert_settings (company_id) VALUES (${o.company}) ON CONFLICT (company_id) DO NOTHING`);
      return tx.one(sql.type(settingsRow)`
        UPDATE alert_settings SET updated_at = now(), recipients = ARRAY(
          SELECT DISTINCT r FROM unnest(recipients || ${sql.array(add, 'text')}) r WHERE NOT (r = ANY(${sql.array(remove, 'text')})) ORDER BY r)
        WHERE company_id = ${o.company}
        RETURNING recipients, thresholds, cooldown_days, enabled`);
    }),
  );
  print({ ok: true, company: o.company, recipients: row.recipients });
}

async function thresholds(o: { company: string; set?: string[]; unset?: string[]; cooldownDays?: string; reset?: boolean }): Promise<void> {
  const row = await withOwnerPool((pool) =>
    withTenant(pool, o.company, async (tx) => {
      await tx.query(sql.unsafe`INSERT INTO alert_settings (company_id) VALUES (${o.company}) ON CONFLICT (company_id) DO NOTHING`);
      const current = await tx.one(sql.type(settingsRow)`SELECT recipients, thresholds, cooldown_days, enabled FROM alert_settings WHERE company_id = ${o.company} FOR UPDATE`);
      let overrides: Record<string, unknown> = o.reset ? {} : (alertThresholdOverridesSchema.parse(current.thresholds));
      for (const pair of o.set ?? []) {
        const [key, value] = pair.split('=');
        const n = Number(value);
        if (!key || value === undefined || !Number.isFinite(n)) throw new Error(`--set ${pair}: expected group.name=number, e.g. cpa.maxIncrease=0.3`);
        overrides = setThresholdOverride(overrides, key, n);
      }
      for (const key of o.unset ?? []) {
        const [group, name] = key.split('.');
        if (!group) continue;
        if (name === undefined) delete overrides[group];
        else if (overrides[group] && typeof overrides[group] === 'object') {
          const rest = { ...(overrides[group] as Record<string, unknown>) };
          delete rest[name];
          overrides[group] = rest;
        }
      }
      const cooldown = o.cooldownDays !== undefined ? z.coerce.number().int().min(0).max(90).parse(o.cooldownDays) : current.cooldown_days;
      return tx.one(sql.type(settingsRow)`
        UPDATE alert_settings SET thresholds = ${sql.jsonb(alertThresholdOverridesSchema.parse(overrides))}, cooldown_days = ${cooldown}, updated_at = now()
        WHERE company_id = ${o.company} RETURNING recipients, thresholds, cooldown_days, enabled`);
    }),
  );
  print({ ok: true, company: o.company, overrides: row.thresholds, cooldownDays: row.cooldown_days, effective: resolveThresholds(row.thresholds, row.cooldown_days) });
}

const alertRow = z.object({ day: z.string(), rule: z.string(), dimension: z.string(), severity: z.string(), status: z.string(), title: z.string(), first_sent_at: z.string().nullable() });

async function list(o: { company: string; day?: string }): Promise<void> {
  const day = o.day === undefined ? null : dateSchema.parse(o.day);
  const rows = await withOwnerPool((pool) =>
    withTenant(pool, o.company, (tx) =>
      tx.any(sql.type(alertRow)`
        SELECT day::text AS day, rule, dimension_kind || ':' || dimension_value AS dimension, severity, status, title, first_sent_at::text AS first_sent_at
        FROM alerts WHERE company_id = ${o.company} AND (${day}::date IS NULL OR day = ${day}::date)
        ORDER BY day DESC, array_position(ARRAY['critical', 'warning', 'info'], severity), rule LIMIT 200`),
    ),
  );
  print(rows);
}

async function evaluate(o: { company: string; day: string }): Promise<void> {
  const config = loadCliConfigOrExit();
  const day = dateSchema.parse(o.day);
  const result = await withTemporalClient(config, (client) =>
    client.workflow.execute<typeof evaluateAlertsWorkflow>('evaluateAlertsWorkflow', {
      workflowId: evaluateAlertsWorkflowId(o.company, day),
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId: o.company, day }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: o.company }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  );
  print({ ok: true, ...result });
}

export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('alert recipients, thresholds and evaluations (docs/alerts.md)');
  alerts
    .command('recipients')
    .description('list, add or remove the company’s alert email recipients')
    .requiredOption('--company <id>')
    .option('--add <email>', 'add a recipient (repeatable)', collect)
    .option('--remove <email>', 'remove a recipient (repeatable)', collect)
    .action(recipients);
  alerts
    .command('thresholds')
    .description('show or change the company’s threshold overrides (defaults: lib/alerts/thresholds.ts)')
    .requiredOption('--company <id>')
    .option('--set <key=value>', 'e.g. cpa.maxIncrease=0.3 (repeatable)', collect)
    .option('--unset <key>', 'back to the default, e.g. cpa.maxIncrease (repeatable)', collect)
    .option('--cooldown-days <n>', 'days before the same rule + dimension is mailed again (0-90)')
    .option('--reset', 'drop every override')
    .action(thresholds);
  alerts.command('list').description('alerts fired (newest first)').requiredOption('--company <id>').option('--day <date>').action(list);
  alerts.command('evaluate').description('evaluate one company-local day now, through Temporal').requiredOption('--company <id>').requiredOption('--day <date>').action(evaluate);
}
