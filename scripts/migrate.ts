// `npm run migrate`: apply pending migrations as the owner role (DATABASE_URL).
// With APP_DB_PASSWORD set, also sets the lux_app role's password (kept out of migrations on purpose).
import { z } from 'zod';
import { migrateUp } from '../lib/db/migrate';
import { setAppRolePassword } from '../lib/db/roles';
import { loadMigrationConfigOrExit } from '../lib/config';

async function main(): Promise<void> {
  const config = loadMigrationConfigOrExit();
  const { applied } = await migrateUp(config.DATABASE_URL);
  process.stdout.write(applied.length ? `Applied migrations: ${applied.join(', ')}\n` : 'Database is up to date.\n');
  const password = z.string().min(12).optional().parse(process.env.APP_DB_PASSWORD || undefined);
  if (password) {
    await setAppRolePassword(config.DATABASE_URL, password);
    process.stdout.write('Set the password of role lux_app.\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
