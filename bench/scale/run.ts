// `npm run bench:scale [-- --events 1000000] [--company <id>] [--repeats 5]` (issue 11, partial):
// dashboard query latency at a company's data size, beside a sequential scan of the same company's raw
// events in the same run, and Postgres disk bytes per raw event.
//
// Data: by default the demo company as `npm run demo` left it. With --events N, a new company is created
// and filled with about N generated events (lib/demo/generator.ts, ~2.8 events per session, 90 days)
// through the bulk path (prepareEvent + ingest_event_batch, orders via saveCommerceRecords), then
// ANALYZEd. Sessions, orders and spend follow from the generator's ratios (not the fixed
// 10M/1M/100k). Ad spend and messages are inserted, the 90 days rolled up with rollupCompanyDaySql
// (timed, beside the scan); attribution is not run. Every dashboards/ question runs through runQuestion as lux_app (RLS on), as the
// dashboards page runs it; each --repeats times after one warm-up, p50 and max reported; target ≤ 200 ms.
//
// Settings as scripts/demo.ts finds them (DATABASE_URL, else 127.0.0.1:5432/lux; APP_DATABASE_URL, else
// derived with .lux/secrets.json's app password; IP_HASH_SECRET, else .lux/secrets.json).
// Raw figures: bench/results/scale-latest.raw.json (gitignored).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'slonik';
import { z } from 'zod';
import { deriveAppDatabaseUrl } from '../../lib/config';
import { createCompany } from '../../lib/companies/create-company';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { runQuestion } from '../../lib/dashboards/run-question';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { generateStorefront } from '../../lib/demo/generator';
import { rollupCompanyDaySql } from '../../activities/rollups';
import { insertAdSpend, insertMessages, loadEventsBulk, saveOrdersBulk } from '../../lib/demo/load';

const root = path.resolve(__dirname, '../..');
const dataDir = path.resolve(process.env.LUX_DATA_DIR ?? path.join(root, '.lux'));
const say = (m: string): void => void process.stdout.write(`${m}\n`);

