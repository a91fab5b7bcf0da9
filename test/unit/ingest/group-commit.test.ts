// The batching and isolation rules of the group committer, with its save step replaced by a recorder.
// (The real save against Postgres is covered by test/integration/collector-events.test.ts.)
import { GroupCommitter, type SaveBatch } from '../../../collector/ingest/group-commit';
import type { DatabasePool } from '../../../lib/db/pool';
import type { RawEventRow } from '../../../lib/ingest/prepare-event';
import { createLogger } from '../../../lib/logger';

const row = (id: string) => ({ event_id: id }) as RawEventRow;
const pool = {} as DatabasePool;
const logger = createLogger('test', 'silent');

function recorder(fail: (ids: string[]) => Error | undefined = () => undefined) {
  const calls: Array<{ companyId: string; ids: string[] }> = [];
  const save: SaveBatch = async (_pool, companyId, rows) => {
    const ids = rows.map((r) => r.event_id);
    calls.push({ companyId, ids });
    const error = fail(ids);
    if (error) throw error;
    return { inserted: new Set(ids), suppressed: new Set() };
  };
  return { calls, save };
}

test('concurrent submissions within the wait window share one save per company', async () => {
  const { calls, save } = recorder();
  const committer = new GroupCommitter(pool, logger, { maxWaitMs: 20 }, save);
  await Promise.all([
    committer.submit('A', [row('1')], {}),
    committer.submit('A', [row('2'), row('3')], {}),
    committer.submit('B', [row('4')], {}),
  ]);
  expect(calls.sort((a, b) => a.companyId.localeCompare(b.companyId))).toEqual([
    { companyId: 'A', ids: ['1', '2', '3'] },
    { companyId: 'B', ids: ['4'] },
  ]);
});

test('a full batch is flushed at once without waiting for the window', async () => {
  const { calls, save } = recorder();
  const committer = new GroupCommitter(pool, logger, { maxWaitMs: 60_000, maxBatchRows: 2 }, save);
  await committer.submit('A', [row('1'), row('2')], {});
  expect(calls).toHaveLength(1);
});

test('one request with a bad row fails alone; its neighbours are committed', async () => {
  const { calls, save } = recorder((ids) => (ids.includes('bad') ? new Error('check constraint') : undefined));
  const committer = new GroupCommitter(pool, logger, { maxWaitMs: 20 }, save);
  const results = await Promise.allSettled([committer.submit('A', [row('ok1')], {}), committer.submit('A', [row('bad')], {}), committer.submit('A', [row('ok2')], {})]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(calls.map((c) => c.ids)).toEqual([['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]);
});

test('a database outage fails every waiting request at once (no one-by-one retries against a dead server)', async () => {
  const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const { calls, save } = recorder(() => outage);
  const committer = new GroupCommitter(pool, logger, { maxWaitMs: 20 }, save);
  const results = await Promise.allSettled([committer.submit('A', [row('1')], {}), committer.submit('A', [row('2')], {})]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(calls).toHaveLength(1);
});
