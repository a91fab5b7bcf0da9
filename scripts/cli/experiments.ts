// `lux experiments add|decide|list`: record the tests a team runs, for the Ops velocity dashboard (owner
// connection, inside the company's tenant transaction like the other admin commands).
//   experiments add --company <id> --name "Hero video vs image" --launched-on 2026-01-05 [--channel "Paid Social"]
//                   [--hypothesis "…"] [--decided-on 2026-01-20 --outcome win|loss|inconclusive] [--notes "…"]
//   experiments decide --company <id> --experiment <id or name> --outcome win|loss|inconclusive --decided-on 2026-01-20 [--notes "…"]
//   experiments list --company <id>
import type { Command } from 'commander';
import { loadMigrationConfigOrExit } from '../../lib/config';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant, type TenantTransaction } from '../../lib/db/tenant';
import { decideExperiment, experimentDecisionSchema, experimentInputSchema, listExperiments, saveExperiment } from '../../lib/experiments/experiments';
import { printJson as print } from './options';


async function inTenant<T>(companyId: string, work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  const config = loadMigrationConfigOrExit();
  const pool = await createDatabasePool(config.DATABASE_URL, { maximumPoolSize: 1 });
  try {
    return await withTenant(pool, companyId, work);
  } finally {
    await pool.end();
  }
}

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function registerExperimentCommands(program: Command): void {
  const experiments = program.command('experiments').description('tests launched and decided (Ops velocity dashboard)');
  experiments
    .command('add')
    .requiredOption('--company <id>')
    .requiredOption('--name <name>')
    .requiredOption('--launched-on <date>', 'company-local date YYYY-MM-DD')
    .option('--channel <channel>')
    .option('--hypothesis <text>')
    .option('--decided-on <date>')
    .option('--outcome <outcome>', 'win, loss or inconclusive')
    .option('--notes <text>')
    .action(async (o: { company: string; name: string; launchedOn: string; channel?: string; hypothesis?: string; decidedOn?: string; outcome?: string; notes?: string }) => {
      const input = experimentInputSchema.parse(
        defined({ name: o.name, launched_on: o.launchedOn, channel: o.channel, hypothesis: o.hypothesis, decided_on: o.decidedOn, outcome: o.outcome, notes: o.notes }),
      );
      print(await inTenant(o.company, (tx) => saveExperiment(tx, o.company, input)));
    });
  experiments
    .command('decide')
    .requiredOption('--company <id>')
    .requiredOption('--experiment <idOrName>', 'the experiment id or its name')
    .requiredOption('--outcome <outcome>', 'win, loss or inconclusive')
    .requiredOption('--decided-on <date>', 'company-local date YYYY-MM-DD')
    .option('--notes <text>')
    .action(async (o: { company: string; experiment: string; outcome: string; decidedOn: string; notes?: string }) => {
      const decision = experimentDecisionSchema.parse(defined({ outcome: o.outcome, decided_on: o.decidedOn, notes: o.notes }));
      const experiment = await inTenant(o.company, (tx) => decideExperiment(tx, o.company, o.experiment, decision));
      if (!experiment) throw new Error(`no experiment ${JSON.stringify(o.experiment)} in company ${o.company}`);
      print({ ok: true, experiment });
    });
  experiments
    .command('list')
    .requiredOption('--company <id>')
    .action(async (o: { company: string }) => {
      print(await inTenant(o.company, (tx) => listExperiments(tx, o.company)));
    });
}
