// How failed queries reach callers through our pool (lib/db/pool.ts) and how lib/db/errors.ts classifies
// them, on a real server. The collector answers 503 for a connection error and 500 for anything else, so a
// backend killed mid-query (what a Postgres restart does) must arrive as itself, not as a wrapper.
import { sql } from 'slonik';
import { z } from 'zod';
import { isConnectionError } from '../../lib/db/errors';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const failureOf = async (query: Promise<unknown>): Promise<Error & { code?: string }> => {
  try {
    await query;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('the query was expected to fail');
};

test('a query whose backend is terminated fails with the original error, classified as a connection error', async () => {
  const sleeping = failureOf(db.appPool.query(sql.unsafe`SELECT pg_sleep(30)`));
  // Find the sleeping backend (in this test's database only: other suites share the server) from another
  // connection and terminate it, as a fast shutdown does.
  const deadline = Date.now() + 10_000;
  let terminated = false;
  while (!terminated && Date.now() < deadline) {
    terminated = await db.ownerPool.oneFirst(sql.type(z.object({ done: z.boolean() }))`
      SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) AS done FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()`);
    if (!terminated) await new Promise((r) => setTimeout(r, 20));
  }
  expect(terminated).toBe(true);

  const error = await sleeping;
  expect(error.code).not.toBe('ERR_UNHANDLED_ERROR');
  expect(error.message).toMatch(/terminated/i);
  expect(isConnectionError(error)).toBe(true);
  // The pool replaces the dead connection: the next query works.
  expect(await db.appPool.oneFirst(sql.type(z.object({ one: z.number() }))`SELECT 1 AS one`)).toBe(1);
});

test('a data error fails with its own message and is not a connection error', async () => {
  const error = await failureOf(db.appPool.query(sql.unsafe`SELECT 'x'::int`));
  expect(error.code).not.toBe('ERR_UNHANDLED_ERROR');
  expect(error.message).toContain('invalid input syntax for type integer');
  expect(isConnectionError(error)).toBe(false);
});
