// The hand-worked rollup fixture (company in Europe/Berlin, reporting EUR) around both DST changes of
// 2025: 2025-03-30 has 23 hours (local day = [03-29 23:00Z, 03-30 22:00Z)), 2025-10-26 has 25 hours
// ([10-25 22:00Z, 10-26 23:00Z)). Rows sit just inside and just outside those bounds, so a 24-hour day
// or a UTC day would put them elsewhere. The expected metrics were worked out by hand from
// docs/metrics.md, not by running the code: test/fixtures/rollups-expected.csv (every non-zero measure
// of every agg_daily_* row) and test/fixtures/rollups-expected-metrics.csv (a few view metrics).
//
// Day 2025-03-30: sessions sA1 (Paid Search, campaign id 111 = ad campaign "Brand", starts 00:10 local),
// sA2 (Direct, 1 page view, 10 s), sA3 (Organic, 40 s), sA5 (Email, add_to_cart); sA4 starts at 00:30
// local on 03-31. Orders o1 (EUR, new), o2 (USD, e2's second order), o3 (GBP: no rate, flagged),
// o4 (00:10 local on 03-31), o5 cancelled, A-o1 a provisional order merged into o1 (neither counts twice).
// Ad spend Google (EUR), Meta (USD → EUR), TikTok (GBP: no rate). Subscriptions EUR, USD (rate only in
// March), one churned on 03-30. Day 2025-10-26: sB2 at 00:05 local, sB1 at 23:30 local, order o7 at
// 23:45 local, o8 at 00:05 local on 10-27.
import { createHash, randomUUID } from 'node:crypto';
import { sql, type DatabasePool } from 'slonik';

export const FIXTURE_DAYS = ['2025-03-30', '2025-03-31', '2025-10-26'];

const email = (name: string): string => createHash('sha256').update(`${name}@example.com`).digest('hex');

type Session = [id: string, visitor: string, startedAt: string, lastSeenAt: string, channel: string, utm: [string | null, string | null, string | null], referrerHost: string | null, pageViews: number];
const SESSIONS: Session[] = [
  ['sA1', 'v1', '2025-03-29T23:10:00Z', '2025-03-29T23:15:00Z', 'Paid Search', ['google', 'cpc', '111'], null, 3],
  ['sA2', 'v2', '2025-03-30T10:00:00Z', '2025-03-30T10:00:10Z', 'Direct', [null, null, null], null, 1],
  ['sA3', 'v2', '2025-03-30T21:30:00Z', '2025-03-30T21:30:40Z', 'Organic Search', [null, null, null], 'www.google.com', 1],
  ['sA4', 'v3', '2025-03-30T22:30:00Z', '2025-03-30T22:30:00Z', 'Paid Social', ['facebook', 'paid_social', 'Spring'], null, 1],
  ['sA5', 'v4', '2025-03-30T12:00:00Z', '2025-03-30T12:00:05Z', 'Email', ['newsletter', 'email', 'march'], null, 1],
  ['sB1', 'v5', '2025-10-26T22:30:00Z', '2025-10-26T22:31:00Z', 'Direct', [null, null, null], null, 2],
  ['sB2', 'v6', '2025-10-25T22:05:00Z', '2025-10-25T22:05:00Z', 'Referral', [null, null, null], 'blog.example.org', 1],
];

type Event = [name: string, at: string, session: string | null];
const EVENTS: Event[] = [
  ['page_view', '2025-03-29T23:10:00Z', 'sA1'],
  ['page_view', '2025-03-29T23:11:00Z', 'sA1'],
  ['page_view', '2025-03-29T23:12:00Z', 'sA1'],
  ['add_to_cart', '2025-03-29T23:13:00Z', 'sA1'],
  ['begin_checkout', '2025-03-29T23:14:00Z', 'sA1'],
  ['purchase', '2025-03-29T23:15:00Z', 'sA1'],
  ['page_view', '2025-03-29T22:59:59Z', null], // 23:59:59 local on 03-29: not a fixture day
  ['page_view', '2025-03-30T10:00:00Z', 'sA2'],
  ['page_view', '2025-03-30T21:30:00Z', 'sA3'],
  ['page_view', '2025-03-30T22:30:00Z', 'sA4'],
  ['page_view', '2025-03-30T12:00:00Z', 'sA5'],
  ['add_to_cart', '2025-03-30T12:00:05Z', 'sA5'],
  ['signup', '2025-03-30T15:00:00Z', null],
  ['page_view', '2025-10-26T22:30:00Z', 'sB1'],
  ['page_view', '2025-10-26T22:31:00Z', 'sB1'],
  ['page_view', '2025-10-25T22:05:00Z', 'sB2'],
];

