// Turns one run's measurements into the ratios the targets are about, a table for the terminal and
// the raw-numbers JSON. Ratios only: absolute figures depend on the machine, ratios measured side by
// side in one run mostly do not.
import type { CopyResult } from './copy-load';
import type { Durability } from './bench-database';
import type { LoadResult } from './load';

export type Measured = Omit<LoadResult, 'acknowledgedIds'> & { durability?: Durability };

export type RunResults = {
  bare: Measured;
  collectorSingle: Measured;
  naive: Measured;
  collectorBatch: Measured;
  copy: CopyResult;
};

export type Target = { name: string; measured: number; required: number; unit: '%' | '×'; pass: boolean };

export function evaluateTargets(r: RunResults): Target[] {
  const target = (name: string, measured: number, required: number, unit: Target['unit']): Target => ({
    name,
    measured,
    required,
    unit,
    pass: measured >= required,
  });
  return [
    target('/e req/s vs bare Node http', (100 * r.collectorSingle.okRequestsPerSecond) / r.bare.okRequestsPerSecond, 60, '%'),
    target('/e req/s vs naive INSERT per request', r.collectorSingle.okRequestsPerSecond / r.naive.okRequestsPerSecond, 4, '×'),
    target('/e/batch events/s vs COPY rows/s', (100 * r.collectorBatch.okEventsPerSecond) / r.copy.rowsPerSecond, 50, '%'),
  ];
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function durabilityCell(d: Durability | undefined): string {
  if (!d) return 'n/a (no DB)';
  return `${d.ok ? 'ok' : 'FAILED'}: ${fmt(d.acknowledgedAndStored)}/${fmt(d.acknowledged)} acked stored, ${fmt(d.rows)} rows (+${fmt(d.storedWithoutAnswer)} unanswered)`;
}

/** A Markdown table: readable in a terminal and pasteable into docs/benchmarks.md. */
export function renderTable(r: RunResults, targets: Target[]): string {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const http = (name: string, m: Measured): string =>
    row([name, String(m.connections), fmt(m.okRequestsPerSecond), fmt(m.okEventsPerSecond), fmt(m.latencyMs.p50, 1), fmt(m.latencyMs.p99, 1), fmt(m.non2xx + m.errors), durabilityCell(m.durability)]);
  const copyDurability = `${r.copy.storedRows === r.copy.copiedRows ? 'ok' : 'FAILED'}: ${fmt(r.copy.storedRows)} rows / ${fmt(r.copy.copiedRows)} copied`;
  const lines = [
    row(['scenario', 'conns', '2xx req/s', 'events/s', 'p50 ms', 'p99 ms', 'errors+non-2xx', 'durability (2xx ⇒ committed)']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
    http('bare Node http, POST /e (no DB)', r.bare),
    http('**collector POST /e**', r.collectorSingle),
    http('naive http + INSERT per request', r.naive),
    http(`**collector POST /e/batch** (${r.copy.batchRows}/request)`, r.collectorBatch),
    row([`COPY ${r.copy.batchRows} rows/statement, 1 connection`, '1', fmt(r.copy.batches / r.copy.durationSeconds, 1), fmt(r.copy.rowsPerSecond), fmt(r.copy.batchLatencyMs.p50, 1), fmt(r.copy.batchLatencyMs.p99, 1), '0', copyDurability]),
    '',
    row(['target', 'measured', 'required', 'result']),
    row(['---', '---:', '---:', '---']),
    ...targets.map((t) => row([t.name, `${fmt(t.measured, t.unit === '%' ? 0 : 2)}${t.unit}`, `≥ ${t.required}${t.unit}`, t.pass ? 'PASS' : '**FAIL**'])),
  ];
  return lines.join('\n');
}
