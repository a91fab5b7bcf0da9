// Every dashboards/ SQL file, executed against the hand-worked fixture (test/support/dashboards-fixture.ts)
// as lux_app under RLS, with its numbers checked against the expectations below (each worked out by
// hand from the fixture rows; the comment says how). The files are enumerated from disk, so a new SQL
// file without an expectation here fails the test. The experiments are recorded through
// POST /admin/experiments (and one decided through its decision endpoint), so that path is tested too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDashboards, DASHBOARDS_DIR, type Question } from '../../lib/dashboards/catalog';
import { runQuestion, toToken, type QuestionFilters } from '../../lib/dashboards/run-question';
import { renderTemplate } from '../../lib/dashboards/sql-template';
import { postJson, startTestCollector } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { EXPERIMENTS, RANGE, seedDashboardsFixture, seedOtherCompany } from '../support/dashboards-fixture';
import { createTestCompany } from '../support/fixtures';

type Row = Array<string | number | null>;
type Expectation = { filters?: QuestionFilters; columns: string[]; rows: Row[] };
const WIDE = { date_from: '2025-01-01', date_to: '2025-03-31' };

const EXPECTED: Record<string, Expectation> = {
  // revenue: agg_daily_revenue reporting amounts 40000 + 18000 (GBP has no rate) = 580.00; previous (01-29 … 02-28) 200.00.
  // orders 4 + 2 + 1 = 7; AOV over converted orders 58000 / 6; spend 12000 + 8000; CAC 20000 / 5 new customers;
  // paid ROAS (30000 + 10000) / 20000; MER 58000 / 20000; returning orders 7 - 5.
  'executive/kpis': {
    columns: ['metric', 'current', 'previous', 'change'],
    rows: [
      ['Revenue', 580, 200, 1.9],
      ['Orders', 7, 2, 2.5],
      ['AOV', 96.67, 100, -0.0333],
      ['Ad spend', 200, 100, 1],
      ['CAC (blended)', 40, 50, -0.2],
      ['ROAS (paid, last touch)', 2, 2, 0],
      ['MER', 2.9, 2, 0.45],
      ['New customers', 5, 2, 1.5],
      ['Returning-customer orders', 2, 0, null],
    ],
  },
  'executive/revenue_daily': {
    columns: ['day', 'orders', 'revenue', 'spend', 'orders_without_fx_rate'],
    rows: [
      ['2025-03-10', 4, 400, 120, 0],
      ['2025-03-11', 3, 180, 80, 1],
    ],
  },
  'executive/new_vs_returning': {
    columns: ['day', 'new_customer_orders', 'returning_customer_orders', 'returning_share'],
    rows: [
      ['2025-03-10', 3, 1, 0.25],
      ['2025-03-11', 2, 1, 0.3333],
    ],
  },
  // steps summed over 03-10 and 03-11: 150, 40, 20, 8
  'funnel/steps': {
    columns: ['step', 'sessions', 'conversion_from_previous', 'conversion_from_first', 'drop_off'],
    rows: [
      ['page_view', 150, null, 1, null],
      ['add_to_cart', 40, 0.2667, 0.2667, 110],
      ['begin_checkout', 20, 0.5, 0.1333, 20],
      ['purchase', 8, 0.4, 0.0533, 12],
    ],
  },
  // < 1 hour: 2 orders / 3000 s + 1 order / 600 s → 3 orders, 3600 s → 0.33 h on average
  'funnel/time_to_conversion': {
    columns: ['time_to_conversion', 'orders', 'share', 'average_hours'],
    rows: [
      ['no first touch', 1, 0.2, null],
      ['< 1 hour', 3, 0.6, 0.33],
      ['1 - 3 days', 1, 0.2, 48],
    ],
  },
  'acquisition/sessions_daily': {
    columns: ['day', 'sessions', 'qualified_sessions', 'qualified_session_rate'],
    rows: [
      ['2025-03-10', 100, 40, 0.4],
      ['2025-03-11', 50, 20, 0.4],
    ],
  },
  // ROAS = last-touch revenue / spend; CAC = spend / first-touch new customers (none without spend)
  'acquisition/by_channel': {
    columns: ['channel', 'sessions', 'qualified_session_rate', 'orders', 'revenue', 'spend', 'roas', 'cac'],
    rows: [
      ['Paid Search', 40, 0.5, 3, 300, 120, 2.5, 60],
      ['Paid Social', 50, 0.4, 2, 100, 80, 1.25, 80],
      ['Email', 30, 0.5, 1, 100, 0, null, null],
      ['(unattributed)', 0, null, 1, 80, 0, null, null],
      ['Direct', 30, 0.1667, 0, 0, 0, null, null],
    ],
  },
  'acquisition/by_campaign': {
    columns: ['channel', 'source_medium', 'campaign', 'sessions', 'qualified_sessions', 'orders', 'revenue', 'spend', 'clicks', 'roas'],
    rows: [
      ['Paid Search', 'google / cpc', 'brand', 40, 20, 3, 300, 120, 400, 2.5],
      ['Paid Social', 'facebook / paid_social', 'spring', 50, 20, 2, 100, 80, 300, 1.25],
      ['Email', 'newsletter / email', 'march', 30, 15, 1, 100, 0, 0, null],
      ['(unattributed)', '(none) / (none)', '(not set)', 0, 0, 1, 80, 0, 0, null],
      ['Direct', '(direct) / (none)', '(not set)', 30, 5, 0, 0, 0, 0, null],
    ],
  },
  // search: 03-10 clicks 30 + 10 over impressions 600 + 400 (the AI_OVERVIEW appearance row is another grain, not added),
  // position (2 × 600 + 7 × 400) / 1000 = 4; 03-11 5 / 100 at 4. Social 03-10: Facebook + Instagram; 03-11: X (no reach).
  'acquisition/organic_daily': {
    columns: ['day', 'search_clicks', 'search_impressions', 'search_ctr', 'search_position', 'top_query', 'social_reach', 'social_impressions', 'social_engagements', 'follower_change'],
    rows: [
      ['2025-03-10', 40, 1000, 0.04, 4, 'running shoes', 1100, 2400, 165, 52],
      ['2025-03-11', 5, 100, 0.05, 4, 'shoe sale', 0, 2000, 60, 0],
    ],
  },
  // January cohort: 2 customers, 10000 + 6000 (day 36) + 4000 (day 74); February: 2 customers, 20000 + 5000 (day 29)
  'retention/repeat_purchase': {
    filters: WIDE,
    columns: ['cohort_month', 'customers', 'repeat_customers', 'repeat_purchase_rate', 'ltv_to_date', 'ltv_30d', 'ltv_90d'],
    rows: [
      ['2025-01', 2, 1, 0.5, 100, 50, 100],
      ['2025-02', 2, 1, 0.5, 125, 125, 125],
      ['2025-03', 3, 0, 0, 100, 100, 100],
    ],
  },
  'retention/ltv_curves': {
    filters: WIDE,
    columns: ['cohort_month', 'months_since_first_order', 'customers', 'cumulative_ltv'],
    rows: [
      ['2025-01', 0, 2, 50],
      ['2025-01', 1, 2, 80],
      ['2025-01', 2, 2, 100],
      ['2025-02', 0, 2, 100],
      ['2025-02', 1, 2, 125],
      ['2025-03', 0, 3, 100],
    ],
  },
  // email: sends 1000 + 100, delivered 950 + 100, opened 400 + 100 + 10 (of which by people 300 + 80 + 10),
  // clicked 95 + 19, unsubscribed 5 + 1, complained 1; SMS: opt-outs count as unsubscribes
  'email_sms/by_channel': {
    columns: ['channel', 'sends', 'delivered', 'delivery_rate', 'open_rate', 'human_open_rate', 'click_rate', 'orders', 'revenue', 'revenue_per_send', 'unsubscribe_rate', 'complaint_rate'],
    rows: [
      ['email', 1100, 1050, 0.9545, 0.4857, 0.3714, 0.1086, 4, 400, 0.3636, 0.0057, 0.001],
      ['sms', 200, 190, 0.95, null, null, 0.1, 1, 50, 0.25, 0.0105, 0],
    ],
  },
  'email_sms/by_campaign': {
    columns: ['channel', 'campaign', 'sends', 'delivered', 'delivery_rate', 'open_rate', 'click_rate', 'revenue', 'revenue_per_send', 'unsubscribe_rate', 'complaint_rate'],
    rows: [
      ['email', 'spring', 1000, 950, 0.95, 0.5263, 0.12, 400, 0.4, 0.0063, 0.0011],
      ['sms', 'flash', 200, 190, 0.95, null, 0.1, 50, 0.25, 0.0105, 0],
      ['email', '(no campaign)', 100, 100, 1, 0.1, 0, 0, 0, 0, 0],
    ],
  },
  'creatives/by_creative': {
    columns: ['platform', 'creative', 'concept_angle', 'impressions', 'clicks', 'ctr', 'spend', 'sessions', 'purchases', 'fatigue', 'fatigued_since', 'drop_from_peak'],
    rows: [
      ['meta', 'Hero video', 'social proof', 20000, 300, 0.015, 100, 300, 0, 'fatigued', '2025-03-11', 0.5],
      ['meta', 'Discount banner', 'price', 5000, 50, 0.01, 20, 50, 0, 'healthy', null, 0.1],
      ['google_ads', 'Search RSA', 'price', 2000, 100, 0.05, 30, 100, 0, 'insufficient_data', null, null],
    ],
  },
  // price: (50 + 100) / (5000 + 2000)
  'creatives/by_concept_angle': {
    columns: ['concept_angle', 'creatives', 'fatigued_creatives', 'impressions', 'clicks', 'ctr'],
    rows: [
      ['price', 2, 0, 7000, 150, 0.0214],
      ['social proof', 1, 1, 20000, 300, 0.015],
    ],
  },
  'creatives/ctr_decay': {
    columns: ['creative', 'days_since_first', 'day', 'impressions', 'clicks', 'ctr', 'cumulative_impressions'],
    rows: [
      ['Discount banner', 0, '2025-03-10', 5000, 50, 0.01, 5000],
      ['Hero video', 0, '2025-03-10', 10000, 200, 0.02, 10000],
      ['Hero video', 1, '2025-03-11', 10000, 100, 0.01, 20000],
      ['Search RSA', 0, '2025-03-10', 2000, 100, 0.05, 2000],
    ],
  },
  // o7 (02-28 23:30Z = 03-01 00:30 Berlin) is in, o8 (03-31 23:30Z = 04-01 01:30 Berlin) is out
  'attribution/top_paths': {
    columns: ['path', 'currency', 'orders', 'revenue', 'average_touches'],
    rows: [
      ['Paid Search → Email', 'EUR', 2, 170, 2.5],
      ['Paid Search → Paid Search', 'EUR', 1, 200, 1],
      ['(unattributed) → (unattributed)', 'EUR', 1, 80, 0],
      ['Email → Email', 'EUR', 1, 50, 2],
      ['Referral → Referral', 'EUR', 1, 40, 1],
      ['Direct → Direct', 'USD', 1, 30, 1],
    ],
  },
  'attribution/path_lengths': {
    columns: ['touches', 'orders', 'share'],
    rows: [
      [0, 1, 0.1429],
      [1, 3, 0.4286],
      [2, 2, 0.2857],
      [3, 1, 0.1429],
    ],
  },
  'attribution/first_vs_last_touch': {
    columns: ['channel', 'first_touch_orders', 'first_touch_revenue', 'last_touch_orders', 'last_touch_revenue', 'first_minus_last'],
    rows: [
      ['Paid Search', 2, 250, 3, 300, -50],
      ['Paid Social', 2, 180, 2, 100, 80],
      ['Email', 1, 100, 1, 100, 0],
      ['(unattributed)', 0, 0, 1, 80, -80],
      ['Direct', 1, 50, 0, 0, 50],
    ],
  },
  // days to decision 14, 30, 7, 8 → median 11; wins 2 of 4
  'ops_velocity/summary': {
    filters: WIDE,
    columns: ['launched', 'decided', 'running', 'median_days_to_decision', 'win_rate'],
    rows: [[5, 4, 1, 11, 0.5]],
  },
  // decided in January: 14 days (win); February: 30 (loss), 7 (win) → 18.5; March: 8 (inconclusive)
  'ops_velocity/by_month': {
    filters: WIDE,
    columns: ['month', 'launched', 'decided', 'median_days_to_decision', 'win_rate'],
    rows: [
      ['2025-01', 2, 1, 14, 1],
      ['2025-02', 1, 2, 18.5, 0.5],
      ['2025-03', 2, 1, 8, 0],
    ],
  },
  'ops_velocity/experiments': {
    filters: WIDE,
    columns: ['name', 'channel', 'launched_on', 'decided_on', 'days_to_decision', 'outcome'],
    rows: [
      ['Hero video vs image', 'Paid Social', '2025-01-10', '2025-01-24', 14, 'win'],
      ['Free shipping banner', 'Landing page', '2025-01-20', '2025-02-19', 30, 'loss'],
      ['Subject line emoji', 'Email', '2025-02-03', '2025-02-10', 7, 'win'],
      ['One-page checkout', 'Checkout', '2025-03-05', null, null, 'running'],
      ['Price anchor', 'Landing page', '2025-03-12', '2025-03-20', 8, 'inconclusive'],
    ],
  },
};

