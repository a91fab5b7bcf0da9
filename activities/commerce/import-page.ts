// Activities of an import run: begin (or resume) a run, then read one page at a time. The cursor lives in
// import_cursors and is written in the same transaction as the page's rows, so a worker killed at any
// point resumes after the last page that was stored, never before it (no duplicates: upserts) and never
// after it (no gaps).
import { Context } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import { importStreamFor } from '../../integrations/registry';
import { isImportSource } from '../../lib/commerce/import-streams';
import type { CommerceRecord } from '../../lib/commerce/records';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import { parseCredentialsKey } from '../../lib/credentials/cipher';
import { loadIntegrationCredentials } from '../../lib/credentials/store';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { INTEGRATIONS } from '../../integrations/registry';
import { parseActivityInput } from '../support/parse-input';
import { toActivityFailure } from '../support/vendor-failures';
import { addCounts, emptyCounts, saveCommerceRecords, saveRejectedRow } from './save-records';

export type ImportDeps = { appPool: DatabasePool; logger: Logger; credentialsKey?: CredentialsKey };

const streamRef = z.object({
  companyId: z.string().uuid(),
  source: z.string().refine(isImportSource, 'expected a vendor with imports (lib/commerce/import-streams.ts)'),
  stream: z.string().min(1).max(50),
});

export const beginImportRunInput = streamRef.extend({
  /** ISO 8601: backfill from here, ignoring any stored cursor. null: continue incrementally. */
  since: z.string().datetime({ offset: true }).nullable(),
});

export type ImportRunState = { resumed: boolean; pages: number; rowsRead: number; rowsStored: number; rowsRejected: number; runStartedAt: string };
export type ImportPageResult = ImportRunState & { done: boolean; pageRows: number; totalRows: number | null };

const cursorRow = z.object({
  cursor: z.unknown(),
  state: z.enum(['running', 'completed']),
  run_started_at: z.number(),
  pages: z.number(),
  rows_read: z.coerce.number(),
  rows_stored: z.coerce.number(),
  rows_rejected: z.coerce.number(),
});

function runState(row: z.infer<typeof cursorRow>, resumed: boolean): ImportRunState {
  return { resumed, pages: row.pages, rowsRead: row.rows_read, rowsStored: row.rows_stored, rowsRejected: row.rows_rejected, runStartedAt: new Date(row.run_started_at).toISOString() };
}

function requireKey(deps: ImportDeps): CredentialsKey {
  return deps.credentialsKey ?? parseCredentialsKey(undefined); // throws the message naming LUX_CREDENTIALS_KEY
}

async function loadStream(deps: ImportDeps, ref: z.infer<typeof streamRef>) {
  if (!isImportSource(ref.source)) throw new Error(`not an import source: ${String(ref.source)}`);
  const credentials: unknown = await loadIntegrationCredentials(deps.appPool, requireKey(deps), ref.companyId, ref.source, INTEGRATIONS[ref.source].credentialsSchema);
  return importStreamFor(ref.source, ref.stream, credentials);
}

/**
 * Starts a run: a stored run that did not finish is resumed where it stopped; a finished one restarts
 * from its incremental cursor; `since` forces a backfill from that time.
 */
export async function beginImportRun(deps: ImportDeps, rawInput: unknown): Promise<ImportRunState> {
  const input = parseActivityInput(beginImportRunInput, rawInput);
  try {
    const stream = await loadStream(deps, input);
    return await withTenant(deps.appPool, input.companyId, async (tx) => {
      const existing = await tx.maybeOne(sql.type(cursorRow)`
        SELECT cursor, state, run_started_at, pages, rows_read, rows_stored, rows_rejected FROM import_cursors
        WHERE company_id = ${input.companyId} AND source = ${input.source} AND stream = ${input.stream} FOR UPDATE`);
      if (existing && existing.state === 'running' && input.since === null) return runState(existing, true);
      const cursor = input.since !== null || !existing ? stream.initialCursor(input.since) : stream.restartCursor(existing.cursor);
      const row = await tx.one(sql.type(cursorRow)`
        INSERT INTO import_cursors (company_id, source, stream, cursor, state, run_started_at)
        VALUES (${input.companyId}, ${input.source}, ${input.stream}, ${JSON.stringify(cursor)}::jsonb, 'running', now())
        ON CONFLICT (company_id, source, stream) DO UPDATE SET cursor = EXCLUDED.cursor, state = 'running', run_started_at = now(),
          pages = 0, rows_read = 0, rows_stored = 0, rows_rejected = 0, updated_at = now()
        RETURNING cursor, state, run_started_at, pages, rows_read, rows_stored, rows_rejected`);
      deps.logger.info({ company_id: input.companyId, source: input.source, stream: input.stream, since: input.since }, 'import run started');
      return runState(row, false);
    });
  } catch (error) {
    throw toActivityFailure(error);
  }
}

