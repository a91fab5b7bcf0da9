// The dashboards fixture: rollup and fact rows written directly (as the owner) for one company, with
// numbers small enough to work out by hand (test/integration/dashboards-sql.test.ts holds the expected
// results and how each was computed). The range under test is 2025-03-01 … 2025-03-31; the previous
// period of the KPIs is 2025-01-29 … 2025-02-28; rows on 2025-04-02 lie outside both and must never
// show. The company's reporting currency is EUR (2 minor digits), its zone Europe/Berlin.
// A second company gets rows with huge numbers in the same days: none may leak into the first's results.
import { sql, type DatabasePool } from 'slonik';

export const RANGE = { date_from: '2025-03-01', date_to: '2025-03-31' };

type Acq = [day: string, channel: string, source: string, medium: string, campaign: string, m: Partial<Record<string, number>>];

const ACQUISITION: Acq[] = [
  ['2025-03-10', 'Paid Search', 'google', 'cpc', 'brand', { sessions: 40, visitors: 35, qualified_sessions: 20, orders_first_touch: 2, revenue_first_touch_minor: 25000, new_customers_first_touch: 2, orders_last_touch: 3, revenue_last_touch_minor: 30000, new_customers_last_touch: 2, spend_minor: 12000, impressions: 10000, clicks: 400 }],
  ['2025-03-10', 'Email', 'newsletter', 'email', 'march', { sessions: 30, visitors: 30, qualified_sessions: 15, orders_first_touch: 1, revenue_first_touch_minor: 10000, new_customers_first_touch: 1, orders_last_touch: 1, revenue_last_touch_minor: 10000, new_customers_last_touch: 1 }],
  ['2025-03-10', 'Direct', '(direct)', '(none)', '(not set)', { sessions: 30, visitors: 25, qualified_sessions: 5, orders_first_touch: 1, revenue_first_touch_minor: 5000 }],
  ['2025-03-11', 'Paid Social', 'facebook', 'paid_social', 'spring', { sessions: 50, visitors: 45, qualified_sessions: 20, orders_first_touch: 2, revenue_first_touch_minor: 18000, new_customers_first_touch: 1, orders_last_touch: 2, revenue_last_touch_minor: 10000, new_customers_last_touch: 1, spend_minor: 8000, impressions: 20000, clicks: 300 }],
  ['2025-03-11', '(unattributed)', '(none)', '(none)', '(not set)', { orders_last_touch: 1, revenue_last_touch_minor: 8000 }],
  // previous period
  ['2025-02-15', 'Paid Search', 'google', 'cpc', 'brand', { sessions: 20, visitors: 20, qualified_sessions: 10, orders_first_touch: 2, revenue_first_touch_minor: 20000, new_customers_first_touch: 1, orders_last_touch: 2, revenue_last_touch_minor: 20000, spend_minor: 10000 }],
  // outside
  ['2025-04-02', 'Paid Search', 'google', 'cpc', 'brand', { sessions: 999, qualified_sessions: 999, orders_last_touch: 99, revenue_last_touch_minor: 9999900, spend_minor: 5555 }],
];

