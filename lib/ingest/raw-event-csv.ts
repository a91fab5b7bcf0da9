// raw_events rows as COPY … (FORMAT csv) input: the collector's prepared rows (prepareEvent), one CSV
// line each, for the bulk paths (lib/demo/copy-events.ts; bench/collector's COPY ceiling). Pure.
import type { RawEventRow } from './prepare-event';

/** The raw_events columns a prepared row fills, in COPY order. */
export const RAW_EVENT_COPY_COLUMNS = [
  'company_id', 'event_id', 'event_name', 'occurred_at', 'client_occurred_at', 'received_at', 'source',
  'visitor_id', 'session_id', 'user_id', 'page_url', 'referrer', 'properties', 'consent', 'context',
  'ip_hash', 'email_hash', 'gpc', 'forwardable', 'creative_id', 'concept_angle',
] as const;

/** `COPY <table> (columns) FROM STDIN WITH (FORMAT csv)`; `table` is a trusted identifier (never input). */
export const copyRawEventsSql = (table: string): string => `COPY ${table} (${RAW_EVENT_COPY_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;

/** CSV: NULL is an unquoted empty field, everything else is quoted (quotes doubled); objects as JSON. */
export function csvField(value: string | number | boolean | object | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** One CSV line (with its newline) for a prepared row of the company. */
export function rawEventCsvLine(companyId: string, row: RawEventRow): string {
  let line = csvField(companyId);
  for (let i = 1; i < RAW_EVENT_COPY_COLUMNS.length; i += 1) line += `,${csvField(row[RAW_EVENT_COPY_COLUMNS[i] as Exclude<(typeof RAW_EVENT_COPY_COLUMNS)[number], 'company_id'>])}`;
  return `${line}\n`;
}
