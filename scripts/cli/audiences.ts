// `lux audiences …`: Google Ads Customer Match audiences of a company (docs/audiences.md).
//   audiences enable <purchasers|repeat_purchasers|lapsed_purchasers> --company <id> [--config '{"customerId":"123-456-7890"}']
//   audiences disable <audience> --company <id>      the next sync removes everyone LUX uploaded
//   audiences list --company <id>                     settings, members on the list, the last syncs
//   audiences sync <audience> --company <id>          sync now through Temporal (the daily Schedule does it at 05:30)
// An audience is off until enabled here; who may be uploaded (ads consent, no GPC, not suppressed) is
// decided per person at every sync. Credentials are the google_ads ones (`lux integrations set google_ads`).
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { AUDIENCES, audienceConfigSchema, type Audience } from '../../lib/audiences/settings';
import { loadCliConfigOrExit } from '../../lib/config';
import { withTenant } from '../../lib/db/tenant';
import { TASK_QUEUES } from '../../lib/task-queues';
import { audienceSyncWorkflowId } from '../../lib/workflow-ids';
import { ensureAudienceSyncSchedule } from '../../workers/schedules';
import { audienceSyncProgressQuery, type SyncAudienceProgress, type syncAudienceWorkflow } from '../../workflows/sync-audience';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { followWorkflow } from './follow-workflow';
import { withTemporalClient } from './integrations';
import { oneOf, parseConfigOption, printJson as print } from './options';
import { withOwnerPool } from './owner-pool';

const DESTINATION = 'google_ads';

const settingRow = z.object({ audience: z.string(), enabled: z.boolean(), config: z.record(z.unknown()), user_list_resource_name: z.string().nullable(), updated_at: z.string(), time_zone: z.string() });
const memberCountRow = z.object({ audience: z.string(), on_list: z.coerce.number(), pending: z.coerce.number() });
const syncRow = z.object({
  audience: z.string(), sync_id: z.coerce.string(), status: z.string(), adds: z.number(), removes: z.number(), refreshes: z.number(), deferred: z.number(),
  excluded: z.record(z.number()), attempts: z.number(), last_error: z.string().nullable(), partial_failure: z.unknown(), planned_at: z.string(), finished_at: z.string().nullable(),
});

const audienceOf = (value: string): Audience => oneOf('audience', AUDIENCES, value);
/** The settings, checked with their schema (defaults filled in) before anything is written. */
const parseConfig = (json: string | undefined): Record<string, unknown> => parseConfigOption('audience', audienceConfigSchema, json);

async function setEnabled(companyId: string, audience: Audience, enabled: boolean, config: Record<string, unknown> | null) {
  return withOwnerPool((pool) =>
    withTenant(pool, companyId, (tx) =>
      tx.one(sql.type(settingRow)`
        INSERT INTO audience_settings (company_id, destination, audience, enabled, config)
        VALUES (${companyId}, ${DESTINATION}, ${audience}, ${enabled}, ${sql.jsonb((config ?? {}) as never)})
        ON CONFLICT (company_id, destination, audience) DO UPDATE
          SET enabled = EXCLUDED.enabled, updated_at = now(),
              config = CASE WHEN ${config === null} THEN audience_settings.config ELSE EXCLUDED.config END
        RETURNING audience, enabled, config, user_list_resource_name, updated_at::text,
          (SELECT time_zone FROM companies WHERE company_id = ${companyId}) AS time_zone`),
    ),
  );
}