async function seedAcquisition(tx: DatabasePool, c: string, rows: Acq[], factor = 1): Promise<void> {
  for (const [day, channel, source, medium, campaign, m] of rows) {
    const v = (k: string): number => (m[k] ?? 0) * factor;
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, sessions, visitors, qualified_sessions,
        orders_first_touch, revenue_first_touch_minor, new_customers_first_touch, orders_last_touch, revenue_last_touch_minor, new_customers_last_touch,
        spend_minor, impressions, clicks)
      VALUES (${c}, ${day}, ${channel}, ${source}, ${medium}, ${campaign}, ${v('sessions')}, ${v('visitors')}, ${v('qualified_sessions')},
        ${v('orders_first_touch')}, ${v('revenue_first_touch_minor')}, ${v('new_customers_first_touch')}, ${v('orders_last_touch')},
        ${v('revenue_last_touch_minor')}, ${v('new_customers_last_touch')}, ${v('spend_minor')}, ${v('impressions')}, ${v('clicks')})`);
  }
}

async function seedRevenue(tx: DatabasePool, c: string, factor = 1): Promise<void> {
  // day, currency, orders, new customers, gross, refunds, refunded, rate, missing, gross_reporting, refunded_reporting
  const rows: Array<[string, string, number, number, number, number, number, number | null, boolean, number | null, number | null]> = [
    ['2025-03-10', 'EUR', 4, 3, 40000, 1, 5000, 1, false, 40000, 5000],
    ['2025-03-11', 'USD', 2, 1, 20000, 0, 0, 0.9, false, 18000, 0],
    ['2025-03-11', 'GBP', 1, 1, 5000, 0, 0, null, true, null, null],
    ['2025-02-15', 'EUR', 2, 2, 20000, 0, 0, 1, false, 20000, 0],
    ['2025-04-02', 'EUR', 10, 10, 999900, 0, 0, 1, false, 999900, 0],
  ];
  for (const [day, cur, orders, nc, gross, refunds, refunded, rate, missing, gr, rr] of rows) {
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency,
        fx_rate, fx_rate_day, fx_rate_missing, gross_reporting_minor, refunded_reporting_minor)
      VALUES (${c}, ${day}, ${cur}, ${orders * factor}, ${nc * factor}, ${gross * factor}, ${refunds}, ${refunded * factor}, 'EUR',
        ${rate}, ${rate === null ? null : day}, ${missing}, ${gr === null ? null : gr * factor}, ${rr === null ? null : rr * factor})`);
  }
}

async function seedFunnelAndTiming(tx: DatabasePool, c: string, factor = 1): Promise<void> {
  const steps = ['page_view', 'add_to_cart', 'begin_checkout', 'purchase'];
  const funnel: Array<[string, number[]]> = [['2025-03-10', [100, 30, 15, 6]], ['2025-03-11', [50, 10, 5, 2]], ['2025-04-02', [999, 99, 9, 9]]];
  for (const [day, counts] of funnel) {
    for (const [i, n] of counts.entries()) {
      await tx.query(sql.unsafe`INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions) VALUES (${c}, ${day}, ${i + 1}, ${steps[i] ?? ''}, ${n * factor})`);
    }
  }
  const labels = ['no first touch', '< 1 hour', '1 hour - 1 day', '1 - 3 days'];
  const timing: Array<[string, number, number, number]> = [['2025-03-10', 1, 2, 3000], ['2025-03-10', 3, 1, 172800], ['2025-03-11', 1, 1, 600], ['2025-03-11', 0, 1, 0], ['2025-04-02', 2, 50, 500000]];
  for (const [day, bucket, orders, seconds] of timing) {
    await tx.query(sql.unsafe`INSERT INTO agg_daily_time_to_conversion (company_id, day, bucket, label, orders, total_seconds)
      VALUES (${c}, ${day}, ${bucket}, ${labels[bucket] ?? ''}, ${orders * factor}, ${seconds * factor})`);
  }
}

async function seedCohorts(tx: DatabasePool, c: string, factor = 1): Promise<void> {
  // day, first order day, customers, new, second-order customers, orders, revenue
  const rows: Array<[string, string, number, number, number, number, number]> = [
    ['2025-01-05', '2025-01-05', 2, 2, 0, 2, 10000],
    ['2025-02-10', '2025-01-05', 1, 0, 1, 1, 6000],
    ['2025-03-20', '2025-01-05', 1, 0, 0, 1, 4000],
    ['2025-02-15', '2025-02-15', 2, 2, 0, 2, 20000],
    ['2025-03-16', '2025-02-15', 1, 0, 1, 1, 5000],
    ['2025-03-10', '2025-03-10', 3, 3, 0, 3, 30000],
    ['2025-04-02', '2025-04-02', 9, 9, 0, 9, 900000],
  ];
  for (const [day, first, customers, nc, second, orders, revenue] of rows) {
    await tx.query(sql.unsafe`INSERT INTO agg_daily_cohort_revenue (company_id, day, first_order_day, customers, new_customers, second_order_customers, orders, revenue_minor, revenue_fx_missing)
      VALUES (${c}, ${day}, ${first}, ${customers * factor}, ${nc * factor}, ${second * factor}, ${orders * factor}, ${revenue * factor}, 0)`);
  }
}

