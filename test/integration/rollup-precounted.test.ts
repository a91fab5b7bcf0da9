// The rollups of migration 0018 (per-(session, day) counts kept at ingest, customers' first orders kept
// by triggers, session labels stored with the session, a range of days in one statement) against a
// from-raw recomputation on generated data: the 0015 rollup_company_day, which aggregates raw_events and
// looks up each order's customer history, installed under another name from its migration file. Every
// agg_daily_* row of every day must be identical — per day and for the range at once — also after
// orders change status and after the company's time zone changes (counts rebuilt). The maintained tables
// are compared with a recomputation from raw_events and orders, and a retried ingest batch counts nothing
// twice. Since migration 0020 the rollups read one row per order from order_rollup_inputs (kept by
// triggers on orders and order_attribution): it is compared with a recomputation from orders and
// order_attribution after each change. Since migration 0023 a session's start (visitor, labels, engagement)
// is on its start-day row, kept by triggers on sessions: compared with a recomputation from sessions after
// ingest, a start moved to the day before by a late event, erased sessions and a time zone change. Since
// migration 0025 the visitors are counted in visitor_days and visitor_day_labels, kept by triggers on
// sessions: compared with a recomputation from sessions at the same points.
// (The hand-worked CSV fixture is test/integration/rollups.test.ts.)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { rollupCompanyDaySql, rollupCompanyDaysSql } from '../../activities/rollups';
import { dayRange } from '../../lib/metrics/days';
import { withTenant } from '../../lib/db/tenant';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { insertRollupFixture } from '../support/rollup-fixture';

const FROM = '2025-03-25';
const TO = '2025-04-03';
const DAYS = [...dayRange(FROM, TO), '2025-10-26'];
const TABLES = ['agg_daily_acquisition', 'agg_daily_traffic', 'agg_daily_funnel', 'agg_daily_time_to_conversion', 'agg_daily_revenue', 'agg_daily_cohort_revenue', 'agg_daily_mrr'];

let db: TestDatabase;
let companyId: string;

/** The 0015 rollup_company_day (reads raw_events and each order's history), as rollup_company_day_from_raw. */
function fromRawFunctionSql(): string {
  const text = readFileSync(path.resolve(__dirname, '../../sql/migrations/0015_rollup_performance.sql'), 'utf8');
  const up = text.slice(0, text.indexOf('-- Down Migration'));
  const start = up.indexOf('CREATE OR REPLACE FUNCTION rollup_company_day(');
  const end = up.indexOf('$$;', start) + 3;
  if (start < 0 || end < start) throw new Error('0015 rollup_company_day not found');
  return up.slice(start, end).replace('CREATE OR REPLACE FUNCTION rollup_company_day(', 'CREATE FUNCTION rollup_company_day_from_raw(');
}

/** Every rollup row of the days, per table, in a stable order. */
async function snapshot(days: string[]): Promise<Record<string, readonly string[]>> {
  const out: Record<string, readonly string[]> = {};
  for (const table of TABLES) {
    out[table] = await db.ownerPool.anyFirst(sql.type(z.object({ r: z.string() }))`
      SELECT to_jsonb(t)::text AS r FROM ${sql.identifier([table])} t
      WHERE company_id = ${companyId} AND day = ANY (${sql.array(days, 'date')}) ORDER BY 1`);
  }
  return out;
}

async function rollupFromRaw(days: string[]): Promise<void> {
  for (const day of days) {
    await withTenant(db.appPool, companyId, (tx) => tx.query(sql.unsafe`SELECT * FROM rollup_company_day_from_raw(${companyId}, ${day}::date, 'from-raw')`));
  }
}

/** The three ways must agree: from raw per day (reference), 0018 per day, 0018 for the range in one statement. */
async function expectSameRollups(): Promise<void> {
  await rollupFromRaw(DAYS);
  const reference = await snapshot(DAYS);
  // the data is not trivial: sessions, events, orders, cohorts and spend on several days
  expect(reference.agg_daily_acquisition?.length).toBeGreaterThan(50);
  expect(reference.agg_daily_cohort_revenue?.length).toBeGreaterThan(20);

  for (const day of DAYS) await rollupCompanyDaySql(db.appPool, companyId, day, 'per-day');
  expect(await snapshot(DAYS)).toEqual(reference);

  await rollupCompanyDaysSql(db.appPool, companyId, FROM, TO, 'range');
  await rollupCompanyDaysSql(db.appPool, companyId, '2025-10-26', '2025-10-26', 'range');
  expect(await snapshot(DAYS)).toEqual(reference);
}