/** The daily schedule, or why it could not be registered now (the analytics worker registers it at start too). */
async function registerSchedule(companyId: string, audience: Audience, timeZone: string): Promise<string> {
  const config = loadCliConfigOrExit();
  try {
    return await withTemporalClient(config, (client) => ensureAudienceSyncSchedule(client, { companyId, destination: DESTINATION, audience, timeZone }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `not registered: Temporal at ${config.TEMPORAL_ADDRESS} is unreachable (${reason}); the analytics worker registers it when it starts`;
  }
}

async function list(companyId: string) {
  return withOwnerPool((pool) =>
    withTenant(pool, companyId, async (tx) => {
      const settings = await tx.any(sql.type(settingRow)`
        SELECT s.audience, s.enabled, s.config, s.user_list_resource_name, s.updated_at::text, c.time_zone
        FROM audience_settings s JOIN companies c USING (company_id) WHERE s.company_id = ${companyId} AND s.destination = ${DESTINATION} ORDER BY s.audience`);
      const members = await tx.any(sql.type(memberCountRow)`
        SELECT audience, count(*) FILTER (WHERE uploaded_at IS NOT NULL) AS on_list, count(*) FILTER (WHERE pending_op IS NOT NULL) AS pending
        FROM audience_members WHERE company_id = ${companyId} AND destination = ${DESTINATION} GROUP BY audience`);
      const syncs = await tx.any(sql.type(syncRow)`
        SELECT DISTINCT ON (audience) audience, sync_id, status, adds, removes, refreshes, deferred, excluded, attempts, last_error, partial_failure, planned_at::text, finished_at::text
        FROM audience_syncs WHERE company_id = ${companyId} AND destination = ${DESTINATION} ORDER BY audience, sync_id DESC`);
      return AUDIENCES.map((audience) => {
        const s = settings.find((r) => r.audience === audience);
        const m = members.find((r) => r.audience === audience);
        return {
          audience,
          enabled: s?.enabled ?? false,
          config: s?.config ?? {},
          userList: s?.user_list_resource_name ?? null,
          membersOnList: m?.on_list ?? 0,
          membersPending: m?.pending ?? 0,
          lastSync: syncs.find((r) => r.audience === audience) ?? null,
        };
      });
    }),
  );
}

const describe = (p: SyncAudienceProgress): string =>
  `${p.done ? 'done' : 'running'}: ${p.steps.map((s) => `sync ${s.plan.syncId ?? '-'} ${s.plan.status}: +${s.plan.adds} −${s.plan.removes}${s.send ? ` → ${s.send.status}` : ''}`).join('; ') || 'planning'}`;

async function syncNow(companyId: string, audience: Audience): Promise<void> {
  const config = loadCliConfigOrExit();
  await withTemporalClient(config, async (client) => {
    const handle = await client.workflow.start<typeof syncAudienceWorkflow>('syncAudienceWorkflow', {
      workflowId: audienceSyncWorkflowId(companyId, DESTINATION, audience),
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId, audience, destination: DESTINATION }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: companyId }],
      // a sync of this audience already running (a second `sync`, or the CLI racing itself) is followed, not doubled
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await followWorkflow(handle, audienceSyncProgressQuery, describe);
  });
}

export function registerAudienceCommands(program: Command): void {
  const audiences = program.command('audiences').description('Google Ads Customer Match audiences of consented customers (off until enabled)');
  audiences
    .command('enable')
    .argument('<audience>', AUDIENCES.join(', '))
    .requiredOption('--company <id>')
    .option('--config <json>', 'settings, e.g. {"customerId":"123-456-7890","membershipLifeSpanDays":540,"lapsedAfterDays":180}')
    .action(async (value: string, o: { company: string; config?: string }) => {
      const audience = audienceOf(value);
      const saved = await setEnabled(o.company, audience, true, parseConfig(o.config));
      print({ ok: true, company: o.company, ...saved, schedule: await registerSchedule(o.company, audience, saved.time_zone) });
    });
  audiences
    .command('disable')
    .argument('<audience>', AUDIENCES.join(', '))
    .requiredOption('--company <id>')
    .action(async (value: string, o: { company: string }) => {
      const saved = await setEnabled(o.company, audienceOf(value), false, null);
      print({ ok: true, company: o.company, ...saved, note: 'the next sync (daily, or `lux audiences sync`) removes every member LUX uploaded from the Google list' });
    });
  audiences
    .command('list')
    .requiredOption('--company <id>')
    .action(async (o: { company: string }) => print({ ok: true, company: o.company, audiences: await list(o.company) }));
  audiences
    .command('sync')
    .argument('<audience>', AUDIENCES.join(', '))
    .requiredOption('--company <id>')
    .action(async (value: string, o: { company: string }) => syncNow(o.company, audienceOf(value)));
}
