// Fault: the collector process is SIGKILLed under load (no graceful shutdown, requests in flight cut
// off). Every event that got a 2xx must be in Postgres; when the clients retry every request with the
// same event ids against a restarted collector, nothing is stored twice and nothing is missing.
import { sql } from 'slonik';
import { z } from 'zod';
import { spawnCollectorProcess, type CollectorProcess } from '../support/collector-process';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FAULT_IP_HASH_SECRET, idsOf, missingFrom, retryUntilAcked, startLoad, storedEventIds } from '../support/event-load';
import { createTestCompany } from '../support/fixtures';

let db: TestDatabase;
const collectors: CollectorProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const c of collectors) await c.kill();
  await db?.drop();
});

const spawnCollector = async (): Promise<CollectorProcess> => {
  const c = await spawnCollectorProcess({ ownerUrl: db.ownerUrl, appUrl: db.appUrl, ipHashSecret: FAULT_IP_HASH_SECRET });
  collectors.push(c);
  return c;
};

test('after a SIGKILL under load every acknowledged event is stored, and client retries add no duplicates', async () => {
  const { companyId, siteKey } = await createTestCompany(db.ownerPool);
  let collector = await spawnCollector();
  const load = startLoad({ url: () => collector.url, siteKey, concurrency: 8, batchSize: 25 });

  // Kill while requests are in flight: after a good number were acknowledged.
  const deadline = Date.now() + 60_000;
  while (load.acked().length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await collector.kill();
  await load.stop();

  const acked = load.acked();
  const sent = load.batches;
  const sentIds = new Set(idsOf(sent));
  const ackedIds = new Set(idsOf(acked));
  expect(acked.length).toBeGreaterThanOrEqual(60);
  expect(sent.some((b) => b.status === 'no answer')).toBe(true); // the kill cut requests off

  // Right after the crash: acked ⊆ stored ⊆ sent.
  const afterCrash = await storedEventIds(db.ownerPool, companyId);
  expect(missingFrom(ackedIds, afterCrash.ids)).toEqual([]);
  expect(missingFrom(afterCrash.ids, sentIds)).toEqual([]);
  const storedWithoutAnswer = afterCrash.ids.size - ackedIds.size;

  // A new collector on the same data; every client retries every request it sent, with the same ids.
  collector = await spawnCollector();
  let duplicatesReported = 0;
  for (const batch of sent) {
    const retried = await retryUntilAcked(collector.url, siteKey, batch.ids);
    expect(retried.status).toBe(200);
  }
  // (The retries' answers count the ids already stored as duplicates: at least every acked event.)
  const afterRetry = await storedEventIds(db.ownerPool, companyId);
  duplicatesReported = afterRetry.rows - afterRetry.ids.size;

  // Exactly the ids sent: count equality and id-set equality, no row twice.
  expect(afterRetry.rows).toBe(sentIds.size);
  expect(afterRetry.ids.size).toBe(sentIds.size);
  expect(missingFrom(sentIds, afterRetry.ids)).toEqual([]);
  expect(missingFrom(afterRetry.ids, sentIds)).toEqual([]);
  expect(duplicatesReported).toBe(0);
  const sessions = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT sum(event_count) AS n FROM sessions WHERE company_id = ${companyId}`);
  expect(sessions).toBe(sentIds.size); // the derived sessions counted every event once, retries included

  process.stderr.write(
    `[fault: collector SIGKILL] requests sent ${sent.length} (${sentIds.size} events), acked ${acked.length} (${ackedIds.size} events), ` +
      `cut off ${sent.filter((b) => b.status === 'no answer').length}, stored at crash ${afterCrash.ids.size} ` +
      `(${storedWithoutAnswer} committed without an answer), stored after retries ${afterRetry.rows}, duplicates 0\n`,
  );
}, 180_000);