/**
 * Reads the page at the stored cursor, stores its rows (rejected rows recorded with their reason) and
 * advances the cursor, all in one transaction. The vendor call happens outside the transaction so a
 * slow API does not hold a connection and row locks open.
 */
export async function importNextPage(deps: ImportDeps, rawInput: unknown): Promise<ImportPageResult> {
  const input = parseActivityInput(streamRef, rawInput);
  const log = { company_id: input.companyId, source: input.source, stream: input.stream };
  try {
    const stream = await loadStream(deps, input);
    const before = await withTenant(deps.appPool, input.companyId, (tx) =>
      tx.maybeOne(sql.type(cursorRow)`
        SELECT cursor, state, run_started_at, pages, rows_read, rows_stored, rows_rejected FROM import_cursors
        WHERE company_id = ${input.companyId} AND source = ${input.source} AND stream = ${input.stream}`),
    );
    if (!before) throw new Error(`no import run for ${input.source}/${input.stream}: call beginImportRun first`);
    if (before.state === 'completed') return { ...runState(before, true), done: true, pageRows: 0, totalRows: null };

    Context.current().heartbeat({ cursor: before.cursor, pages: before.pages });
    const page = await stream.fetchPage(before.cursor);
    Context.current().heartbeat({ cursor: page.cursor, fetched: page.rows.length });

    let counts = emptyCounts();
    let rejected = 0;
    const after = await withTenant(deps.appPool, input.companyId, async (tx) => {
      // The cursor must not have moved since we read it (two runs of one stream at once would both store
      // the page; workflow ids prevent that, this makes it impossible).
      const locked = await tx.oneFirst(sql.type(z.object({ cursor: z.unknown() }))`
        SELECT cursor FROM import_cursors WHERE company_id = ${input.companyId} AND source = ${input.source} AND stream = ${input.stream} FOR UPDATE`);
      if (JSON.stringify(locked) !== JSON.stringify(before.cursor)) throw new Error('the import cursor moved while this page was read (a concurrent run?); retrying');
      // One save for the page's records (in row order), so bulk kinds (ad spend) are one statement.
      const records: CommerceRecord[] = [];
      for (const row of page.rows) {
        const normalised = stream.normalise(row);
        if (normalised.ok) records.push(...normalised.records);
        else {
          rejected += 1;
          await saveRejectedRow(tx, input.companyId, { source: input.source, stream: input.stream, webhookId: null }, normalised.rejected);
        }
      }
      counts = addCounts(counts, await saveCommerceRecords(tx, input.companyId, records));
      return tx.one(sql.type(cursorRow)`
        UPDATE import_cursors SET cursor = ${JSON.stringify(page.cursor)}::jsonb,
          state = ${page.done ? 'completed' : 'running'}, pages = pages + 1, rows_read = rows_read + ${page.rows.length},
          rows_stored = rows_stored + ${page.rows.length - rejected}, rows_rejected = rows_rejected + ${rejected},
          last_completed_at = CASE WHEN ${page.done} THEN now() ELSE last_completed_at END, updated_at = now()
        WHERE company_id = ${input.companyId} AND source = ${input.source} AND stream = ${input.stream}
        RETURNING cursor, state, run_started_at, pages, rows_read, rows_stored, rows_rejected`);
    });
    if (rejected > 0) deps.logger.warn({ ...log, rejected }, 'import page had rows that could not be normalised (see rejected_rows)');
    deps.logger.info({ ...log, page: after.pages, rows: page.rows.length, counts, done: page.done }, 'import page stored');
    return { ...runState(after, false), done: page.done, pageRows: page.rows.length, totalRows: page.totalRows };
  } catch (error) {
    deps.logger.warn({ ...log, err: error }, 'import page failed');
    throw toActivityFailure(error);
  }
}
