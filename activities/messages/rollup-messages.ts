// rollupMessagesDay: one company-local day of email/SMS metrics, in one transaction, set-based:
//   1. message_order_attribution for the orders purchased that day: the last message click within 5 days
//      before the purchase by the same person (the send's recipient hash is the order's email hash; or,
//      the fallback, a session of the order's visitor that landed from a tracked click: lux_mid in its
//      landing page names the send). docs/messages.md "Attribution".
//   2. agg_daily_messages for that day (DELETE the day, INSERT … SELECT), per channel, provider and campaign:
//      sends on their send day; delivered/opened/clicked/... as distinct sends whose *first* event of that
//      kind fell on the day (so summing days counts each send once); attributed orders on the purchase day.
// Run twice, it writes identical rows.
import { sql } from 'slonik';
import { z } from 'zod';
import type { TenantTransaction } from '../../lib/db/tenant';

/** The attribution window: a message click up to this long before the purchase is credited. */
export const MESSAGE_ATTRIBUTION_WINDOW_DAYS = 5;

const countRow = z.object({ n: z.coerce.number() });

export async function rollupMessagesDaySql(tx: TenantTransaction, companyId: string, day: string): Promise<Record<string, number>> {
  const bounds = sql.fragment`
    SELECT (${day}::date::timestamp AT TIME ZONE c.time_zone) AS day_start,
           ((${day}::date + 1)::timestamp AT TIME ZONE c.time_zone) AS day_end,
           c.reporting_currency
    FROM companies c WHERE c.company_id = ${companyId}`;

  // section: 1. which message each order of the day is credited to
  await tx.query(sql.unsafe`DELETE FROM message_order_attribution WHERE company_id = ${companyId} AND day = ${day}::date`);
  const attributed = await tx.oneFirst(sql.type(countRow)`
    WITH b AS (${bounds}),
    orders_of_day AS (
      SELECT o.source, o.external_id, o.created_at, o.currency, o.total_minor, o.email_hash, o.visitor_id
      FROM fct_orders o, b
      WHERE o.company_id = ${companyId} AND o.created_at >= b.day_start AND o.created_at < b.day_end
        AND o.status IN ('paid', 'fulfilled', 'partially_refunded')
    ),
    -- section: clicks on sends to the order's email
    by_recipient AS (
      SELECT o.source, o.external_id, s.provider, s.send_id, s.channel, coalesce(s.campaign_id, '') AS campaign_id,
        e.occurred_at AS clicked_at, 'recipient_hash' AS matched_by, 1 AS preference
      FROM orders_of_day o
      JOIN message_sends s ON s.company_id = ${companyId} AND s.recipient_hash = o.email_hash
      JOIN message_events e ON e.company_id = s.company_id AND e.provider = s.provider AND e.send_id = s.send_id AND e.event_type = 'clicked'
      WHERE o.email_hash IS NOT NULL
        AND e.occurred_at < o.created_at AND e.occurred_at >= o.created_at - make_interval(days => ${MESSAGE_ATTRIBUTION_WINDOW_DAYS})
    ),
    -- section: fallback, a session of the order's visitor that landed from a tracked click
    by_session AS (
      SELECT o.source, o.external_id, s.provider, s.send_id, s.channel, coalesce(s.campaign_id, '') AS campaign_id,
        ss.started_at AS clicked_at, 'landing_session' AS matched_by, 2 AS preference
      FROM orders_of_day o
      JOIN sessions ss ON ss.company_id = ${companyId} AND ss.visitor_id = o.visitor_id
      JOIN message_sends s ON s.company_id = ss.company_id AND s.link_ref = substring(ss.landing_page FROM '[?&]lux_mid=([0-9a-f]{24})')
      WHERE o.visitor_id IS NOT NULL AND ss.landing_page LIKE '%lux_mid=%'
        AND ss.started_at < o.created_at AND ss.started_at >= o.created_at - make_interval(days => ${MESSAGE_ATTRIBUTION_WINDOW_DAYS})
    ),
    last_click AS (
      SELECT DISTINCT ON (source, external_id) * FROM (SELECT * FROM by_recipient UNION ALL SELECT * FROM by_session) c
      ORDER BY source, external_id, clicked_at DESC, preference, provider, send_id
    ),
    inserted AS (
      INSERT INTO message_order_attribution (company_id, order_source, order_external_id, day, provider, send_id, channel, campaign_id,
        clicked_at, purchased_at, matched_by, currency, revenue_minor, revenue_reporting_minor)
      SELECT ${companyId}, o.source, o.external_id, ${day}::date, l.provider, l.send_id, l.channel, l.campaign_id, l.clicked_at, o.created_at,
        l.matched_by, o.currency, o.total_minor, fx_convert_minor(o.total_minor, o.currency, b.reporting_currency, ${day}::date)
      FROM last_click l JOIN orders_of_day o USING (source, external_id), b
      RETURNING 1
    )
    SELECT count(*) AS n FROM inserted`);

  // section: 2. the day's rows
  await tx.query(sql.unsafe`DELETE FROM agg_daily_messages WHERE company_id = ${companyId} AND day = ${day}::date`);
  const rows = await tx.oneFirst(sql.type(countRow)`
    WITH b AS (${bounds}),
    sends_of_day AS (
      SELECT s.channel, s.provider, coalesce(s.campaign_id, '') AS campaign_id, count(*) AS sends
      FROM message_sends s, b
      WHERE s.company_id = ${companyId} AND s.sent_at >= b.day_start AND s.sent_at < b.day_end
      GROUP BY 1, 2, 3
    ),
    touched AS (
      SELECT DISTINCT e.provider, e.send_id FROM message_events e, b
      WHERE e.company_id = ${companyId} AND e.send_id IS NOT NULL AND e.occurred_at >= b.day_start AND e.occurred_at < b.day_end
    ),
    -- first event of each kind per send (over all time: a send counts on the day of its first open, ...)
    firsts AS (
      SELECT e.provider, e.send_id, e.event_type, min(e.occurred_at) AS first_at,
        min(e.occurred_at) FILTER (WHERE NOT e.proxy_open) AS first_person_at,
        bool_and(e.proxy_open) AS only_proxy,
        count(*) FILTER (WHERE e.occurred_at >= b.day_start AND e.occurred_at < b.day_end) AS on_day
      FROM message_events e JOIN touched t ON t.provider = e.provider AND t.send_id = e.send_id, b
      WHERE e.company_id = ${companyId}
      GROUP BY 1, 2, 3
    ),
    event_counts AS (
      SELECT coalesce(s.channel, 'email') AS channel, f.provider, coalesce(s.campaign_id, '') AS campaign_id,
        count(*) FILTER (WHERE f.event_type = 'delivered' AND f.first_at >= b.day_start) AS delivered,
        count(*) FILTER (WHERE f.event_type = 'bounced' AND f.first_at >= b.day_start) AS bounced,
        count(*) FILTER (WHERE f.event_type = 'failed' AND f.first_at >= b.day_start) AS failed,
        count(*) FILTER (WHERE f.event_type = 'opened' AND f.first_at >= b.day_start) AS opened,
        count(*) FILTER (WHERE f.event_type = 'opened' AND f.first_person_at >= b.day_start AND f.first_person_at < b.day_end) AS opened_by_person,
        count(*) FILTER (WHERE f.event_type = 'opened' AND f.only_proxy AND f.first_at >= b.day_start) AS proxy_opens,
        count(*) FILTER (WHERE f.event_type = 'clicked' AND f.first_at >= b.day_start) AS clicked,
        coalesce(sum(f.on_day) FILTER (WHERE f.event_type = 'clicked'), 0) AS clicks_total,
        count(*) FILTER (WHERE f.event_type = 'unsubscribed' AND f.first_at >= b.day_start) AS unsubscribed,
        count(*) FILTER (WHERE f.event_type = 'complained' AND f.first_at >= b.day_start) AS complained,
        count(*) FILTER (WHERE f.event_type = 'opted_out' AND f.first_at >= b.day_start) AS opted_out,
        count(*) FILTER (WHERE f.event_type = 'replied' AND f.first_at >= b.day_start) AS responses
      FROM firsts f
      LEFT JOIN message_sends s ON s.company_id = ${companyId} AND s.provider = f.provider AND s.send_id = f.send_id, b
      -- only kinds whose first event is on this day (first_at < day_end holds for every touched send's kinds that happened by then)
      WHERE f.first_at < b.day_end
      GROUP BY 1, 2, 3
    ),
    -- inbound replies and opt-outs that matched no send: counted under no campaign
    unmatched AS (
      SELECT e.channel, e.provider, '' AS campaign_id,
        count(*) FILTER (WHERE e.event_type = 'opted_out') AS opted_out, count(*) FILTER (WHERE e.event_type = 'replied') AS responses
      FROM message_events e, b
      WHERE e.company_id = ${companyId} AND e.send_id IS NULL AND e.occurred_at >= b.day_start AND e.occurred_at < b.day_end
      GROUP BY 1, 2
    ),
    attributed AS (
      SELECT a.channel, a.provider, a.campaign_id, count(*) AS orders,
        coalesce(sum(a.revenue_reporting_minor), 0) AS revenue, count(*) FILTER (WHERE a.revenue_reporting_minor IS NULL) AS fx_missing
      FROM message_order_attribution a
      WHERE a.company_id = ${companyId} AND a.day = ${day}::date
      GROUP BY 1, 2, 3
    ),
    combined AS (
      SELECT channel, provider, campaign_id, sends, 0 AS delivered, 0 AS bounced, 0 AS failed, 0 AS opened, 0 AS opened_by_person, 0 AS proxy_opens,
        0 AS clicked, 0 AS clicks_total, 0 AS unsubscribed, 0 AS complained, 0 AS opted_out, 0 AS responses, 0 AS orders, 0 AS revenue, 0 AS fx_missing
      FROM sends_of_day
      UNION ALL
      SELECT channel, provider, campaign_id, 0, delivered, bounced, failed, opened, opened_by_person, proxy_opens, clicked, clicks_total,
        unsubscribed, complained, opted_out, responses, 0, 0, 0
      FROM event_counts
      UNION ALL
      SELECT channel, provider, campaign_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, opted_out, responses, 0, 0, 0 FROM unmatched
      UNION ALL
      SELECT channel, provider, campaign_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, fx_missing FROM attributed
    ),
    final AS (
      SELECT channel, provider, campaign_id, sum(sends) AS sends, sum(delivered) AS delivered, sum(bounced) AS bounced, sum(failed) AS failed,
        sum(opened) AS opened, sum(opened_by_person) AS opened_by_person, sum(proxy_opens) AS proxy_opens, sum(clicked) AS clicked,
        sum(clicks_total) AS clicks_total, sum(unsubscribed) AS unsubscribed, sum(complained) AS complained, sum(opted_out) AS opted_out,
        sum(responses) AS responses, sum(orders) AS orders, sum(revenue) AS revenue, sum(fx_missing) AS fx_missing
      FROM combined GROUP BY 1, 2, 3
    ),
    inserted AS (
      INSERT INTO agg_daily_messages (company_id, day, channel, provider, campaign_id, sends, delivered, bounced, failed, opened, opened_by_person,
        proxy_opens, clicked, clicks_total, unsubscribed, complained, opted_out, responses, attributed_orders, currency, attributed_revenue_minor,
        revenue_fx_missing)
      SELECT ${companyId}, ${day}::date, f.channel, f.provider, f.campaign_id, f.sends, f.delivered, f.bounced, f.failed, f.opened, f.opened_by_person,
        f.proxy_opens, f.clicked, f.clicks_total, f.unsubscribed, f.complained, f.opted_out, f.responses, f.orders, b.reporting_currency, f.revenue,
        f.fx_missing
      FROM final f, b
      WHERE f.sends + f.delivered + f.bounced + f.failed + f.opened + f.clicked + f.clicks_total + f.unsubscribed + f.complained + f.opted_out
        + f.responses + f.orders > 0
      RETURNING 1
    )
    SELECT count(*) AS n FROM inserted`);
  return { message_order_attribution: attributed, agg_daily_messages: rows };
}
