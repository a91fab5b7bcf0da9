// The COPY bulk path (lib/demo/copy-events.ts) stores what the collector's batch path stores: the same
// generated history loaded into one company through saveEventBatch (loadEventsBulk) and into another
// through COPY + ingest_event_batch gives the same raw events, sessions, identity links and storefront
// orders; a second COPY load is all duplicates; a sessionless event is refused.
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { copyEventBatch } from '../../lib/demo/copy-events';
import { generateStorefront } from '../../lib/demo/generator';
import { loadEventsBulk, prepareDemoEvents } from '../../lib/demo/load';
import { TEST_IP_HASH_SECRET } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const snapshot = z.object({ events: z.unknown(), sessions: z.unknown(), links: z.unknown(), orders: z.unknown() });

/** Everything the ingest writes for a company, without the company id (so two companies compare). */
function contents(companyId: string) {
  return db.ownerPool.one(sql.type(snapshot)`
    SELECT
      (SELECT jsonb_agg(jsonb_build_array(event_id, event_name, occurred_at, visitor_id, session_id, user_id, page_url, referrer, properties, context, email_hash) ORDER BY event_id)
         FROM raw_events WHERE company_id = ${companyId}) AS events,
      (SELECT jsonb_agg(to_jsonb(s) - 'company_id' - 'created_at' - 'updated_at' ORDER BY session_id) FROM sessions s WHERE company_id = ${companyId}) AS sessions,
      (SELECT jsonb_agg(jsonb_build_array(visitor_id, user_id, email_hash, first_seen_at, last_seen_at) ORDER BY visitor_id, user_id, email_hash)
         FROM identity_links WHERE company_id = ${companyId}) AS links,
      (SELECT jsonb_agg(jsonb_build_array(source, external_id, total_minor, currency, visitor_id, session_id, provisional) ORDER BY external_id)
         FROM orders WHERE company_id = ${companyId}) AS orders`);
}

it('stores the same rows as the collector batch path, once', async () => {
  const data = generateStorefront({ seed: 5, days: 3, lastDay: '2026-03-31', sessionsPerDay: 60 });
  expect(data.orders.length).toBeGreaterThan(0);
  const viaBatch = await createTestCompany(db.ownerPool, 'Via saveEventBatch');
  const viaCopy = await createTestCompany(db.ownerPool, 'Via COPY');

  expect(await loadEventsBulk(db.ownerPool, viaBatch.companyId, TEST_IP_HASH_SECRET, data.events)).toBe(data.events.length);
  const rows = prepareDemoEvents(data.events, TEST_IP_HASH_SECRET);
  // small slices, so sessions spanning two ingest_event_batch calls are merged as in the collector
  const first = await copyEventBatch(client, viaCopy.companyId, rows, 97);
  expect(first).toMatchObject({ rows: data.events.length, inserted: data.events.length, duplicates: 0, suppressed: 0 });
  expect(first.slices).toBe(Math.ceil(data.events.length / 97));
  expect(first.databaseMs).toBeGreaterThanOrEqual(0);

  const [a, b] = [await contents(viaBatch.companyId), await contents(viaCopy.companyId)];
  expect((a.sessions as unknown[]).length).toBe(data.sessions.length);
  expect((a.orders as unknown[]).length).toBe(data.orders.length);
  expect(b).toEqual(a);

  const again = await copyEventBatch(client, viaCopy.companyId, rows);
  expect(again).toMatchObject({ inserted: 0, duplicates: data.events.length });
  expect(await contents(viaCopy.companyId)).toEqual(a);
});

it('refuses events without a session id (the COPY path does not sessionise)', async () => {
  const company = await createTestCompany(db.ownerPool, 'Sessionless');
  const [event] = generateStorefront({ seed: 6, days: 1, lastDay: '2026-03-31', sessionsPerDay: 1 }).events;
  const [row] = prepareDemoEvents([event!], TEST_IP_HASH_SECRET);
  await expect(copyEventBatch(client, company.companyId, [{ ...row!, session_id: null }])).rejects.toThrow(/no session id/);
});
