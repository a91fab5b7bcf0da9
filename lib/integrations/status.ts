// Per company, each known integration: configured or not, last successful sync, last error, rows imported,
// the metrics it unlocks and those that stay empty without it (the view v_integration_status, migration 0010).
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool';
import { withTenant } from '../db/tenant';

const statusRow = z.object({
  integration: z.string(),
  kind: z.string(),
  configured: z.boolean(),
  last_successful_sync: z.number().nullable(),
  last_error: z.string().nullable(),
  rows_imported: z.coerce.number(),
  conversions_sent: z.coerce.number(),
  metrics_unlocked: z.array(z.string()),
  metrics_missing: z.array(z.string()),
});
export type IntegrationStatus = z.infer<typeof statusRow>;

export async function getIntegrationStatus(pool: DatabasePool, companyId: string): Promise<IntegrationStatus[]> {
  return [
    ...(await withTenant(pool, companyId, (tx) =>
      tx.any(sql.type(statusRow)`
        SELECT integration, kind, configured, last_successful_sync, last_error, rows_imported, conversions_sent, metrics_unlocked, metrics_missing
        FROM v_integration_status WHERE company_id = ${companyId} ORDER BY configured DESC, kind, integration`),
    )),
  ];
}

/** A plain-text table for the CLI. */
export function formatIntegrationStatus(rows: IntegrationStatus[]): string {
  const table = rows.map((r) => [
    r.integration,
    r.configured ? 'yes' : 'no',
    r.last_successful_sync === null ? '-' : new Date(r.last_successful_sync).toISOString(),
    String(r.rows_imported),
    (r.last_error ?? '-').slice(0, 60),
    r.configured ? r.metrics_unlocked.join(', ') : r.metrics_missing.length > 0 ? `missing: ${r.metrics_missing.join(', ')}` : '(covered by other integrations)',
  ]);
  const header = ['integration', 'configured', 'last successful sync', 'rows', 'last error', 'metrics'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n');
}
