// The dashboards/ folder as data: one folder per dashboard, one Metabase-compatible SQL file per
// question, each opening with a header of `-- key: value` comment lines:
//   -- title: Revenue, orders and spend per day           (required)
//   -- visualization: table | line | bar | scalar          (required; Metabase's display)
//   -- chart: line x=day y=revenue,spend [series=col] [stacked]   (optional: what a chart plots)
//   -- description: …                                      (required)
//   -- variables: company_id (required), date_from, …      (for people; the SQL itself is the truth)
//   -- reads: agg_daily_revenue, …                         (the tables and views it reads)
// Read by the built-in page (collector/routes/dashboards.ts), the Metabase provisioning script and the
// tests, so the three can never disagree about what a dashboard holds.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { templateVariables } from './sql-template';

export const DASHBOARDS_DIR = path.resolve(__dirname, '../../dashboards');

/** The eight dashboards, in menu order, with their questions in display order. */
export const DASHBOARDS = [
  { slug: 'executive', title: 'Executive KPIs', description: 'Revenue, orders, AOV, CAC, ROAS, MER and new vs returning customers, against the previous period.', questions: ['kpis', 'revenue_daily', 'new_vs_returning'] },
  { slug: 'funnel', title: 'Funnel', description: 'Sessions through page view → add to cart → checkout → purchase, conversion, drop-off and time to conversion.', questions: ['steps', 'time_to_conversion'] },
  { slug: 'acquisition', title: 'Acquisition & quality', description: 'Sessions, qualified session rate, revenue and ROAS by channel and campaign; organic search and social per day.', questions: ['sessions_daily', 'by_channel', 'by_campaign', 'organic_daily'] },
  { slug: 'retention', title: 'Retention & cohorts', description: 'Repeat purchase rate and LTV curves by first-order month.', questions: ['repeat_purchase', 'ltv_curves'] },
  { slug: 'email_sms', title: 'Email / SMS', description: 'Delivery, open and click rates, revenue per send, unsubscribe and complaint rates.', questions: ['by_channel', 'by_campaign'] },
  { slug: 'creatives', title: 'Creative performance', description: 'CTR by creative and concept angle, decay over time and fatigue flags.', questions: ['by_creative', 'by_concept_angle', 'ctr_decay'] },
  { slug: 'attribution', title: 'Attribution paths', description: 'Top first → last touch channel paths, path lengths, first vs last touch revenue by channel.', questions: ['top_paths', 'path_lengths', 'first_vs_last_touch'] },
  { slug: 'ops_velocity', title: 'Ops velocity', description: 'Experiments launched per month, median days to decision and win rate.', questions: ['summary', 'by_month', 'experiments'] },
] as const;

export type Visualization = 'table' | 'line' | 'bar' | 'scalar';
export type ChartSpec = { type: 'line' | 'bar'; x: string; y: string[]; series?: string; stacked: boolean };

export type Question = {
  dashboard: string;
  slug: string;
  /** dashboards/<dashboard>/<slug>.sql, relative to the repository */
  file: string;
  title: string;
  visualization: Visualization;
  description: string;
  chart?: ChartSpec;
  reads: string[];
  variables: Array<{ name: string; required: boolean }>;
  sql: string;
};

export type Dashboard = { slug: string; title: string; description: string; questions: Question[] };

const VISUALIZATIONS = new Set<Visualization>(['table', 'line', 'bar', 'scalar']);

function parseChart(value: string, file: string): ChartSpec {
  const [type, ...rest] = value.trim().split(/\s+/);
  if (type !== 'line' && type !== 'bar') throw new Error(`${file}: chart type must be line or bar, got ${JSON.stringify(type)}`);
  const options = new Map(rest.filter((r) => r.includes('=')).map((r) => r.split('=', 2) as [string, string]));
  const x = options.get('x');
  const y = options.get('y')?.split(',').filter(Boolean) ?? [];
  if (!x || y.length === 0) throw new Error(`${file}: chart needs x=<column> and y=<column>[,<column>]`);
  return { type, x, y, series: options.get('series'), stacked: rest.includes('stacked') };
}

export function parseQuestion(dashboard: string, slug: string, sqlText: string): Question {
  const file = `dashboards/${dashboard}/${slug}.sql`;
  const header = new Map<string, string>();
  for (const line of sqlText.split('\n')) {
    const match = /^--\s*([a-z]+):\s*(.*)$/.exec(line);
    if (!match) break;
    header.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  const title = header.get('title');
  const visualization = header.get('visualization') as Visualization | undefined;
  const description = header.get('description');
  if (!title || !description) throw new Error(`${file}: the header needs "-- title:" and "-- description:" lines`);
  if (!visualization || !VISUALIZATIONS.has(visualization)) throw new Error(`${file}: "-- visualization:" must be one of ${[...VISUALIZATIONS].join(', ')}`);
  const chartValue = header.get('chart');
  return {
    dashboard,
    slug,
    file,
    title,
    visualization,
    description,
    chart: chartValue ? parseChart(chartValue, file) : undefined,
    reads: (header.get('reads') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    variables: templateVariables(sqlText),
    sql: sqlText,
  };
}

/** Every dashboard with its questions, read from disk (listed order first, then any other file by name). */
export function loadDashboards(dir = DASHBOARDS_DIR): Dashboard[] {
  return DASHBOARDS.map((d) => {
    const files = readdirSync(path.join(dir, d.slug)).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
    const listed: readonly string[] = d.questions;
    const ordered = [...listed.filter((q) => files.includes(q)), ...files.filter((f) => !listed.includes(f)).sort()];
    return {
      slug: d.slug,
      title: d.title,
      description: d.description,
      questions: ordered.map((q) => parseQuestion(d.slug, q, readFileSync(path.join(dir, d.slug, `${q}.sql`), 'utf8'))),
    };
  });
}