const countsRow = z.object({ r: z.string() });

/** session_day_events as it is, and as recomputed from raw_events with the company's current time zone. */
async function sessionCounts(): Promise<{ kept: readonly string[]; recomputed: readonly string[] }> {
  const kept = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts, purchases, signups, lead_submits) AS r
    FROM session_day_events WHERE company_id = ${companyId} AND events > 0 ORDER BY 1`);
  const recomputed = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', d.day, coalesce(e.session_id, ''), e.session_id IS NULL, count(*), count(*) FILTER (WHERE e.event_name = 'page_view'),
      count(*) FILTER (WHERE e.event_name = 'add_to_cart'), count(*) FILTER (WHERE e.event_name = 'begin_checkout'),
      count(*) FILTER (WHERE e.event_name = 'purchase'), count(*) FILTER (WHERE e.event_name = 'signup'), count(*) FILTER (WHERE e.event_name = 'lead_submit')) AS r
    FROM raw_events e JOIN companies c USING (company_id)
    -- the day as the rollups bound it: [local_day_start(day), local_day_start(day + 1))
    CROSS JOIN LATERAL (
      SELECT g::date AS day FROM generate_series(((e.occurred_at AT TIME ZONE c.time_zone)::date - 1)::timestamp, ((e.occurred_at AT TIME ZONE c.time_zone)::date + 1)::timestamp, interval '1 day') g
      WHERE e.occurred_at >= local_day_start(g::date, c.time_zone) AND e.occurred_at < local_day_start(g::date + 1, c.time_zone)
    ) d
    WHERE e.company_id = ${companyId}
    GROUP BY d.day, e.session_id ORDER BY 1`);
  return { kept, recomputed };
}

/** `FROM sessions s` with each session's local start day `d.day`, as the rollups bound a day: [local_day_start(day), local_day_start(day + 1)). */
const sessionsByStartDay = sql.fragment`
  FROM sessions s JOIN companies c USING (company_id)
  CROSS JOIN LATERAL (
    SELECT g::date AS day FROM generate_series(((s.started_at AT TIME ZONE c.time_zone)::date - 1)::timestamp, ((s.started_at AT TIME ZONE c.time_zone)::date + 1)::timestamp, interval '1 day') g
    WHERE s.started_at >= local_day_start(g::date, c.time_zone) AND s.started_at < local_day_start(g::date + 1, c.time_zone)
  ) d`;

/**
 * The session starts on session_day_events (migration 0023) as they are, and recomputed from sessions: one
 * started row per session on its local start day with its visitor, labels and engagement, and no
 * attributes on any other row (nor a row without events unless it is a start).
 */
async function sessionStarts(): Promise<{ kept: readonly string[]; recomputed: readonly string[]; stray: number }> {
  const kept = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', day, session_id, visitor_id, channel, source, medium, campaign, engaged) AS r
    FROM session_day_events WHERE company_id = ${companyId} AND started ORDER BY 1`);
  const recomputed = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', d.day, s.session_id, s.visitor_id, s.channel, s.label_source, s.label_medium, s.label_campaign,
      s.page_view_count >= 2 OR s.last_seen_at - s.started_at >= interval '30 seconds') AS r
    ${sessionsByStartDay}
    WHERE s.company_id = ${companyId} ORDER BY 1`);
  const stray = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM session_day_events
    WHERE company_id = ${companyId} AND NOT started
      AND (events = 0 OR visitor_id IS NOT NULL OR channel IS NOT NULL OR source IS NOT NULL OR medium IS NOT NULL OR campaign IS NOT NULL OR engaged)`);
  return { kept, recomputed, stray };
}

/**
 * visitor_days and visitor_day_labels (migration 0025) as they are, and recomputed from sessions: per local
 * start day (and labels, with the rollups' defaults) each visitor with the number of its sessions.
 */
async function visitorCounts(): Promise<{ kept: readonly string[]; recomputed: readonly string[] }> {
  const kept = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', 'day', day, visitor_id, sessions) AS r FROM visitor_days WHERE company_id = ${companyId}
    UNION ALL
    SELECT concat_ws('|', 'labels', day, channel, source, medium, campaign, visitor_id, sessions) FROM visitor_day_labels WHERE company_id = ${companyId}
    ORDER BY 1`);
  const recomputed = await db.ownerPool.anyFirst(sql.type(countsRow)`
    WITH s AS (
      SELECT d.day, s.visitor_id, s.channel, s.label_source AS source, s.label_medium AS medium, s.label_campaign AS campaign
      ${sessionsByStartDay}
      WHERE s.company_id = ${companyId} AND s.visitor_id IS NOT NULL
    )
    SELECT concat_ws('|', 'day', day, visitor_id, count(*)) AS r FROM s GROUP BY day, visitor_id
    UNION ALL
    SELECT concat_ws('|', 'labels', day, channel, source, medium, campaign, visitor_id, count(*)) FROM s GROUP BY day, channel, source, medium, campaign, visitor_id
    ORDER BY 1`);
  return { kept, recomputed };
}