type Touch = [session: string, at: string, channel: string, source: string, medium: string, campaign: string | null];
type Order = { id: string; at: string; currency: string; total: number; status?: string; email?: string; customer?: string; first?: Touch; last?: Touch; source?: string; mergedInto?: string };
const T_A1: Touch = ['sA1', '2025-03-29T23:10:00Z', 'Paid Search', 'google', 'cpc', '111'];
const ORDERS: Order[] = [
  { id: 'o0', at: '2025-02-10T10:00:00Z', currency: 'EUR', total: 2000, email: 'e2' },
  { id: 'o1', at: '2025-03-29T23:15:00Z', currency: 'EUR', total: 10000, email: 'e1', first: T_A1, last: T_A1 },
  { id: 'A-o1', source: 'storefront', at: '2025-03-29T23:15:00Z', currency: 'EUR', total: 10000, email: 'e1', mergedInto: 'o1' },
  { id: 'o2', at: '2025-03-30T12:30:00Z', currency: 'USD', total: 5000, email: 'e2',
    first: ['s-old', '2025-03-25T12:00:00Z', 'Email', 'newsletter', 'email', 'march'], last: ['sA3', '2025-03-30T11:00:00Z', 'Organic Search', 'google.com', 'organic', null] },
  { id: 'o3', at: '2025-03-30T20:00:00Z', currency: 'GBP', total: 3000, customer: 'c3' },
  { id: 'o4', at: '2025-03-30T22:10:00Z', currency: 'EUR', total: 2000, email: 'e1', first: T_A1, last: ['sA4', '2025-03-30T22:30:00Z', 'Paid Social', 'facebook', 'paid_social', 'Spring'] },
  { id: 'o5', at: '2025-03-30T13:00:00Z', currency: 'EUR', total: 9999, email: 'e9', status: 'cancelled' },
  { id: 'o7', at: '2025-10-26T22:45:00Z', currency: 'EUR', total: 4000, email: 'e3', first: ['sB1', '2025-10-26T22:30:00Z', 'Direct', '(direct)', '(none)', null], last: ['sB1', '2025-10-26T22:30:00Z', 'Direct', '(direct)', '(none)', null] },
  { id: 'o8', at: '2025-10-26T23:05:00Z', currency: 'EUR', total: 700, email: 'e3' },
];

