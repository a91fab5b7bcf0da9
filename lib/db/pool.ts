// Database pools. Two roles, two pools:
//  * createAppPool: the non-owner `lux_app` role; Row Level Security applies. Services use only this.
//  * createOwnerPool: the migration/owner role; bypasses RLS. Admin commands and tests' setup only.
import { createPool, SchemaValidationError, type DatabasePool, type Interceptor } from 'slonik';

export type { DatabasePool };

/**
 * Validates every row of a `sql.type(zodSchema)` query against its schema (slonik leaves this to an
 * interceptor). A mismatch between the schema and the SQL fails loudly instead of flowing on.
 */
const resultParserInterceptor: Interceptor = {
  name: 'lux-result-parser',
  transformRow: (context, query, row) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const result = parser.safeParse(row);
    if (!result.success) throw new SchemaValidationError(query, row, result.error.issues);
    return result.data as typeof row;
  },
};

export type PoolOptions = { maximumPoolSize?: number; statementTimeoutMs?: number };

export async function createDatabasePool(url: string, options: PoolOptions = {}): Promise<DatabasePool> {
  const pool = await createPool(url, {
    interceptors: [resultParserInterceptor],
    maximumPoolSize: options.maximumPoolSize ?? 10,
    statementTimeout: options.statementTimeoutMs ?? 60_000,
    // Stack capture costs a few µs per query on the hot path; errors still carry the SQL.
    captureStackTrace: false,
    // slonik's default sends DISCARD ALL on every release: one more round trip per query, and it throws
    // away prepared plans (plpgsql's too). We never set session-level state: the tenant is set with
    // set_config(..., true), local to its transaction (lib/db/tenant.ts, ingest_event_batch), so a
    // released connection carries nothing over. test/integration/tenant-isolation.test.ts checks that.
    resetConnection: async () => undefined,
  });
  // slonik emits a failed query's error on the pool and then throws it to the caller. An EventEmitter
  // without an 'error' listener throws what is emitted instead; under jest (another realm, so not
  // `instanceof Error`) it throws an ERR_UNHANDLED_ERROR wrapper that hides the original. A backend
  // terminated by a Postgres restart then read as a bug (500) instead of "retry later" (503). The caller
  // gets and handles the error itself, so the pool-level copy is dropped here.
  pool.on('error', () => undefined);
  return pool;
}
