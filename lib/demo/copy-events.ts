// The bulk path (COPY) for large histories (issue 11: "a bulk path (COPY) for large ones"):
//   1. the prepared rows (prepareEvent, as the collector prepares them) are COPYed into a staging table
//      private to the connection (TEMP: no WAL, no indexes, no triggers);
//   2. slices of the stage go through ingest_event_batch — the collector's own ingest SQL (migrations
//      0003/0005) — so duplicates by event_id are dropped, suppressed people skipped, sessions, identity
//      links and storefront purchases (provisional orders) written exactly as for POST /e/batch.
// Only rows that already carry a session id are accepted: the collector sessionises sessionless server
// events in Node (saveEventBatch), which this path does not repeat; generated events always carry one.
//
// Runs on one pg client (the stage lives in its session), as the owner: the function sets the tenant
// for its own transaction, as it does for the collector's lux_app connection.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import type { RawEventRow } from '../ingest/prepare-event';
import { copyRawEventsSql, rawEventCsvLine } from '../ingest/raw-event-csv';

export const EVENT_STAGE_TABLE = 'lux_event_stage';
/** Rows per ingest_event_batch call: large enough to amortise the call, small enough for its jsonb. */
export const DEFAULT_INGEST_SLICE_ROWS = 5_000;

const clockRow = z.object({ ms: z.number() });
const sliceRow = z.object({ duplicates: z.coerce.number(), suppressed: z.coerce.number() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The CSV COPY input for prepared rows of one company (throws on a sessionless row, see above). */
export function eventsCsv(companyId: string, rows: readonly RawEventRow[]): string {
  let csv = '';
  for (const row of rows) {
    if (row.visitor_id && !row.session_id) throw new Error(`event ${row.event_id} has no session id: the COPY path does not sessionise (use saveEventBatch)`);
    csv += rawEventCsvLine(companyId, row);
  }
  return csv;
}

/** COPY CSV text into `table` (the raw_events columns); resolves when Postgres has taken every row. */
export async function copyEventsCsv(client: pg.ClientBase, table: string, csv: string): Promise<void> {
  await pipeline(Readable.from([csv]), client.query(copyFrom(copyRawEventsSql(table))));
}

/** Creates the connection's stage (once) and fills it with `csv`, replacing what it held. */
export async function stageEvents(client: pg.ClientBase, csv: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${EVENT_STAGE_TABLE} (LIKE raw_events INCLUDING DEFAULTS, seq bigint GENERATED ALWAYS AS IDENTITY)`);
  await client.query(`TRUNCATE ${EVENT_STAGE_TABLE} RESTART IDENTITY`);
  await copyEventsCsv(client, EVENT_STAGE_TABLE, csv);
}

export type StageIngestResult = { rows: number; inserted: number; duplicates: number; suppressed: number; slices: number; databaseMs: number };

/**
 * Sends the stage of `rows` rows through ingest_event_batch, `sliceRows` at a time, in time order (seq),
 * as ONE simple-query message: the whole day's work is on its way to Postgres before this returns a
 * promise, so the caller can prepare the next day meanwhile. databaseMs is measured by Postgres
 * (clock_timestamp() around the slices), not by this process's event loop.
 */
export function ingestStagedEvents(client: pg.ClientBase, companyId: string, rows: number, sliceRows = DEFAULT_INGEST_SLICE_ROWS): Promise<StageIngestResult> {
  if (!UUID.test(companyId)) throw new Error(`not a company id: ${companyId}`);
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(sliceRows) || sliceRows < 1) throw new Error('rows and sliceRows must be whole numbers');
  const slices: string[] = [];
  for (let from = 0; from < rows; from += sliceRows) {
    slices.push(`BEGIN; SELECT cardinality(out_duplicates) AS duplicates, cardinality(out_suppressed) AS suppressed
      FROM ingest_event_batch('${companyId}', (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.seq), '[]'::jsonb)
        FROM ${EVENT_STAGE_TABLE} s WHERE s.seq > ${from} AND s.seq <= ${from + sliceRows}), '[]'::jsonb); COMMIT;`);
  }
  // One transaction per slice, as one collector flush is: each purchase takes an advisory lock until
  // commit (record_storefront_purchases), and a whole day's ~2,000 in one transaction ran the shared
  // lock table out ("out of shared memory") on a busy server.
  const clock = 'SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS ms;';
  const text = `${clock} ${slices.join(' ')} ${clock}`;
  return (client.query(text) as unknown as Promise<pg.QueryResult[] | pg.QueryResult>).then((results) => {
    const list = Array.isArray(results) ? results : [results];
    const started = clockRow.parse(list[0]?.rows[0]).ms;
    const ended = clockRow.parse(list.at(-1)?.rows[0]).ms;
    let duplicates = 0;
    let suppressed = 0;
    // BEGIN and COMMIT answer with a result of their own (no rows): only the slices' SELECTs count
    for (const result of list.slice(1, -1).filter((r) => r.command === 'SELECT')) {
      const slice = sliceRow.parse(result.rows[0]);
      duplicates += slice.duplicates;
      suppressed += slice.suppressed;
    }
    return { rows, inserted: rows - duplicates - suppressed, duplicates, suppressed, slices: slices.length, databaseMs: ended - started };
  });
}

/** The whole path for one set of prepared rows: stage, then ingest. Returns what was stored. */
export async function copyEventBatch(client: pg.ClientBase, companyId: string, rows: readonly RawEventRow[], sliceRows?: number): Promise<StageIngestResult> {
  await stageEvents(client, eventsCsv(companyId, rows));
  return ingestStagedEvents(client, companyId, rows.length, sliceRows);
}