export async function insertRollupFixture(ownerPool: DatabasePool, companyId: string): Promise<void> {
  await ownerPool.transaction(async (tx) => {
    for (const [id, visitor, startedAt, lastSeenAt, channel, [src, med, camp], host, pageViews] of SESSIONS) {
      await tx.query(sql.unsafe`
        INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, channel, channel_rule, utm_source, utm_medium, utm_campaign, referrer_host, page_view_count, event_count)
        VALUES (${companyId}, ${id}, ${visitor}, ${startedAt}, ${lastSeenAt}, ${channel}, 'fixture', ${src}, ${med}, ${camp}, ${host}, ${pageViews}, ${pageViews})`);
    }
    for (const [name, at, session] of EVENTS) await insertEvent(tx, companyId, name, at, session);
    for (const o of ORDERS) {
      const source = o.source ?? 'woocommerce';
      await tx.query(sql.unsafe`
        INSERT INTO orders (company_id, source, external_id, order_key, number_key, status, source_status, currency, total_minor, created_at, email_hash,
          customer_external_id, provisional, merged_into_source, merged_into_external_id)
        VALUES (${companyId}, ${source}, ${o.id}, ${o.id.toLowerCase()}, ${o.id.toLowerCase()}, ${o.status ?? 'paid'}, 'fixture', ${o.currency}, ${o.total}, ${o.at},
          ${o.email ? email(o.email) : null}, ${o.customer ?? null}, ${source === 'storefront'}, ${o.mergedInto ? 'woocommerce' : null}, ${o.mergedInto ?? null})`);
      if (o.first && o.last) {
        const [fs, fa, fc, fsrc, fmed, fcamp] = o.first;
        const [ls, la, lc, lsrc, lmed, lcamp] = o.last;
        await tx.query(sql.unsafe`
          INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at,
            touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium, first_touch_campaign, first_touch_reason,
            last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium, last_touch_campaign, last_touch_reason, path_digest)
          VALUES (${companyId}, 'woocommerce', ${o.id}, 'attribution-v1', 'last_non_direct', ${o.at}, ${o.currency}, ${o.total}, now(), 2,
            ${fs}, ${fa}, ${fc}, ${fsrc}, ${fmed}, ${fcamp}, 'fixture', ${ls}, ${la}, ${lc}, ${lsrc}, ${lmed}, ${lcamp}, 'fixture', 'x')`);
      }
    }
    await tx.query(sql.unsafe`
      INSERT INTO refunds (company_id, source, external_id, order_external_id, amount_minor, currency, created_at)
      VALUES (${companyId}, 'woocommerce', 'r1', 'o1', 1000, 'EUR', '2025-03-30T18:00:00Z')`);
    await tx.query(sql.unsafe`
      INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, campaign_name, currency, spend_micros, spend_minor, impressions, clicks) VALUES
        (${companyId}, 'google_ads', '1234567890', '2025-03-30', 'campaign', '111', 'Brand', 'EUR', 50000000, 5000, 1000, 50),
        (${companyId}, 'meta', '2222', '2025-03-30', 'campaign', '222', 'Spring', 'USD', 10800000, 1080, 500, 20),
        (${companyId}, 'tiktok', '3333', '2025-03-30', 'campaign', '333', 'TT', 'GBP', 5000000, 500, 100, 5)`);
    await tx.query(sql.unsafe`
      INSERT INTO leads (company_id, source, kind, external_id, created_at, session_id) VALUES
        (${companyId}, 'gohighlevel', 'contact', 'l1', '2025-03-30T09:00:00Z', 'sA2'),
        (${companyId}, 'gohighlevel', 'opportunity', 'l1', '2025-03-30T09:00:00Z', 'sA2')`);
    await tx.query(sql.unsafe`
      INSERT INTO subscriptions (company_id, source, external_id, status, currency, mrr_minor, started_at, canceled_at, ended_at) VALUES
        (${companyId}, 'stripe', 'sub1', 'active', 'EUR', 1000, '2025-01-01T00:00:00Z', NULL, NULL),
        (${companyId}, 'stripe', 'sub2', 'active', 'USD', 1080, '2025-03-30T08:00:00Z', NULL, NULL),
        (${companyId}, 'stripe', 'sub3', 'canceled', 'EUR', 500, '2025-02-01T00:00:00Z', '2025-03-20T00:00:00Z', '2025-03-30T15:00:00Z'),
        (${companyId}, 'stripe', 'sub4', 'incomplete', 'EUR', 700, '2025-03-30T08:00:00Z', NULL, NULL)`);
    // global FX: EUR→USD on Friday 2025-03-28 only (used for 03-30 and 03-31, too old for October)
    await tx.query(sql.unsafe`
      INSERT INTO fx_rates (day, base_currency, quote_currency, rate, source) VALUES ('2025-03-28', 'EUR', 'USD', 1.08, 'fixture')
      ON CONFLICT DO NOTHING`);
  });
}

export async function insertEvent(tx: { query: DatabasePool['query'] }, companyId: string, name: string, at: string, session: string | null): Promise<void> {
  const visitor = SESSIONS.find((s) => s[0] === session)?.[1] ?? null;
  await tx.query(sql.unsafe`
    INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source, session_id, visitor_id)
    VALUES (${companyId}, ${randomUUID()}, ${name}, ${at}, ${session ? 'browser' : 'server'}, ${session}, ${visitor})`);
}