async function expectStartsKept(): Promise<void> {
  const { kept, recomputed, stray } = await sessionStarts();
  expect(kept.length).toBeGreaterThan(500);
  expect(kept).toEqual(recomputed);
  expect(stray).toBe(0);
  const visitors = await visitorCounts();
  expect(visitors.kept.length).toBeGreaterThan(500);
  expect(visitors.kept).toEqual(visitors.recomputed);
}

/** customer_first_orders as it is, and recomputed from the counted orders. */
async function firstOrders(): Promise<{ kept: readonly string[]; recomputed: readonly string[] }> {
  const kept = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', customer_key, first_created_at, first_source, first_external_id, second_created_at, second_source, second_external_id) AS r
    FROM customer_first_orders WHERE company_id = ${companyId} ORDER BY 1`);
  const recomputed = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', customer_key, min(created_at) FILTER (WHERE rn = 1), min(source) FILTER (WHERE rn = 1), min(external_id) FILTER (WHERE rn = 1),
      min(created_at) FILTER (WHERE rn = 2), min(source) FILTER (WHERE rn = 2), min(external_id) FILTER (WHERE rn = 2)) AS r
    FROM (
      SELECT CASE WHEN email_hash IS NOT NULL THEN 'email:' || email_hash ELSE 'customer:' || source || ':' || customer_external_id END AS customer_key,
        created_at, source, external_id,
        row_number() OVER (PARTITION BY CASE WHEN email_hash IS NOT NULL THEN 'email:' || email_hash ELSE 'customer:' || source || ':' || customer_external_id END
                           ORDER BY created_at, source, external_id) AS rn
      FROM fct_orders
      WHERE company_id = ${companyId} AND status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
        AND (email_hash IS NOT NULL OR customer_external_id IS NOT NULL)
    ) o
    GROUP BY customer_key ORDER BY 1`);
  return { kept, recomputed };
}

/**
 * order_rollup_inputs (migration 0020) as it is, and recomputed from orders and order_attribution alone
 * (the rank and first-order instant by window functions over the customer's counted orders, not from
 * customer_first_orders), for every order of the company.
 */