/** Filtered by a channel variable: the expected rows are the unfiltered ones of that channel. */
const CHANNEL_CHECKS: Record<string, { channel: string; rows: Row[] }> = {
  'acquisition/sessions_daily': { channel: 'Paid Search', rows: [['2025-03-10', 40, 20, 0.5]] },
  'acquisition/by_channel': { channel: 'Paid Search', rows: [['Paid Search', 40, 0.5, 3, 300, 120, 2.5, 60]] },
  'attribution/top_paths': { channel: 'Email', rows: [['Paid Search → Email', 'EUR', 2, 170, 2.5], ['Email → Email', 'EUR', 1, 50, 2]] },
};

/** Postgres numerics arrive as numbers or numeric strings, dates as strings: compare as numbers where numbers are expected. */
export function normalize(value: unknown, expected: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof expected === 'number' && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(expected) && typeof value === 'number') return new Date(value).toISOString().slice(0, 10);
  return value;
}

let db: TestDatabase;
let collector: Awaited<ReturnType<typeof startTestCollector>>;
let company: Awaited<ReturnType<typeof createTestCompany>>;
let other: Awaited<ReturnType<typeof createTestCompany>>;
const dashboards = loadDashboards();
const questions: Question[] = dashboards.flatMap((d) => d.questions);

