// bench/scale, section 1: a generated history loaded through the COPY bulk path (lib/demo/copy-events.ts:
// COPY into the stage, then ingest_event_batch), beside the baseline — a plain COPY of the same CSV into
// an unindexed copy of raw_events (no keys, no triggers, no sessions) — day by day, in one run.
//
// Per day: the generator and prepareDemoEvents build the day (this process, one core) while Postgres is
// still ingesting the day before (the other core); then the baseline COPY and the stage COPY run with
// nothing else in the database, and the day's ingest is sent. Ad spend and messages of the day are
// inserted as the imports/webhooks would store them (not timed: they are not raw events).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { copyEventsCsv, eventsCsv, ingestStagedEvents, stageEvents, type StageIngestResult } from '../../lib/demo/copy-events';
import { generateStorefrontDays, type GeneratorOptions } from '../../lib/demo/generator';
import { insertAdSpend, insertMessages, prepareDemoEvents } from '../../lib/demo/load';

export const BASELINE_TABLE = 'scale_copy_baseline';

export type IngestReport = {
  days: number;
  events: number;
  sessions: number;
  orders: number;
  /** UTF-8 bytes of the events as a client would POST them (JSON, one object each, without the batch wrapper). */
  rawJsonBytes: number;
  /** Generator + prepareDemoEvents + CSV, in this process (overlaps the database's ingest of the day before). */
  prepareSeconds: number;
  baselineCopySeconds: number;
  stageCopySeconds: number;
  ingestSeconds: number;
  /** stage COPY + ingest: what the bulk path costs Postgres, against baselineCopySeconds. */
  bulkPathSeconds: number;
  /** First generated day to the last day's commit, everything included. */
  wallSeconds: number;
  inserted: number;
  duplicates: number;
};

export type IngestOptions = {
  ownerUrl: string;
  ownerPool: DatabasePool;
  companyId: string;
  ipHashSecret: string;
  generator: GeneratorOptions;
  log: (message: string) => void;
};

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function loadHistoryByCopy(options: IngestOptions): Promise<IngestReport> {
  const { companyId } = options;
  const stage = await connect(options.ownerUrl);
  const baseline = await connect(options.ownerUrl);
  const report: IngestReport = {
    days: 0, events: 0, sessions: 0, orders: 0, rawJsonBytes: 0, prepareSeconds: 0, baselineCopySeconds: 0,
    stageCopySeconds: 0, ingestSeconds: 0, bulkPathSeconds: 0, wallSeconds: 0, inserted: 0, duplicates: 0,
  };
  const settle = (result: StageIngestResult): void => {
    report.ingestSeconds += result.databaseMs / 1000;
    report.inserted += result.inserted;
    report.duplicates += result.duplicates + result.suppressed;
  };
  try {
    await baseline.query(`DROP TABLE IF EXISTS ${BASELINE_TABLE}`);
    // LIKE copies columns, NOT NULL and defaults only: no primary key, no index, no trigger, no RLS.
    await baseline.query(`CREATE TABLE ${BASELINE_TABLE} (LIKE raw_events INCLUDING DEFAULTS)`);
    const started = performance.now();
    let pending: Promise<StageIngestResult> | undefined;
    for (const day of generateStorefrontDays(options.generator)) {
      const t0 = performance.now();
      const rows = prepareDemoEvents(day.events, options.ipHashSecret);
      const csv = eventsCsv(companyId, rows);
      for (const { userAgent: _ua, ...payload } of day.events) report.rawJsonBytes += Buffer.byteLength(JSON.stringify(payload));
      report.prepareSeconds += (performance.now() - t0) / 1000;
      if (pending) settle(await pending);

      const t1 = performance.now();
      await copyEventsCsv(baseline, BASELINE_TABLE, csv);
      const t2 = performance.now();
      await stageEvents(stage, csv);
      const t3 = performance.now();
      report.baselineCopySeconds += (t2 - t1) / 1000;
      report.stageCopySeconds += (t3 - t2) / 1000;
      pending = ingestStagedEvents(stage, companyId, rows.length);

      await withTenant(options.ownerPool, companyId, async (tx) => {
        await insertAdSpend(tx, companyId, day.spend);
        await insertMessages(tx, companyId, day.messages);
      });
      report.days += 1;
      report.events += day.events.length;
      report.sessions += day.sessions.length;
      report.orders += day.orders.length;
      if (report.days % 10 === 0) options.log(`  ${report.days} days, ${report.events.toLocaleString('en')} events (${Math.round(report.events / ((performance.now() - started) / 1000)).toLocaleString('en')} events/s so far)`);
    }
    if (pending) settle(await pending);
    report.wallSeconds = (performance.now() - started) / 1000;
    report.bulkPathSeconds = report.stageCopySeconds + report.ingestSeconds;
    return report;
  } finally {
    await stage.end();
    await baseline.end();
  }
}
