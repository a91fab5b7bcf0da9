import { randomUUID } from 'node:crypto';
import { sql, UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { withTenant } from '../../lib/db/tenant';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

let db: TestDatabase;
let companyId: string;
const eventId = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  ({ companyId } = await createTestCompany(db.ownerPool));
  await withTenant(db.appPool, companyId, (tx) =>
    tx.query(sql.unsafe`
      INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, page_url)
      VALUES (${companyId}, ${eventId}, 'page_view', now(), 'browser', 'https://shop.example/')`),
  );
});
afterAll(() => db?.drop());

const eventRow = z.object({ event_name: z.string(), page_url: z.string() });
async function storedEvent() {
  return db.ownerPool.one(sql.type(eventRow)`SELECT event_name, page_url FROM raw_events WHERE event_id = ${eventId}`);
}

describe('raw_events is append-only', () => {
  it('the application role may not UPDATE, DELETE or TRUNCATE it', async () => {
    for (const statement of [
      sql.unsafe`UPDATE raw_events SET event_name = 'tampered'`,
      sql.unsafe`DELETE FROM raw_events`,
      sql.unsafe`TRUNCATE raw_events`,
    ]) {
      await expect(withTenant(db.appPool, companyId, (tx) => tx.query(statement))).rejects.toThrow(
        /permission denied for table raw_events/,
      );
    }
  });

  it('even the owner role is stopped by the trigger, with a clear message', async () => {
    await expect(db.ownerPool.query(sql.unsafe`UPDATE raw_events SET event_name = 'tampered'`)).rejects.toThrow(
      /raw_events is append-only: UPDATE is not allowed/,
    );
    await expect(db.ownerPool.query(sql.unsafe`DELETE FROM raw_events`)).rejects.toThrow(
      /raw_events is append-only: DELETE is not allowed/,
    );
    await expect(db.ownerPool.query(sql.unsafe`TRUNCATE raw_events`)).rejects.toThrow(
      /raw_events is append-only: TRUNCATE is not allowed/,
    );
  });

  it('the stored event is untouched after all those attempts', async () => {
    expect(await storedEvent()).toEqual({ event_name: 'page_view', page_url: 'https://shop.example/' });
  });

  it('a retry with the same event_id is rejected by the key, not stored twice', async () => {
    const failure: unknown = await withTenant(db.appPool, companyId, (tx) =>
      tx.query(sql.unsafe`
        INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source)
        VALUES (${companyId}, ${eventId}, 'page_view', now(), 'browser')`),
    ).then(() => null, (error: unknown) => error);
    // slonik's own error class, carrying Postgres's duplicate-key error (23505) as its cause
    expect(failure).toBeInstanceOf(UniqueIntegrityConstraintViolationError);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe('23505');
  });
});
