// `npm run lux -- <command>`: admin commands over the owner connection (DATABASE_URL).
//   company create --name "Shop" --time-zone Europe/Berlin --currency EUR
//   suppress add|remove --company <id> (--email <e> | --user-id <u> | --visitor-id <v>) [--reason "…"]
//   suppress list --company <id>
//   tracking --company <id> [--enabled true|false] [--gpc-policy drop|anonymize] [--consent-mode opt-out|opt-in]
//   integrations set <vendor> --company <id> [--json-file f | vendor flags]; integrations list|schedule
//   import <vendor> --company <id> [--since 2026-01-01]
//   attribution backfill --company <id> (--from <date> --to <date> | --pending | --order <source:id>); attribution explain --company <id> --order <source:id>
//   fx load <csv> [--source ecb]; fx convert --amount 1999 --from USD --to EUR --day 2026-01-01
//   dsr export|delete|opt-out --company <id> (--email <e> | --user-id <u> | --visitor-id <v>) [--reason "…"]
//   rollup --company <id> [--from <date> --to <date>]; rollup schedule --company <id>
//   users add --company <id> --login <name> --role admin|analyst [--password-stdin]; users list|disable
//   forwarding enable|disable <google_ads|meta|tiktok|ga4> --company <id> [--config <json>]; forwarding list --company <id>
//   audiences enable|disable|sync <purchasers|repeat_purchasers|lapsed_purchasers> --company <id> [--config <json>]; audiences list --company <id>
//   alerts recipients --company <id> [--add a@x] [--remove b@x]; alerts thresholds --company <id> [--set cpa.maxIncrease=0.3] [--cooldown-days 7]; alerts list|evaluate
//   experiments add|decide|list --company <id> … (scripts/cli/experiments.ts)
import { Command } from 'commander';
import { ZodError } from 'zod';
import { loadMigrationConfigOrExit } from '../lib/config';
import { describeIssues } from '../lib/zod-issues';
import { createCompany } from '../lib/companies/create-company';
import { createDatabasePool, type DatabasePool } from '../lib/db/pool';
import { withTenant } from '../lib/db/tenant';
import { suppressionInputSchema } from '../lib/privacy/suppression-input';
import { registerAlertCommands } from './cli/alerts';
import { registerFxCommands } from './cli/fx';
import { registerDsrCommands } from './cli/dsr';
import { registerAttributionCommands } from './cli/attribution';
import { registerImportCommand } from './cli/import';
import { registerIntegrationCommands } from './cli/integrations';
import { registerRollupCommands } from './cli/rollup';
import { registerUserCommands } from './cli/users';
import { registerExperimentCommands } from './cli/experiments';
import { registerForwardingCommands } from './cli/forwarding';
import { registerAudienceCommands } from './cli/audiences';
import { addSuppression, listSuppressions, removeSuppression, trackingSettingsPatchSchema, updateTrackingSettings } from '../lib/privacy/suppressions';
import { printJson as print } from './cli/options';


async function withOwnerPool<T>(work: (pool: DatabasePool) => Promise<T>): Promise<T> {
  const config = loadMigrationConfigOrExit();
  const pool = await createDatabasePool(config.DATABASE_URL, { maximumPoolSize: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

type PersonOptions = { company: string; email?: string; userId?: string; visitorId?: string; reason?: string };
function personFrom(options: PersonOptions) {
  const given = [
    options.email !== undefined && { kind: 'email', value: options.email },
    options.userId !== undefined && { kind: 'user_id', value: options.userId },
    options.visitorId !== undefined && { kind: 'visitor_id', value: options.visitorId },
  ].filter(Boolean);
  if (given.length !== 1) throw new Error('give exactly one of --email, --user-id, --visitor-id');
  return suppressionInputSchema.parse({ ...given[0], ...(options.reason ? { reason: options.reason } : {}) });
}

const program = new Command('lux').description('LUX admin commands (owner connection: DATABASE_URL)');

program
  .command('company')
  .command('create')
  .requiredOption('--name <name>')
  .requiredOption('--time-zone <zone>', 'IANA time zone, e.g. Europe/Berlin')
  .requiredOption('--currency <code>', 'ISO 4217 reporting currency, e.g. EUR')
  .action(async (o: { name: string; timeZone: string; currency: string }) => {
    const created = await withOwnerPool((pool) => createCompany(pool, { name: o.name, timeZone: o.timeZone, reportingCurrency: o.currency }));
    print({ ...created, note: 'the secret key is shown once; store it now' });
  });

const suppress = program.command('suppress').description('stop capturing a person');
for (const action of ['add', 'remove'] as const) {
  suppress
    .command(action)
    .requiredOption('--company <id>')
    .option('--email <email>')
    .option('--user-id <id>')
    .option('--visitor-id <id>')
    .option('--reason <text>')
    .action(async (o: PersonOptions) => {
      const person = personFrom(o);
      const changed = await withOwnerPool((pool) =>
        withTenant(pool, o.company, (tx) => (action === 'add' ? addSuppression(tx, o.company, person) : removeSuppression(tx, o.company, person))),
      );
      print({ ok: true, action, kind: person.kind, changed });
    });
}
suppress
  .command('list')
  .requiredOption('--company <id>')
  .action(async (o: { company: string }) => {
    print(await withOwnerPool((pool) => withTenant(pool, o.company, (tx) => listSuppressions(tx, o.company))));
  });

program
  .command('tracking')
  .requiredOption('--company <id>')
  .option('--enabled <bool>', 'true or false')
  .option('--gpc-policy <policy>', 'drop or anonymize')
  .option('--consent-mode <mode>', 'opt-out or opt-in')
  .action(async (o: { company: string; enabled?: string; gpcPolicy?: string; consentMode?: string }) => {
    const patch = trackingSettingsPatchSchema.parse({
      ...(o.enabled !== undefined ? { tracking_enabled: o.enabled === 'true' ? true : o.enabled === 'false' ? false : o.enabled } : {}),
      ...(o.gpcPolicy ? { gpc_policy: o.gpcPolicy } : {}),
      ...(o.consentMode ? { consent_mode: o.consentMode } : {}),
    });
    print(await withOwnerPool((pool) => withTenant(pool, o.company, (tx) => updateTrackingSettings(tx, o.company, patch))));
  });

registerIntegrationCommands(program);
registerImportCommand(program);
registerAttributionCommands(program);
registerFxCommands(program);
registerDsrCommands(program);
registerRollupCommands(program);
registerAlertCommands(program);
registerExperimentCommands(program);
registerForwardingCommands(program);
registerAudienceCommands(program);
registerUserCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message =
    error instanceof ZodError ? describeIssues(error).join('; ') : error instanceof Error ? error.message : String(error);
  process.stderr.write(`lux: ${message}\n`);
  process.exit(1);
});
