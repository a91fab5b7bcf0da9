// Applies the numbered SQL migrations in sql/migrations with node-pg-migrate (a maintained tool:
// ordering, a migrations table, and an advisory lock so two starts never migrate concurrently).
import path from 'node:path';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'sql', 'migrations');
export const MIGRATIONS_TABLE = 'pgmigrations';

export type MigrationResult = { applied: string[] };

export async function migrateUp(
  databaseUrl: string,
  log: (message: string) => void = () => undefined,
): Promise<MigrationResult> {
  // node-pg-migrate is ESM-only; a dynamic import keeps this module CommonJS-friendly.
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    log,
    verbose: false,
  });
  return { applied: applied.map((m) => m.name) };
}
