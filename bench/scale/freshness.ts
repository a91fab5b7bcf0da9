// bench/scale, section 5: event-to-dashboard freshness. How today's data reaches a dashboard: every
// dashboards/ question reads the agg_daily_* rollups (none reads raw_events or sessions live), and the
// scheduled dailyRollup recomputes the 3 days *before* today at 04:15 company time. So by schedule an
// event is on the dashboards the morning after its day (04:15 local of the next day: 4 h 15 min to
// 28 h 15 min after it happened). What is measured here is the mechanical path: a page view POSTed to
// the real collector (collector/server.ts in its own process) → 2xx (committed) → a dailyRollup workflow
// for today through Temporal (as `lux rollup` starts one) → the acquisition/sessions_daily question
// (runQuestion as lux_app) counts one session more for today.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { runQuestion } from '../../lib/dashboards/run-question';
import type { DatabasePool } from '../../lib/db/pool';
import { spawnCollectorProcess } from '../../test/support/collector-process';
import { startDailyRollupWorkflow } from '../../workers/start-rollups';
import { BROWSER_USER_AGENT } from '../collector/payloads';
import type { BenchTemporal } from './temporal';

export type FreshnessReport = {
  day: string;
  ackMs: number;
  visibleBeforeRollup: boolean;
  rollupMs: number;
  questionMs: number;
  visibleAfterRollup: boolean;
  postToVisibleMs: number;
  sessionsBefore: number;
  sessionsAfter: number;
  bySchedule: string;
};

export const localDay = (timeZone: string, at = new Date()): string => new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);

export async function measureFreshness(options: {
  temporal: BenchTemporal;
  appPool: DatabasePool;
  ownerUrl: string;
  appUrl: string;
  ipHashSecret: string;
  companyId: string;
  siteKey: string;
  timeZone: string;
}): Promise<FreshnessReport> {
  const question = loadDashboards().flatMap((d) => d.questions).find((q) => q.slug === 'sessions_daily');
  if (!question) throw new Error('dashboards/acquisition/sessions_daily.sql is missing');
  const day = localDay(options.timeZone);
  const sessionsToday = async (): Promise<number> => {
    const result = await runQuestion(options.appPool, options.companyId, question, { date_from: day, date_to: day });
    const column = result.columns.indexOf('sessions');
    return result.rows.reduce((n, row) => n + Number(row[column] ?? 0), 0);
  };
  const before = await sessionsToday();
  const collector = await spawnCollectorProcess({ ownerUrl: options.ownerUrl, appUrl: options.appUrl, ipHashSecret: options.ipHashSecret });
  try {
    const event = { event_id: randomUUID(), event_name: 'page_view', visitor_id: `fresh-${randomUUID()}`, session_id: `fresh-${randomUUID()}`, page_url: 'https://shop.example.com/?utm_source=freshness&utm_medium=bench', consent: { analytics: true, marketing: true } };
    const t0 = performance.now();
    const response = await fetch(`${collector.url}/e`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_USER_AGENT, 'x-lux-site-key': options.siteKey }, body: JSON.stringify(event) });
    if (!response.ok) throw new Error(`POST /e answered ${response.status}: ${await response.text()}`);
    const t1 = performance.now();
    const visibleBeforeRollup = (await sessionsToday()) > before;
    const t2 = performance.now();
    await (await startDailyRollupWorkflow(options.temporal.client, { companyId: options.companyId, days: [day] }, options.temporal.taskQueue)).result();
    const t3 = performance.now();
    const after = await sessionsToday();
    const t4 = performance.now();
    return {
      day,
      ackMs: Math.round(t1 - t0),
      visibleBeforeRollup,
      rollupMs: Math.round(t3 - t2),
      questionMs: Math.round(t4 - t3),
      visibleAfterRollup: after === before + 1,
      // the check before the rollup is not part of the path
      postToVisibleMs: Math.round(t1 - t0 + (t4 - t2)),
      sessionsBefore: before,
      sessionsAfter: after,
      bySchedule: 'dailyRollup at 04:15 company time recomputes the 3 days before today: an event is on the dashboards 4 h 15 min to 28 h 15 min after it happened',
    };
  } finally {
    await collector.stop();
  }
}