async function orderInputs(): Promise<{ kept: readonly string[]; recomputed: readonly string[] }> {
  const kept = await db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', source, external_id, created_at, counted, currency, total_minor, customer_key, first_order_at, earlier_orders, first_touch_at,
      ft_channel, ft_source, ft_medium, ft_campaign, lt_channel, lt_source, lt_medium, lt_campaign) AS r
    FROM order_rollup_inputs WHERE company_id = ${companyId} ORDER BY 1`);
  const recomputed = await db.ownerPool.anyFirst(sql.type(countsRow)`
    WITH k AS (
      SELECT o.*, CASE WHEN o.email_hash IS NOT NULL THEN 'email:' || o.email_hash
                       WHEN o.customer_external_id IS NOT NULL THEN 'customer:' || o.source || ':' || o.customer_external_id
                       ELSE 'order:' || o.source || ':' || o.external_id END AS key,
        o.merged_into_external_id IS NULL AND o.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded') AS is_counted
      FROM orders o WHERE o.company_id = ${companyId}
    ),
    ranked AS (
      SELECT k.*, CASE WHEN is_counted THEN row_number() OVER (PARTITION BY key, is_counted ORDER BY created_at, source, external_id) END AS rn,
        min(created_at) FILTER (WHERE is_counted) OVER (PARTITION BY key) AS first_at, count(*) FILTER (WHERE is_counted) OVER (PARTITION BY key) AS n_counted
      FROM k
    )
    SELECT concat_ws('|', r.source, r.external_id, r.created_at, r.is_counted, r.currency, r.total_minor, r.key,
      CASE WHEN r.key LIKE 'order:%' THEN r.created_at ELSE coalesce(r.first_at, r.created_at) END,
      CASE WHEN r.key LIKE 'order:%' OR r.n_counted = 0 OR r.rn = 1 THEN 0 WHEN r.rn = 2 THEN 1 ELSE 2 END, a.first_touch_at,
      coalesce(a.first_touch_channel, '(unattributed)'), coalesce(a.first_touch_source, '(none)'), coalesce(a.first_touch_medium, '(none)'),
      coalesce(a.first_touch_campaign, '(not set)'), coalesce(a.last_touch_channel, '(unattributed)'), coalesce(a.last_touch_source, '(none)'),
      coalesce(a.last_touch_medium, '(none)'), coalesce(a.last_touch_campaign, '(not set)')) AS r
    FROM ranked r
    LEFT JOIN order_attribution a ON a.company_id = r.company_id AND a.source = r.source AND a.external_id = r.external_id
    ORDER BY 1`);
  return { kept, recomputed };
}

/**
 * Generated on top of the hand-worked fixture, around the DST change of 2025-03-30: 600 sessions with
 * labels in mixed case and spacing, ~10 events each (some crossing local midnight, some without a
 * session id, some of sessions never stored), 400 orders of 60 email customers, 20 customer-id-only
 * customers and guests in three currencies and several statuses, attributions, refunds, leads and ad
 * spend whose campaign names change over the days.
 */
async function generate(): Promise<void> {
  await db.ownerPool.transaction(async (tx) => {
    await tx.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, referrer_host, page_view_count, event_count)
      SELECT ${companyId}, 'g' || k, 'gv' || (k % 250), t.started, t.started + ((k % 7) * interval '9 seconds'),
        (ARRAY['Direct', 'Paid Search', 'Organic Search', 'Email', 'Paid Social', 'Referral'])[1 + k % 6], 'gen',
        (ARRAY[NULL, ' Google ', NULL, 'newsletter', 'FACEBOOK', NULL])[1 + k % 6], (ARRAY[NULL, 'CPC', NULL, 'email', 'paid_social', ''])[1 + k % 6],
        (ARRAY[NULL, '111', NULL, 'c' || (k % 3), '222', ' '])[1 + k % 6], (ARRAY[NULL, NULL, 'www.Google.com', NULL, NULL, 'blog.example.org'])[1 + k % 6],
        1 + k % 4, 10
      FROM generate_series(0, 599) k
      CROSS JOIN LATERAL (SELECT timestamptz '2025-03-25 00:00:00+01' + (k * interval '23 minutes 7 seconds') AS started) t`);
    // campaign "Brand" typed as its name on 03-25, beside sessions of campaign id 111 (named "Brand" that day
    // by the ad spend below) under the same labels, one by a visitor (gv1) who also came by 111: the
    // acquisition row "Brand" holds two campaign ids and counts gv1 once (migration 0025's recount)
    await tx.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, page_view_count, event_count)
      VALUES (${companyId}, 'gb1', 'gv1', '2025-03-25 09:00:00+01', '2025-03-25 09:05:00+01', 'Paid Search', 'gen', ' Google ', 'CPC', 'Brand', 2, 2),
             (${companyId}, 'gb2', 'gvb', '2025-03-25 10:00:00+01', '2025-03-25 10:00:00+01', 'Paid Search', 'gen', ' Google ', 'CPC', 'Brand', 1, 1)`);
    await tx.query(sql.unsafe`
      INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, session_id, visitor_id)
      SELECT ${companyId}, gen_random_uuid(),
        (ARRAY['page_view', 'page_view', 'page_view', 'add_to_cart', 'begin_checkout', 'purchase', 'signup', 'lead_submit', 'scroll', 'page_view'])[1 + (k * 7 + n * 3) % 10],
        timestamptz '2025-03-25 00:00:00+01' + (k * interval '23 minutes 7 seconds') + (n * interval '11 minutes'), 'browser',
        CASE WHEN (k + n) % 29 = 0 THEN NULL WHEN k % 97 = 5 THEN 'ghost' || k ELSE 'g' || k END, 'gv' || (k % 250)
      FROM generate_series(0, 599) k CROSS JOIN generate_series(0, 9) n`);
    await tx.query(sql.unsafe`
      INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash, customer_external_id)
      SELECT ${companyId}, CASE WHEN j % 5 = 0 THEN 'shopify' ELSE 'woocommerce' END, 'go' || j, 'go' || j, 'go' || j,
        (ARRAY['paid', 'paid', 'fulfilled', 'refunded', 'pending', 'paid', 'cancelled', 'partially_refunded'])[1 + j % 8], 'gen',
        (ARRAY['EUR', 'EUR', 'USD', 'GBP'])[1 + j % 4], 1000 + j * 13,
        -- every 50th order at the same instant as the one before (ties broken by source, external id)
        timestamptz '2025-03-25 00:30:00+01' + (CASE WHEN j % 50 = 1 THEN j - 1 ELSE j END) * interval '31 minutes 17 seconds',
        CASE WHEN j % 10 < 7 THEN md5('customer' || (j % 60)) END, CASE WHEN j % 10 IN (7, 8) THEN 'cust' || (j % 20) END
      FROM generate_series(0, 399) j`);
    await tx.query(sql.unsafe`
      INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
        touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
        last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, path_digest)
      SELECT o.company_id, o.source, o.external_id, 'attribution-v1', 'last_non_direct', o.created_at, o.currency, o.total_minor, now(), 2,
        f.session_id, o.created_at - ((o.total_minor % 97) * interval '1 hour'), f.channel, f.source, f.medium, f.campaign, 'gen',
        l.session_id, o.created_at - interval '5 minutes', l.channel, l.source, l.medium, l.campaign, 'gen', 'x'
      FROM orders o
      JOIN stg_sessions f ON f.company_id = o.company_id AND f.session_id = 'g' || (substr(o.external_id, 3)::int % 600)
      JOIN stg_sessions l ON l.company_id = o.company_id AND l.session_id = 'g' || ((substr(o.external_id, 3)::int * 7) % 600)
      WHERE o.company_id = ${companyId} AND o.external_id LIKE 'go%' AND substr(o.external_id, 3)::int % 3 <> 2`);
    await tx.query(sql.unsafe`
      INSERT INTO refunds (company_id, source, external_id, order_external_id, amount_minor, currency, created_at)
      SELECT ${companyId}, 'woocommerce', 'gr' || j, 'go' || (j * 8 + 3), 500 + j, (ARRAY['EUR', 'USD'])[1 + j % 2], timestamptz '2025-03-26 12:00:00+01' + j * interval '7 hours'
      FROM generate_series(0, 24) j`);
    await tx.query(sql.unsafe`
      INSERT INTO leads (company_id, source, kind, external_id, created_at, session_id)
      SELECT ${companyId}, 'gohighlevel', 'contact', 'gl' || j, timestamptz '2025-03-25 08:00:00+01' + j * interval '5 hours', CASE WHEN j % 4 <> 0 THEN 'g' || (j * 11) END
      FROM generate_series(0, 40) j`);
    // campaign 111 is "Brand" until 03-31, then "Brand New"; 222 carries two names on 03-28 (the smaller wins)
    await tx.query(sql.unsafe`
      INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, campaign_name, currency, spend_micros, spend_minor, impressions, clicks)
      SELECT ${companyId}::uuid, 'google_ads', '1234567890', d::date, 'campaign', '111', CASE WHEN d < '2025-04-01' THEN 'Brand' ELSE 'Brand New' END, 'EUR', 1000000, 100, 10, 1
      FROM generate_series(date '2025-03-25', date '2025-04-03', interval '2 days') d
      UNION ALL
      SELECT ${companyId}::uuid, 'meta', '2222', '2025-03-28', 'campaign', '222', 'Spring B', 'USD', 2000000, 200, 20, 2`);
    // a second account reporting campaign 222 under another name the same day
    await tx.query(sql.unsafe`
      INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, campaign_name, currency, spend_micros, spend_minor, impressions, clicks)
      VALUES (${companyId}, 'meta', '2223', '2025-03-28', 'campaign', '222', 'Spring A', 'USD', 1000000, 100, 10, 1)`);
  });
}

/** ingest_event_batch rows (lib/ingest/prepare-event.ts RawEventRow) for session g3. */
function batch(ids: string[]): string {
  return JSON.stringify(ids.map((id, i) => ({
    event_id: id, event_name: i % 3 === 0 ? 'add_to_cart' : 'page_view', occurred_at: `2025-03-26T10:0${i % 10}:00Z`, received_at: '2025-03-26T10:10:00Z',
    source: 'browser', visitor_id: 'gv3', session_id: 'g3', properties: {}, consent: {}, context: { channel: 'Direct', channel_rule: 'test' }, gpc: false, forwardable: true,
  })));
}

beforeAll(async () => {
  db = await createTestDatabase();
  companyId = (await createTestCompany(db.ownerPool, 'Precounted Shop')).companyId;
  const owner = new pg.Client({ connectionString: db.ownerUrl });
  await owner.connect();
  try {
    await owner.query(fromRawFunctionSql());
  } finally {
    await owner.end();
  }
  await insertRollupFixture(db.ownerPool, companyId);
  await generate();
}, 120_000);
afterAll(() => db?.drop());

test('ingest counts a retried batch once: duplicates by event_id add nothing to session_day_events', async () => {
  const ids = Array.from({ length: 12 }, () => randomUUID());
  const g3 = () => db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT coalesce(sum(events), 0) AS n FROM session_day_events WHERE company_id = ${companyId} AND session_id = 'g3'`);
  const before = await g3();
  await db.appPool.query(sql.unsafe`SELECT * FROM ingest_event_batch(${companyId}, ${batch(ids.slice(0, 8))}::jsonb, '[]'::jsonb)`);
  expect(await g3()).toBe(before + 8);
  // the retry of the whole batch plus 4 new events: only the 4 are stored and counted
  await db.appPool.query(sql.unsafe`SELECT * FROM ingest_event_batch(${companyId}, ${batch(ids)}::jsonb, '[]'::jsonb)`);
  expect(await g3()).toBe(before + 12);
  const { kept, recomputed } = await sessionCounts();
  expect(kept.length).toBeGreaterThan(600);
  expect(kept).toEqual(recomputed);
  await expectStartsKept();
});

