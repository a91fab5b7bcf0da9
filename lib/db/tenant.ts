// The tenant boundary. Every query on tenant data runs inside withTenant(), which opens a transaction
// and sets app.company_id for that transaction only; the RLS policies of every tenant table read it.
// Because the setting is transaction-local (set_config(..., true)), a pooled connection can never
// carry one company's context into another company's request.
import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';

export type TenantTransaction = DatabaseTransactionConnection;

const companyIdSchema = z.string().uuid();

export async function withTenant<T>(
  pool: DatabasePool,
  companyId: string,
  work: (tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  // Validate here, not in SQL, so a bad id is a clear programming error rather than a cast failure.
  const parsed = companyIdSchema.safeParse(companyId);
  if (!parsed.success) throw new TypeError(`withTenant: company id must be a UUID, got ${JSON.stringify(companyId)}`);
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT set_config('app.company_id', ${parsed.data}, true)`);
    return work(tx);
  });
}
