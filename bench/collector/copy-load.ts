// The bulk-load ceiling: Postgres COPY of the same rows the collector would store for /e/batch,
// 500 rows per COPY statement (one commit each, like one 2xx batch), back to back through one
// connection, as the owner role. Rows are enriched once up front with the collector's own
// prepareEvent, so this measures only what Postgres needs to take them in.
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { trackingSettings } from '../../lib/ingest/company-policy';
import { eventSchema } from '../../lib/ingest/event-schema';
import { copyRawEventsSql, csvField, RAW_EVENT_COPY_COLUMNS } from '../../lib/ingest/raw-event-csv';
import { prepareEvent, prepareRequest, type RawEventRow } from '../../lib/ingest/prepare-event';
import { BROWSER_USER_AGENT, makeEvent } from './payloads';

const COLUMNS = RAW_EVENT_COPY_COLUMNS;
const COPY_SQL = copyRawEventsSql('raw_events');

export type CopyResult = {
  rowsPerSecond: number;
  rows: number;
  batches: number;
  batchRows: number;
  durationSeconds: number;
  batchLatencyMs: { p50: number; p99: number };
  /** Rows of the company in raw_events afterwards, warm-up included; must equal copiedRows. */
  storedRows: number;
  copiedRows: number;
};

/**
 * One CSV line per template row, split around the event_id so each batch only splices in fresh
 * UUIDs: building the input must not be what limits COPY.
 */
function templateLines(companyId: string, count: number): Array<[string, string]> {
  const receivedAt = new Date();
  const request = prepareRequest({
    source: 'browser' as const,
    receivedAt,
    ip: '127.0.0.1',
    userAgent: BROWSER_USER_AGENT,
    gpcHeader: false,
    ipHashSecret: randomBytes(32).toString('hex'),
    fallbackVisitorId: randomUUID(),
  });
  const company = { trackingEnabled: true, settings: trackingSettings({}) };
  return Array.from({ length: count }, () => {
    const prepared = prepareEvent(eventSchema.parse(makeEvent()), request, company);
    if (!prepared.store) throw new Error(`bench event was dropped (${prepared.reason})`);
    const row: RawEventRow & { company_id: string } = { ...prepared.row, company_id: companyId };
    const fields = COLUMNS.map((column) => (column === 'event_id' ? '\u0000' : csvField(row[column])));
    const [before = '', after = ''] = fields.join(',').split('\u0000');
    return [before, `${after}\n`];
  });
}

async function copyBatch(client: pg.PoolClient | pg.Client, lines: Array<[string, string]>): Promise<void> {
  const csv = lines.map(([before, after]) => `${before}"${randomUUID()}"${after}`).join('');
  await pipeline(Readable.from([csv]), client.query(copyFrom(COPY_SQL)));
}

async function copyFor(client: pg.Client, lines: Array<[string, string]>, seconds: number, latencies: number[]): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let batches = 0;
  while (performance.now() < end) {
    const started = performance.now();
    await copyBatch(client, lines);
    latencies.push(performance.now() - started);
    batches += 1;
  }
  return batches;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runCopyLoad(options: {
  ownerUrl: string;
  companyId: string;
  batchRows: number;
  warmupSeconds: number;
  durationSeconds: number;
}): Promise<CopyResult> {
  const lines = templateLines(options.companyId, options.batchRows);
  const client = new pg.Client({ connectionString: options.ownerUrl });
  await client.connect();
  try {
    const warmupBatches = await copyFor(client, lines, options.warmupSeconds, []);
    const latencies: number[] = [];
    const started = performance.now();
    const batches = await copyFor(client, lines, options.durationSeconds, latencies);
    const durationSeconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM raw_events WHERE company_id = $1', [options.companyId]);
    latencies.sort((a, b) => a - b);
    return {
      rowsPerSecond: (batches * options.batchRows) / durationSeconds,
      rows: batches * options.batchRows,
      batches,
      batchRows: options.batchRows,
      durationSeconds,
      batchLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      storedRows: Number(rows[0]?.n ?? 0),
      copiedRows: (warmupBatches + batches) * options.batchRows,
    };
  } finally {
    await client.end();
  }
}