test('customer_first_orders equals each customer’s first two counted orders', async () => {
  const { kept, recomputed } = await firstOrders();
  expect(kept.length).toBeGreaterThan(40);
  expect(kept).toEqual(recomputed);
});

test('order_rollup_inputs holds every order with its rank, first-order instant and labels', async () => {
  const { kept, recomputed } = await orderInputs();
  expect(kept.length).toBeGreaterThan(400);
  expect(kept).toEqual(recomputed);
});

test('the rollups from the kept counts equal the from-raw rollups, per day and for the range in one statement', async () => {
  await expectStartsKept();
  await expectSameRollups();
  // the row where two campaign ids are one name: gv1 came by both (gb1 and g1), gvb by one, and the others by 111
  const brand = await db.ownerPool.one(sql.type(z.object({ ids: z.coerce.number(), visitors: z.coerce.number(), expected: z.coerce.number() }))`
    SELECT (SELECT count(DISTINCT campaign) FROM visitor_day_labels WHERE company_id = ${companyId} AND day = '2025-03-25' AND campaign IN ('111', 'Brand')) AS ids,
      (SELECT visitors FROM agg_daily_acquisition WHERE company_id = ${companyId} AND day = '2025-03-25' AND channel = 'Paid Search' AND campaign = 'Brand') AS visitors,
      (SELECT count(DISTINCT visitor_id) FROM sessions WHERE company_id = ${companyId} AND channel = 'Paid Search' AND label_campaign IN ('111', 'Brand')
         AND started_at >= '2025-03-25 00:00:00+01' AND started_at < '2025-03-26 00:00:00+01') AS expected`);
  expect(brand.ids).toBe(2);
  expect(brand.visitors).toBe(brand.expected);
  expect(brand.expected).toBeGreaterThan(2);
});