async function seedMessages(tx: DatabasePool, c: string, factor = 1): Promise<void> {
  type M = Partial<Record<string, number>>;
  const rows: Array<[string, string, string, string, M]> = [
    ['2025-03-10', 'email', 'mailgun', 'spring', { sends: 1000, delivered: 950, bounced: 30, failed: 20, opened: 400, opened_by_person: 300, proxy_opens: 100, clicked: 95, clicks_total: 120, unsubscribed: 5, complained: 1, attributed_orders: 4, attributed_revenue_minor: 40000 }],
    ['2025-03-11', 'email', 'mailgun', 'spring', { opened: 100, opened_by_person: 80, proxy_opens: 20, clicked: 19, clicks_total: 20, unsubscribed: 1 }],
    ['2025-03-10', 'sms', 'twilio', 'flash', { sends: 200, delivered: 190, failed: 10, clicked: 19, clicks_total: 19, opted_out: 2, responses: 3, attributed_orders: 1, attributed_revenue_minor: 5000 }],
    ['2025-03-12', 'email', 'smtp', '', { sends: 100, delivered: 100, opened: 10, opened_by_person: 10, clicked: 0 }],
    ['2025-04-02', 'email', 'mailgun', 'april', { sends: 99999, delivered: 99999, opened: 99999, clicked: 99999, attributed_revenue_minor: 9999999 }],
  ];
  for (const [day, channel, provider, campaign, m] of rows) {
    const v = (k: string): number => (m[k] ?? 0) * factor;
    await tx.query(sql.unsafe`
      INSERT INTO agg_daily_messages (company_id, day, channel, provider, campaign_id, sends, delivered, bounced, failed, opened, opened_by_person, proxy_opens,
        clicked, clicks_total, unsubscribed, complained, opted_out, responses, attributed_orders, currency, attributed_revenue_minor, revenue_fx_missing)
      VALUES (${c}, ${day}, ${channel}, ${provider}, ${campaign}, ${v('sends')}, ${v('delivered')}, ${v('bounced')}, ${v('failed')}, ${v('opened')},
        ${v('opened_by_person')}, ${v('proxy_opens')}, ${v('clicked')}, ${v('clicks_total')}, ${v('unsubscribed')}, ${v('complained')}, ${v('opted_out')},
        ${v('responses')}, ${v('attributed_orders')}, 'EUR', ${v('attributed_revenue_minor')}, 0)`);
  }
}

async function seedCreatives(tx: DatabasePool, c: string, factor = 1): Promise<void> {
  const creatives: Array<[string, string, string, string, string]> = [
    ['meta', 'c1', 'Hero video', 'social proof', '2025-03-10'],
    ['meta', 'c2', 'Discount banner', 'price', '2025-03-10'],
    ['google_ads', 'c3', 'Search RSA', 'price', '2025-03-10'],
  ];
  for (const [platform, id, name, angle, first] of creatives) {
    await tx.query(sql.unsafe`INSERT INTO creatives (company_id, platform, creative_id, name, concept_angle, first_seen_on) VALUES (${c}, ${platform}, ${id}, ${name}, ${angle}, ${first})`);
  }
  // day, platform, creative, angle, impressions, clicks, spend, days since first, cumulative impressions
  const days: Array<[string, string, string, string, number, number, number, number, number]> = [
    ['2025-03-10', 'meta', 'c1', 'social proof', 10000, 200, 5000, 0, 10000],
    ['2025-03-11', 'meta', 'c1', 'social proof', 10000, 100, 5000, 1, 20000],
    ['2025-03-10', 'meta', 'c2', 'price', 5000, 50, 2000, 0, 5000],
    ['2025-03-10', 'google_ads', 'c3', 'price', 2000, 100, 3000, 0, 2000],
    ['2025-04-02', 'meta', 'c1', 'social proof', 999999, 1, 99999, 23, 1019999],
  ];
  for (const [day, platform, id, angle, imp, clicks, spend, dsf, cum] of days) {
    await tx.query(sql.unsafe`INSERT INTO agg_daily_creatives (company_id, day, platform, creative_id, concept_angle, impressions, clicks, spend_reporting_minor,
        sessions, purchases, days_since_first, cumulative_impressions, currency)
      VALUES (${c}, ${day}, ${platform}, ${id}, ${angle}, ${imp * factor}, ${clicks * factor}, ${spend * factor}, ${clicks * factor}, 0, ${dsf}, ${cum * factor}, 'EUR')`);
  }
  const fatigue: Array<[string, string, string, string | null, number | null]> = [
    ['meta', 'c1', 'fatigued', '2025-03-11', 0.5],
    ['meta', 'c2', 'healthy', null, 0.1],
    ['google_ads', 'c3', 'insufficient_data', null, null],
  ];
  for (const [platform, id, status, since, drop] of fatigue) {
    await tx.query(sql.unsafe`INSERT INTO creative_fatigue (company_id, platform, creative_id, as_of, status, fatigued_since, drop_share, cumulative_impressions, reason, params)
      VALUES (${c}, ${platform}, ${id}, '2025-03-11', ${status}, ${since}, ${drop}, 1, 'fixture', '{}'::jsonb)`);
  }
}

