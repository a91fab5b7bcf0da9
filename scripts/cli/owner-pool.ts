// The admin commands' database connection: the owner (DATABASE_URL), one connection, closed afterwards.
// Tenant rows are still written inside withTenant, so RLS policies and tenant checks apply as usual.
import { loadMigrationConfigOrExit } from '../../lib/config';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';

export async function withOwnerPool<T>(work: (pool: DatabasePool) => Promise<T>): Promise<T> {
  const pool = await createDatabasePool(loadMigrationConfigOrExit().DATABASE_URL, { maximumPoolSize: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}