beforeAll(async () => {
  db = await createTestDatabase();
  collector = await startTestCollector(db);
  company = await createTestCompany(db.ownerPool, 'Dashboards Shop');
  other = await createTestCompany(db.ownerPool, 'Other Shop');
  await seedDashboardsFixture(db.ownerPool, company.companyId);
  await seedOtherCompany(db.ownerPool, other.companyId);
  const auth = { authorization: `Bearer ${company.secretKey}` };
  for (const experiment of EXPERIMENTS) {
    const { outcome, decided_on, ...launch } = experiment as typeof experiment & { outcome?: string; decided_on?: string };
    // Price anchor is recorded undecided, then decided through its own endpoint
    const body = experiment.name === 'Price anchor' ? launch : experiment;
    const answer = await postJson(`${collector.url}/admin/experiments`, body, auth);
    expect(answer.status).toBe(201);
    if (experiment.name === 'Price anchor') {
      const decided = await postJson(`${collector.url}/admin/experiments/${encodeURIComponent(experiment.name)}/decision`, { outcome, decided_on }, auth);
      expect(decided.status).toBe(200);
    }
  }
});
afterAll(async () => {
  await collector?.close();
  await db?.drop();
});

function check(result: { columns: string[]; rows: unknown[][] }, columns: string[], rows: Row[]): void {
  expect(result.columns).toEqual(columns);
  const actual = result.rows.map((row, r) => row.map((value, c) => normalize(value, rows[r]?.[c])));
  expect(actual).toEqual(rows);
}