async function seedAttribution(tx: DatabasePool, c: string): Promise<void> {
  // order id, currency, total, purchased at, first channel, last channel, touches
  const orders: Array<[string, string, number, string, string | null, string | null, number]> = [
    ['o1', 'EUR', 10000, '2025-03-10T10:00:00Z', 'Paid Search', 'Email', 3],
    ['o2', 'EUR', 20000, '2025-03-10T11:00:00Z', 'Paid Search', 'Paid Search', 1],
    ['o3', 'EUR', 5000, '2025-03-11T09:00:00Z', 'Email', 'Email', 2],
    ['o4', 'EUR', 8000, '2025-03-11T12:00:00Z', null, null, 0],
    ['o5', 'EUR', 7000, '2025-03-12T08:00:00Z', 'Paid Search', 'Email', 2],
    ['o6', 'USD', 3000, '2025-03-12T09:00:00Z', 'Direct', 'Direct', 1],
    // 23:30 UTC on 02-28 is 00:30 on 03-01 in Berlin: inside the range by the company's day
    ['o7', 'EUR', 4000, '2025-02-28T23:30:00Z', 'Referral', 'Referral', 1],
    // 23:30 UTC on 03-31 is 01:30 on 04-01 in Berlin (summer time): outside
    ['o8', 'EUR', 999900, '2025-03-31T23:30:00Z', 'Paid Search', 'Email', 9],
  ];
  for (const [id, currency, total, at, first, last, touches] of orders) {
    await tx.query(sql.unsafe`INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, created_at)
      VALUES (${c}, 'woocommerce', ${id}, ${id}, 'paid', 'processing', ${currency}, ${total}, ${at})`);
    const session = first === null ? null : `s-${id}`;
    const reason = first === null ? 'no_session_in_30d' : 'fixture';
    await tx.query(sql.unsafe`INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor,
        order_updated_at, touch_count, first_touch_session_id, first_touch_channel, first_touch_reason, last_touch_session_id, last_touch_channel, last_touch_reason, path_digest)
      VALUES (${c}, 'woocommerce', ${id}, 'attribution-v1', 'last_non_direct', ${at}, ${currency}, ${total}, ${at}, ${touches},
        ${session}, ${first}, ${reason}, ${session}, ${last}, ${reason}, 'x')`);
  }
  // attribution/top_paths and path_lengths read the rollup of these rows (migration 0021), computed by its
  // own function as the rollup activities run it, so the questions' numbers also check the rollup
  await tx.query(sql.unsafe`SELECT * FROM rollup_attribution_paths(${c}, '2025-02-01', '2025-04-30')`);
}

async function seedExperimentsOf(tx: DatabasePool, c: string): Promise<void> {
  await tx.query(sql.unsafe`INSERT INTO experiments (company_id, name, launched_on, decided_on, outcome) VALUES (${c}, 'Other company test', '2025-03-01', '2025-03-02', 'win')`);
}

/** The experiments of the main company, as POST /admin/experiments bodies (the test records them through the API). */
export const EXPERIMENTS = [
  { name: 'Hero video vs image', channel: 'Paid Social', launched_on: '2025-01-10', decided_on: '2025-01-24', outcome: 'win' },
  { name: 'Free shipping banner', channel: 'Landing page', launched_on: '2025-01-20', decided_on: '2025-02-19', outcome: 'loss' },
  { name: 'Subject line emoji', channel: 'Email', launched_on: '2025-02-03', decided_on: '2025-02-10', outcome: 'win' },
  { name: 'One-page checkout', channel: 'Checkout', launched_on: '2025-03-05' },
  { name: 'Price anchor', channel: 'Landing page', launched_on: '2025-03-12', decided_on: '2025-03-20', outcome: 'inconclusive' },
] as const;