test('after orders change status or merge, the first orders follow and the rollups still equal the from-raw ones', async () => {
  // a customer's first order cancelled, a pending order paid, an order merged into another, a late earlier order
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET status = 'cancelled' WHERE company_id = ${companyId} AND external_id IN ('go0', 'go2', 'go15')`);
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET status = 'paid' WHERE company_id = ${companyId} AND external_id IN ('go4', 'go12')`);
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET merged_into_source = 'woocommerce', merged_into_external_id = 'go1' WHERE company_id = ${companyId} AND external_id = 'go61'`);
  await db.ownerPool.query(sql.unsafe`UPDATE orders SET email_hash = md5('customer3') WHERE company_id = ${companyId} AND external_id = 'go9'`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash)
    VALUES (${companyId}, 'woocommerce', 'late1', 'late1', 'late1', 'paid', 'gen', 'EUR', 4200, '2025-03-24T08:00:00Z', md5('customer5'))`);
  const { kept, recomputed } = await firstOrders();
  expect(kept).toEqual(recomputed);
  const inputs = await orderInputs();
  expect(inputs.kept).toEqual(inputs.recomputed);
  await expectSameRollups();
});

test('after attribution is rewritten or deleted and orders are deleted, the order inputs follow and the rollups still equal the from-raw ones', async () => {
  // labels rewritten (as a re-attribution upserts them), an attribution added, two deleted, two orders deleted (re-ranking their customers)
  const before = await orderInputs();
  await db.ownerPool.query(sql.unsafe`
    UPDATE order_attribution SET first_touch_channel = 'Referral', first_touch_source = 'blog.example.org', first_touch_medium = 'referral',
      last_touch_campaign = NULL, first_touch_at = first_touch_at - interval '3 days'
    WHERE company_id = ${companyId} AND external_id IN ('go3', 'go6', 'go7', 'go10')`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
      touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
      last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, path_digest)
    SELECT o.company_id, o.source, o.external_id, 'attribution-v1', 'last_non_direct', o.created_at, o.currency, o.total_minor, now(), 1,
      'g1', o.created_at - interval '2 hours', 'Email', 'newsletter', 'email', 'c1', 'gen', 'g1', o.created_at - interval '2 hours', 'Email', 'newsletter', 'email', 'c1', 'gen', 'y'
    FROM orders o WHERE o.company_id = ${companyId} AND o.external_id = 'late1'`);
  await db.ownerPool.query(sql.unsafe`DELETE FROM order_attribution WHERE company_id = ${companyId} AND external_id IN ('go1', 'go13')`);
  await db.ownerPool.query(sql.unsafe`DELETE FROM orders WHERE company_id = ${companyId} AND external_id IN ('go5', 'go60')`);
  const after = await orderInputs();
  expect(after.kept).not.toEqual(before.kept);
  expect(after.kept).toEqual(after.recomputed);
  await expectSameRollups();
});

test('session starts follow ingest, a start moved to the day before by a late event, and erased sessions; the rollups still equal the from-raw ones', async () => {
  await expectStartsKept();
  const startOf = (session: string) => db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', day, started, events, coalesce(channel, '-'), engaged) AS r FROM session_day_events WHERE company_id = ${companyId} AND session_id = ${session} ORDER BY 1`);
  // a new session by ingest: one page view (not engaged), then a second batch makes it engaged
  const event = (id: string, name: string, at: string, context: Record<string, unknown>) => ({
    event_id: id, event_name: name, occurred_at: at, received_at: at, source: 'browser', visitor_id: 'nv1', session_id: 'n1',
    properties: {}, consent: {}, context: { channel: 'Direct', channel_rule: 'test', ...context }, gpc: false, forwardable: true,
  });
  const ingest = (rows: unknown[]) =>
    db.appPool.query(sql.unsafe`SELECT * FROM ingest_event_batch(${companyId}, ${JSON.stringify(rows)}::jsonb, '[]'::jsonb)`);
  await ingest([event(randomUUID(), 'page_view', '2025-03-27T08:00:00Z', {})]);
  expect(await startOf('n1')).toEqual(['2025-03-27|t|1|Direct|f']);
  await ingest([event(randomUUID(), 'page_view', '2025-03-27T08:00:10Z', {})]);
  expect(await startOf('n1')).toEqual(['2025-03-27|t|2|Direct|t']);
  // a late event of the evening before (Berlin) is the real landing: the start and its labels move to that day
  await ingest([event(randomUUID(), 'page_view', '2025-03-26T21:30:00Z', { channel: 'Email', utm: { source: 'newsletter', medium: 'email' } })]);
  expect(await startOf('n1')).toEqual(['2025-03-26|t|1|Email|t', '2025-03-27|f|2|-|f']);
  await expectStartsKept();
  await expectSameRollups();

  // an erased person's sessions (lib/privacy/dsr.ts deletes them): their starts are cleared, counts stay
  const erased = await db.ownerPool.anyFirst(sql.type(z.object({ s: z.string() }))`
    DELETE FROM sessions WHERE company_id = ${companyId} AND visitor_id IN ('gv7', 'nv1') RETURNING session_id AS s`);
  expect(erased.length).toBeGreaterThan(1);
  const left = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM session_day_events WHERE company_id = ${companyId} AND session_id = ANY (${sql.array(erased, 'text')})
      AND (started OR visitor_id IS NOT NULL OR channel IS NOT NULL)`);
  expect(left).toBe(0);
  // nor are their visitor ids kept by the visitor counts (0025)
  const visitorRows = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT (SELECT count(*) FROM visitor_days WHERE company_id = ${companyId} AND visitor_id IN ('gv7', 'nv1'))
      + (SELECT count(*) FROM visitor_day_labels WHERE company_id = ${companyId} AND visitor_id IN ('gv7', 'nv1')) AS n`);
  expect(visitorRows).toBe(0);
  expect(await startOf('n1')).toEqual(['2025-03-26|f|1|-|f', '2025-03-27|f|2|-|f']);
  await expectStartsKept();
  await expectSameRollups();
});

