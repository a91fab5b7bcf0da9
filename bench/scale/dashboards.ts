// bench/scale, section 4: every dashboards/ question through runQuestion as lux_app (RLS on), exactly as
// the dashboards page runs it, over the company's whole date range: one warm-up, then `repeats` timed
// runs; p50 and max against the 200 ms target.
import { performance } from 'node:perf_hooks';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { runQuestion, type QuestionFilters } from '../../lib/dashboards/run-question';
import type { DatabasePool } from '../../lib/db/pool';

export const QUESTION_TARGET_MS = 200;

export type QuestionTiming = { question: string; rows: number; p50: number; max: number; ok: boolean };

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function timeDashboards(appPool: DatabasePool, companyId: string, filters: QuestionFilters, repeats: number): Promise<QuestionTiming[]> {
  const results: QuestionTiming[] = [];
  for (const dashboard of loadDashboards()) {
    for (const question of dashboard.questions) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i <= repeats; i += 1) {
        const t = performance.now();
        const result = await runQuestion(appPool, companyId, question, filters);
        if (i > 0) times.push(performance.now() - t);
        rows = result.rows.length;
      }
      const max = Math.max(...times);
      results.push({ question: `${dashboard.slug}/${question.slug}`, rows, p50: percentile(times, 50), max, ok: max <= QUESTION_TARGET_MS });
    }
  }
  return results;
}