async function secrets(): Promise<{ appDbPassword?: string; ipHashSecret?: string }> {
  const file = path.join(dataDir, 'secrets.json');
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { appDbPassword?: string; ipHashSecret?: string }) : {};
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string' }, company: { type: 'string' }, repeats: { type: 'string', default: '5' }, seed: { type: 'string', default: '11' } } });
  const local = await secrets();
  const ownerUrl = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${process.env.LUX_DATABASE_NAME ?? 'lux'}`;
  const appUrl = process.env.APP_DATABASE_URL ?? deriveAppDatabaseUrl(ownerUrl, local.appDbPassword ?? '');
  const owner = await createDatabasePool(ownerUrl, { maximumPoolSize: 2 });
  const app = await createDatabasePool(appUrl, { maximumPoolSize: 2 });
  const repeats = Number(values.repeats);
  try {
    let companyId = values.company;
    let load: { events: number; seconds: number; eventsPerSecond: number } | undefined;
    let rollup: { days: number; seconds: number } | undefined;
    if (values.events !== undefined) {
      const target = Number(values.events);
      const sessionsPerDay = Math.max(10, Math.round(target / 90 / 2.8));
      const lastDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const created = await createCompany(owner, { name: `Scale bench ${new Date().toISOString()}`, timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' });
      companyId = created.companyId;
      say(`generating ~${target.toLocaleString('en')} events (${sessionsPerDay} sessions a day, 90 days) for company ${companyId}…`);
      const data = generateStorefront({ seed: Number(values.seed), days: 90, lastDay, sessionsPerDay });
      const ipHashSecret = process.env.IP_HASH_SECRET ?? local.ipHashSecret ?? 'scale-bench-ip-hash-secret-0123456789';
      const started = Date.now();
      await loadEventsBulk(owner, companyId, ipHashSecret, data.events, (done, total) => {
        if (done % 100_000 < 2000 || done === total) say(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} events`);
      });
      const seconds = (Date.now() - started) / 1000;
      load = { events: data.events.length, seconds, eventsPerSecond: Math.round(data.events.length / seconds) };
      await saveOrdersBulk(owner, companyId, data.orders, 'https://scale.example');
      const cid = companyId;
      await withTenant(owner, cid, async (tx) => {
        await insertAdSpend(tx, cid, data.spend);
        await insertMessages(tx, cid, data.messages);
      });
      await owner.query(sql.unsafe`ANALYZE`);
      // The 90 company-days rolled up as the rollupCompanyDay activity does (lux_app, one transaction a day).
      say('rolling up 90 days…');
      const rollupStarted = Date.now();
      for (const day of data.days) await rollupCompanyDaySql(app, cid, day, null);
      rollup = { days: data.days.length, seconds: (Date.now() - rollupStarted) / 1000 };
    }
    if (!companyId) {
      companyId = await owner.oneFirst(sql.type(z.object({ company_id: z.string() }))`SELECT company_id FROM companies WHERE settings ->> 'demo' = 'true' ORDER BY created_at LIMIT 1`);
    }
    const id = companyId;
    const sizes = await withTenant(owner, id, (tx) =>
      tx.one(sql.type(z.object({ events: z.number(), sessions: z.number(), orders: z.number(), first: z.string().nullable(), last: z.string().nullable() }))`
        SELECT (SELECT count(*)::int FROM raw_events WHERE company_id = ${id}) AS events,
               (SELECT count(*)::int FROM sessions WHERE company_id = ${id}) AS sessions,
               (SELECT count(*)::int FROM orders WHERE company_id = ${id} AND NOT provisional) AS orders,
               (SELECT min(occurred_at)::date::text FROM raw_events WHERE company_id = ${id}) AS first,
               (SELECT max(occurred_at)::date::text FROM raw_events WHERE company_id = ${id}) AS last`),
    );
    const disk = await owner.one(sql.type(z.object({ bytes: z.number(), rows: z.number() }))`
      SELECT pg_total_relation_size('raw_events')::float8 AS bytes, (SELECT count(*)::float8 FROM raw_events) AS rows`);

    // Baseline: one sequential pass over the company's raw events (what any query must at least beat).
    const scanTimes: number[] = [];
    for (let i = 0; i <= repeats; i += 1) {
      const t = performance.now();
      await withTenant(owner, id, (tx) => tx.query(sql.unsafe`SELECT count(*), sum(length(event_name) + length(coalesce(session_id, ''))) FROM raw_events WHERE company_id = ${id}`));
      if (i > 0) scanTimes.push(performance.now() - t);
    }

    const filters = { date_from: sizes.first ?? undefined, date_to: sizes.last ?? undefined };
    const results: Array<{ question: string; rows: number; p50: number; max: number; ok: boolean }> = [];
    for (const dashboard of loadDashboards()) {
      for (const question of dashboard.questions) {
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i <= repeats; i += 1) {
          const t = performance.now();
          const result = await runQuestion(app, id, question, filters);
          if (i > 0) times.push(performance.now() - t);
          rows = result.rows.length;
        }
        const p50 = percentile(times, 50);
        const max = Math.max(...times);
        results.push({ question: `${dashboard.slug}/${question.slug}`, rows, p50, max, ok: max <= 200 });
      }
    }

    const scanP50 = percentile(scanTimes, 50);
    say('');
    say(`company ${id}: ${sizes.events.toLocaleString('en')} raw events, ${sizes.sessions.toLocaleString('en')} sessions, ${sizes.orders.toLocaleString('en')} orders, ${sizes.first} … ${sizes.last}`);
    if (load) say(`bulk ingest: ${load.events.toLocaleString('en')} events in ${load.seconds.toFixed(1)} s (${load.eventsPerSecond.toLocaleString('en')} events/s)`);
    say(`disk: raw_events ${Math.round(disk.bytes).toLocaleString('en')} bytes for ${disk.rows.toLocaleString('en')} rows (all companies) = ${Math.round(disk.bytes / Math.max(1, disk.rows))} bytes per raw event`);
    say(`baseline: sequential scan of the company's raw events, p50 ${scanP50.toFixed(1)} ms`);
    if (rollup) say(`rollups: ${rollup.days} company-days in ${rollup.seconds.toFixed(1)} s = ${((rollup.seconds * 1000) / scanP50).toFixed(1)}× one scan of all the company's raw events`);
    say('');
    say('| question | rows | p50 ms | max ms | vs scan (p50) | ≤ 200 ms |');
    say('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const r of results) say(`| ${r.question} | ${r.rows} | ${r.p50.toFixed(1)} | ${r.max.toFixed(1)} | ${(r.p50 / scanP50).toFixed(2)}× | ${r.ok ? 'yes' : '**no**'} |`);
    const slow = results.filter((r) => !r.ok);
    say('');
    say(slow.length === 0 ? `all ${results.length} dashboard questions ≤ 200 ms` : `${slow.length} of ${results.length} questions over 200 ms: ${slow.map((r) => r.question).join(', ')}`);
    await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(root, 'bench', 'results', 'scale-latest.raw.json'), JSON.stringify({ at: new Date().toISOString(), companyId: id, sizes, load, rollup, disk, scanTimes, results }, null, 2));
  } finally {
    await app.end();
    await owner.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