test('two transactions deleting a visitor’s last two sessions of a day at once leave no visitor row', async () => {
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, page_view_count, event_count)
    VALUES (${companyId}, 'cc1', 'cv1', '2025-03-29 10:00:00+01', '2025-03-29 10:00:00+01', 'Direct', 'gen', 1, 1),
           (${companyId}, 'cc2', 'cv1', '2025-03-29 11:00:00+01', '2025-03-29 11:00:00+01', 'Direct', 'gen', 1, 1)`);
  const rowsOf = () => db.ownerPool.anyFirst(sql.type(countsRow)`
    SELECT concat_ws('|', 'day', sessions) AS r FROM visitor_days WHERE company_id = ${companyId} AND visitor_id = 'cv1'
    UNION ALL SELECT concat_ws('|', 'labels', sessions) FROM visitor_day_labels WHERE company_id = ${companyId} AND visitor_id = 'cv1' ORDER BY 1`);
  expect(await rowsOf()).toEqual(['day|2', 'labels|2']);
  const first = new pg.Client({ connectionString: db.ownerUrl });
  const second = new pg.Client({ connectionString: db.ownerUrl });
  await first.connect();
  await second.connect();
  try {
    await first.query('BEGIN');
    await first.query(`DELETE FROM sessions WHERE company_id = $1 AND session_id = 'cc1'`, [companyId]);
    await second.query('BEGIN');
    const secondPid = z.object({ pid: z.coerce.number() }).parse((await second.query('SELECT pg_backend_pid() AS pid')).rows[0]).pid;
    const secondDelete = second.query(`DELETE FROM sessions WHERE company_id = $1 AND session_id = 'cc2'`, [companyId]);
    // the second delete's trigger waits on the row the first one decremented (both read 2 before either commits)
    for (let waited = 0; ; waited += 20) {
      const waiting = await db.ownerPool.maybeOneFirst(sql.type(z.object({ w: z.string().nullable() }))`
        SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = ${secondPid}`);
      if (waiting === 'Lock') break;
      if (waited > 10_000) throw new Error('the second delete never waited for the first');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await first.query('COMMIT');
    await secondDelete;
    await second.query('COMMIT');
  } finally {
    await first.end();
    await second.end();
  }
  expect(await rowsOf()).toEqual([]);
  await expectStartsKept();
});

test('a time zone change rebuilds the counts on the new local days; the rollups still equal the from-raw ones', async () => {
  const before = await sessionCounts();
  await withTenant(db.appPool, companyId, (tx) => tx.query(sql.unsafe`UPDATE companies SET time_zone = 'America/New_York' WHERE company_id = ${companyId}`));
  const after = await sessionCounts();
  expect(after.kept).not.toEqual(before.kept);
  expect(after.kept).toEqual(after.recomputed);
  await expectStartsKept();
  await expectSameRollups();
});

test('a bulk load of 20,000 customers’ orders in one statement keeps customer_first_orders (bounded advisory locks)', async () => {
  // One advisory lock per customer held to the end of the transaction ran Postgres's shared lock table out
  // ("out of shared memory") for a few thousand customers at once; the locks are per bucket of customers now.
  const bulk = (await createTestCompany(db.ownerPool, 'Bulk Shop')).companyId;
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash)
    SELECT ${bulk}, 'woocommerce', 'b' || j, 'b' || j, 'b' || j, 'paid', 'gen', 'EUR', 1000, timestamptz '2025-03-25 10:00:00+01' + j * interval '1 second', md5('bulk' || j)
    FROM generate_series(1, 20000) j`);
  const kept = await db.ownerPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM customer_first_orders WHERE company_id = ${bulk} AND second_created_at IS NULL`);
  expect(kept).toBe(20000);
});