describe('dashboards/ SQL files', () => {
  it('are the eight dashboards, each folder holding only listed question files, and every file has an expectation here', () => {
    const folders = readdirSync(DASHBOARDS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders).toEqual(dashboards.map((d) => d.slug).sort());
    expect(dashboards).toHaveLength(8);
    const files = folders.flatMap((f) => readdirSync(path.join(DASHBOARDS_DIR, f)).filter((n) => n.endsWith('.sql')).map((n) => `${f}/${n.slice(0, -4)}`));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(questions.map((q) => `${q.dashboard}/${q.slug}`).sort()).toEqual(files.sort());
  });

  it.each(questions.map((q) => [q.file, q] as const))('%s reads no raw events, filters on the company and uses only known variables', (_file, q) => {
    const text = readFileSync(path.join(DASHBOARDS_DIR, q.dashboard, `${q.slug}.sql`), 'utf8');
    expect(text).not.toMatch(/raw_events|raw_webhooks|message_events/i);
    expect(text).toContain('company_id = {{company_id}}');
    expect(q.variables.find((v) => v.name === 'company_id')).toEqual({ name: 'company_id', required: true });
    for (const v of q.variables) expect(['company_id', 'date_from', 'date_to', 'channel']).toContain(v.name);
    for (const v of q.variables.filter((x) => x.name !== 'company_id')) expect(v.required).toBe(false);
  });

  it.each(questions.map((q) => [q.file, q] as const))('%s gives the hand-computed numbers (lux_app, RLS)', async (_file, q) => {
    const expected = EXPECTED[`${q.dashboard}/${q.slug}`];
    if (!expected) throw new Error(`no expectation for ${q.file}`);
    const result = await runQuestion(db.appPool, company.companyId, q, expected.filters ?? RANGE);
    check(result, expected.columns, expected.rows);
  });

  it.each(questions.map((q) => [q.file, q] as const))('%s gives the same numbers where RLS does not apply (Metabase), by its company filter alone', async (_file, q) => {
    const expected = EXPECTED[`${q.dashboard}/${q.slug}`];
    if (!expected) throw new Error(`no expectation for ${q.file}`);
    const rendered = renderTemplate(q.sql, { ...(expected.filters ?? RANGE), company_id: company.companyId });
    const result = await db.ownerPool.query(toToken(rendered.pieces, rendered.values));
    check({ columns: result.fields.map((f) => f.name), rows: result.rows.map((r) => Object.values(r as Record<string, unknown>)) }, expected.columns, expected.rows);
  });

  it.each(Object.entries(CHANNEL_CHECKS))('%s narrows to one channel with the channel variable', async (key, { channel, rows }) => {
    const q = questions.find((x) => `${x.dashboard}/${x.slug}` === key);
    const expected = EXPECTED[key];
    if (!q || !expected) throw new Error(`unknown question ${key}`);
    check(await runQuestion(db.appPool, company.companyId, q, { ...RANGE, channel }), expected.columns, rows);
  });

  it('runs with the date range unset (Metabase optional clauses dropped)', async () => {
    const q = questions.find((x) => x.file === 'dashboards/funnel/steps.sql');
    if (!q) throw new Error('missing funnel/steps');
    const result = await runQuestion(db.appPool, company.companyId, q, {});
    // the 04-02 rows join in: 150 + 999 page-view sessions
    expect(normalize(result.rows[0]?.[1], 0)).toBe(1149);
  });

  it.each(questions.map((q) => [q.file, q] as const))('%s shows one company nothing of another: asked for company B inside company A\'s tenant, it finds no B rows', async (_file, q) => {
    const rendered = renderTemplate(q.sql, { ...WIDE, company_id: other.companyId });
    const { rows } = await db.appPool.transaction(async (tx) => {
      await tx.query(toToken(['SELECT set_config(\'app.company_id\', ', ', true)'], [company.companyId]));
      return tx.query(toToken(rendered.pieces, rendered.values));
    });
    // any row left is made of zeros and NULLs (the KPI frame and the velocity summary always answer one row per metric)
    for (const row of rows) {
      for (const value of Object.values(row as Record<string, unknown>)) {
        if (typeof value === 'number' || typeof value === 'bigint') expect(Number(value)).toBe(0);
        if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) expect(Number(value)).toBe(0);
      }
    }
  });
});
