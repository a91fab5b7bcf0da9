// `lux integrations status --company <id> [--json]`: the integration status table (lib/integrations/status.ts).
import type { Command } from 'commander';
import { loadMigrationConfigOrExit } from '../../lib/config';
import { createDatabasePool } from '../../lib/db/pool';
import { formatIntegrationStatus, getIntegrationStatus } from '../../lib/integrations/status';

export function registerIntegrationStatusCommand(integrations: Command): void {
  integrations
    .command('status')
    .description('per integration: configured, last successful sync, last error, rows imported, metrics unlocked or missing')
    .requiredOption('--company <id>')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { company: string; json?: boolean }) => {
      const config = loadMigrationConfigOrExit();
      const pool = await createDatabasePool(config.DATABASE_URL, { maximumPoolSize: 1 });
      try {
        const rows = await getIntegrationStatus(pool, options.company);
        process.stdout.write(`${options.json ? JSON.stringify(rows, null, 2) : formatIntegrationStatus(rows)}\n`);
      } finally {
        await pool.end();
      }
    });
}
