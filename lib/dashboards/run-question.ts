// Runs one dashboards/ SQL file for one company, the way the built-in page and the tests do: as the
// app role (lux_app) inside withTenant (RLS limits every table to the company), read-only, with a
// statement timeout, and the {{variables}} bound as parameters by renderTemplate (never spliced).
// company_id always comes from the caller (the authenticated key), never from request input.
import { sql, type DatabasePool } from 'slonik';
import { withTenant } from '../db/tenant';
import type { Question } from './catalog';
import { renderTemplate, type TemplateValue } from './sql-template';

export type QuestionFilters = { date_from?: string; date_to?: string; channel?: string };
export type Cell = string | number | boolean | null;
export type QuestionResult = { columns: string[]; rows: Cell[][] };

const STATEMENT_TIMEOUT = '15s';

function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** The rendered query as a slonik token: the rendered pieces are the template strings, the values its bindings. */
export function toToken(pieces: string[], values: ReadonlyArray<string | number | boolean>) {
  const strings = Object.freeze(Object.assign([...pieces], { raw: Object.freeze([...pieces]) })) as unknown as TemplateStringsArray;
  // sql.unsafe is the one way to run text that is not a literal template here; the text is a checked-in
  // dashboards/ file and every value is a bind parameter (lib/dashboards/sql-template.ts).
  return sql.unsafe(strings, ...values);
}

export async function runQuestion(pool: DatabasePool, companyId: string, question: Question, filters: QuestionFilters = {}): Promise<QuestionResult> {
  const variables: Record<string, TemplateValue> = { date_from: filters.date_from, date_to: filters.date_to, channel: filters.channel, company_id: companyId };
  const rendered = renderTemplate(question.sql, variables);
  return withTenant(pool, companyId, async (tx) => {
    await tx.query(sql.unsafe`SET TRANSACTION READ ONLY`);
    await tx.query(sql.unsafe`SELECT set_config('statement_timeout', ${STATEMENT_TIMEOUT}, true)`);
    const result = await tx.query(toToken(rendered.pieces, rendered.values));
    const columns = result.fields.map((f) => f.name);
    return { columns, rows: result.rows.map((row) => columns.map((c) => cell((row as Record<string, unknown>)[c]))) };
  });
}
