// `lux dsr export|delete|opt-out --company <id> (--email <e> | --user-id <id> | --visitor-id <id>) [--reason "…"]`:
// data subject requests over the owner connection (DATABASE_URL). The same code as POST /admin/dsr/*
// (lib/privacy/dsr.ts); each request is logged in dsr_requests. Export prints the JSON on stdout.
import type { Command } from 'commander';
import { loadMigrationConfigOrExit } from '../../lib/config';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { dsrSubjectSchema, handleDsrRequest, type DsrAction } from '../../lib/privacy/dsr';

type DsrOptions = { company: string; email?: string; userId?: string; visitorId?: string; reason?: string };

function subjectFrom(options: DsrOptions) {
  const given = [
    options.email !== undefined ? { kind: 'email', value: options.email } : null,
    options.userId !== undefined ? { kind: 'user_id', value: options.userId } : null,
    options.visitorId !== undefined ? { kind: 'visitor_id', value: options.visitorId } : null,
  ].filter((g) => g !== null);
  if (given.length !== 1) throw new Error('give exactly one of --email, --user-id, --visitor-id');
  return dsrSubjectSchema.parse({ ...given[0], ...(options.reason ? { reason: options.reason } : {}) });
}

export function registerDsrCommands(program: Command): void {
  const dsr = program.command('dsr').description('data subject requests: export, delete or opt out a person (docs/privacy.md)');
  const actions: Array<[name: string, action: DsrAction, description: string]> = [
    ['export', 'export', 'print everything held on the person as JSON'],
    ['delete', 'delete', 'delete identity links and derived person data, unlink orders, suppress further capture'],
    ['opt-out', 'opt_out', 'stop capturing the person (suppression)'],
  ];
  for (const [name, action, description] of actions) {
    dsr
      .command(name)
      .description(description)
      .requiredOption('--company <id>')
      .option('--email <email>')
      .option('--user-id <id>')
      .option('--visitor-id <id>')
      .option('--reason <text>')
      .action(async (o: DsrOptions) => {
        const subject = subjectFrom(o);
        const config = loadMigrationConfigOrExit();
        const pool = await createDatabasePool(config.DATABASE_URL, { maximumPoolSize: 1 });
        try {
          const result = await withTenant(pool, o.company, (tx) => handleDsrRequest(tx, o.company, action, subject, 'cli'));
          process.stdout.write(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
        } finally {
          await pool.end();
        }
      });
  }
}