/** Everything but the experiments (recorded through the API by the test). */
export async function seedDashboardsFixture(ownerPool: DatabasePool, companyId: string): Promise<void> {
  await seedAcquisition(ownerPool, companyId, ACQUISITION);
  await seedRevenue(ownerPool, companyId);
  await seedFunnelAndTiming(ownerPool, companyId);
  await seedCohorts(ownerPool, companyId);
  await seedMessages(ownerPool, companyId);
  await seedCreatives(ownerPool, companyId);
  await seedAttribution(ownerPool, companyId);
  await ownerPool.query(sql.unsafe`
    INSERT INTO agg_daily_traffic (company_id, day, sessions, visitors, qualified_sessions, page_views, events)
    VALUES (${companyId}, '2025-03-10', 100, 80, 40, 300, 500), (${companyId}, '2025-03-11', 50, 45, 20, 120, 200)`);
  await seedOrganic(ownerPool, companyId);
}

/** Search Console and social rows (migration 0016) for acquisition/organic_daily. */
async function seedOrganic(pool: DatabasePool, c: string, scale = 1): Promise<void> {
  const search: Array<[string, string, string | null, string | null, number, number, number]> = [
    // day, grain, query, page, clicks, impressions, position
    ['2025-03-10', 'query_page', 'running shoes', 'https://shop.example/shoes', 30, 600, 2],
    ['2025-03-10', 'query_page', 'trail shoes', 'https://shop.example/trail', 10, 400, 7],
    ['2025-03-11', 'query_page', 'shoe sale', 'https://shop.example/sale', 5, 100, 4],
    // a separate grain: never added to the query × page totals
    ['2025-03-10', 'search_appearance', null, null, 12, 300, 1.5],
    // outside the range
    ['2025-04-02', 'query_page', 'running shoes', 'https://shop.example/shoes', 99, 999, 1],
  ];
  for (const [i, [day, grain, query, page, clicks, impressions, position]] of search.entries()) {
    await pool.query(sql.unsafe`INSERT INTO search_console_daily (company_id, site_url, search_type, day, dimension_key, grain, query, page, search_appearance, clicks, impressions, ctr, position)
      VALUES (${c}, 'sc-domain:shop.example', 'web', ${day}, encode(sha256(${`${i}`}::bytea), 'hex'), ${grain}, ${query}, ${page}, ${grain === 'search_appearance' ? 'AI_OVERVIEW' : null},
        ${clicks * scale}, ${impressions * scale}, ${clicks / impressions}, ${position})`);
  }
  const social: Array<[string, string, string, number | null, number, number, number | null]> = [
    // platform, account, day, reach, impressions, engagements, follower change
    ['facebook', '1111', '2025-03-10', 800, 1500, 120, 40],
    ['instagram', '2222', '2025-03-10', 300, 900, 45, 12],
    ['x', '3333', '2025-03-11', null, 2000, 60, null],
  ];
  for (const [platform, account, day, reach, impressions, engagements, delta] of social) {
    await pool.query(sql.unsafe`INSERT INTO social_page_daily (company_id, platform, account_id, day, reach, impressions, engagements, follower_delta)
      VALUES (${c}, ${platform}, ${account}, ${day}, ${reach === null ? null : reach * scale}, ${impressions * scale}, ${engagements * scale}, ${delta === null ? null : delta * scale})`);
  }
}

/** Another tenant's rows on the same days, 1000 times bigger: a leak would be obvious. */
export async function seedOtherCompany(ownerPool: DatabasePool, companyId: string): Promise<void> {
  await seedAcquisition(ownerPool, companyId, ACQUISITION, 1000);
  await seedRevenue(ownerPool, companyId, 1000);
  await seedFunnelAndTiming(ownerPool, companyId, 1000);
  await seedCohorts(ownerPool, companyId, 1000);
  await seedOrganic(ownerPool, companyId, 1000);
  await seedMessages(ownerPool, companyId, 1000);
  await seedCreatives(ownerPool, companyId, 1000);
  await seedAttribution(ownerPool, companyId);
  await seedExperimentsOf(ownerPool, companyId);
}
