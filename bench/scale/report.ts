// bench/scale: the results as the Markdown docs/benchmarks.md § Scale quotes — each figure beside its
// baseline from the same run — then the per-question table.
import { QUESTION_TARGET_MS } from './dashboards';
import type { ScaleResults } from './run';

const n = (value: number, digits = 0): string => value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (a: number, b: number): string => `${n(a / b, 2)}×`;

export function renderReport(r: ScaleResults): string {
  const lines: string[] = [];
  const row = (measure: string, result: string, baseline: string, vs: string): number => lines.push(`| ${measure} | ${result} | ${baseline} | ${vs} |`);
  lines.push(`Scale benchmark ${r.startedAt} — \`${r.command}\` (commit ${r.commit}${r.database ? `, database ${r.database}` : ''})`);
  if (r.earlier) lines.push(`sections not re-run are carried over from ${r.earlier.startedAt ?? '?'} (\`${r.earlier.command ?? '?'}\`, commit ${r.earlier.commit ?? '?'}; load average ${Object.entries(r.earlier.loadAverage ?? {}).map(([at, l]) => `${at} ${l.join(' ')}`).join('; ')})`);
  lines.push(`machine: ${r.machine.nproc} CPUs (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.machine.postgres}`);
  lines.push(`load average (1/5/15 min): ${Object.entries(r.loadAverage).map(([at, l]) => `${at} ${l.join(' ')}`).join('; ')}`);
  if (r.size) lines.push(`data: ${n(r.size.events)} raw events, ${n(r.size.sessions)} sessions, ${n(r.size.orders)} orders, ${r.size.first} … ${r.size.last}`);
  lines.push('');
  lines.push('| measure | result | baseline (same run) | result ÷ baseline |');
  lines.push('| --- | ---: | ---: | ---: |');
  const i = r.ingest;
  if (i) {
    row('1. ingest, Postgres side: COPY into the stage + ingest_event_batch', `${n(i.bulkPathSeconds, 1)} s = ${n(i.events / i.bulkPathSeconds)} events/s (stage ${n(i.stageCopySeconds, 1)} s + ingest ${n(i.ingestSeconds, 1)} s)`, `plain COPY into an unindexed table: ${n(i.baselineCopySeconds, 1)} s = ${n(i.events / i.baselineCopySeconds)} rows/s`, ratio(i.bulkPathSeconds, i.baselineCopySeconds));
    row('1. ingest, whole load (generate + prepare overlapped with the database)', `${n(i.wallSeconds, 1)} s = ${n(i.events / i.wallSeconds)} events/s (prepare ${n(i.prepareSeconds, 1)} s in Node)`, '', '');
  }
  const a = r.attribution;
  if (a) row('2. attribution backfill (Temporal, real worker)', `${n(a.orders)} orders in ${n(a.seconds, 1)} s = ${n(a.ordersPerSecond)} orders/s (${n(a.touchesWritten)} touches)`, `one read of each order's own-visitor sessions: ${n(a.baseline.seconds, 2)} s = ${n(a.baseline.ordersPerSecond)} orders/s`, ratio(a.seconds, a.baseline.seconds));
  const u = r.rollups;
  if (u) row(`3. rollup backfill (Temporal), ${u.days} days × (core + messages + creatives)`, `${n(u.seconds, 1)} s (${n(u.result.rowsWritten)} rows written)`, `sequential scan of the same ${n(u.scan.rows)} rows: ${n(u.scan.fastestSeconds, 2)} s`, `${n(u.ratio, 1)}×`);
  const questions = r.dashboards ?? [];
  const slowest = [...questions].sort((x, y) => y.max - x.max)[0];
  const within = questions.filter((q) => q.ok).length;
  const scanMs = (r.scanSeconds ?? NaN) * 1000;
  if (slowest) row(`4. dashboard questions ≤ ${QUESTION_TARGET_MS} ms (max of the repeats)`, `${within} of ${questions.length}; slowest ${slowest.question} p50 ${n(slowest.p50, 1)} / max ${n(slowest.max, 1)} ms`, `scan of the company's events: ${n(scanMs, 0)} ms`, ratio(slowest.max, scanMs));
  const f = r.freshness;
  if (f) {
    row('5. freshness: POST /e → 2xx → dailyRollup of today (Temporal) → question counts it', `${n(f.postToVisibleMs)} ms (ack ${f.ackMs}, rollup ${n(f.rollupMs)}, question ${f.questionMs}); visible before the rollup: ${f.visibleBeforeRollup ? 'yes' : 'no'}; after: ${f.visibleAfterRollup ? 'yes' : '**no**'}`, `by schedule: ${f.bySchedule}`, '');
  }
  const d = r.disk;
  if (d) row('6. Postgres disk per raw event (heap + indexes + TOAST)', `${n(d.rawEvents.bytesPerEvent)} B (heap ${n(d.rawEvents.heapBytesPerEvent)} B; ${n(d.rawEvents.totalBytes / 2 ** 20)} MiB for ${n(d.rawEvents.rows)} rows, indexes ${n(d.rawEvents.indexBytes / 2 ** 20)} MiB)`, d.rawJsonBytesPerEvent === null ? '' : `raw JSON of the event: ${n(d.rawJsonBytesPerEvent)} B${d.baselineBytesPerRow === null ? '' : `; unindexed copy: ${n(d.baselineBytesPerRow)} B/row`}`, d.rawJsonBytesPerEvent === null ? '' : ratio(d.rawEvents.bytesPerEvent, d.rawJsonBytesPerEvent));
  for (const s of r.rss ?? []) {
    if (s.server === 'collector') continue;
    const c = (r.rss ?? []).find((x) => x.server === 'collector');
    if (c) row('7. collector RSS under load (POST /e, same load)', `rest ${n(c.restMiB, 1)} MiB, peak ${n(c.peakMiB, 1)}, steady ${n(c.steadyMiB, 1)} MiB at ${n(c.requestsPerSecond)} req/s (${n(c.non2xx)} non-2xx)`, `bare Node http: rest ${n(s.restMiB, 1)}, peak ${n(s.peakMiB, 1)}, steady ${n(s.steadyMiB, 1)} MiB at ${n(s.requestsPerSecond)} req/s`, `${ratio(c.peakMiB, s.peakMiB)} peak`);
  }
  lines.push('');
  lines.push('| question | rows | p50 ms | max ms | max ÷ scan | ≤ 200 ms |');
  lines.push('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const q of questions) lines.push(`| ${q.question} | ${q.rows} | ${n(q.p50, 1)} | ${n(q.max, 1)} | ${n(q.max / scanMs, 3)} | ${q.ok ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}
