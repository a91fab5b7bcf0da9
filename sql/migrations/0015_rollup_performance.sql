-- Up Migration
--
-- Rollup performance (issue 6 follow-up): rollup_company_day() rewritten so one company-day costs a small
-- multiple of a sequential scan of its raw events (docs/benchmarks.md, Rollups). Same tables, same rows,
-- same semantics as the 0008 version (test/integration/rollups.test.ts compares the hand-worked fixture
-- exactly); 0008 is not edited because it is applied. What changed:
--   - raw_events is read once: one hash aggregate per session whose per-row work is a single CASE on the
--     event name (event_kind) and integer FILTER tests, instead of ~14 text comparisons per event row;
--     key_event and funnel depth are derived from the per-session counts afterwards.
--   - the day's sessions are joined to that per-session aggregate once (a hash FULL JOIN), giving one row
--     per session of the day (started on it, or with events on it); acquisition, traffic and funnel are all
--     aggregated from that one materialised set. Sessions started before the day are looked up by primary
--     key only for the few event sessions not started on the day (a gated lateral lookup).
--   - the funnel is one pass (count FILTER per step) instead of a 4 × sessions nested loop.
--   - no temporary tables: the day's orders are a materialised CTE of the same single statement that
--     writes every table but MRR, so no per-call catalog churn, TRUNCATE or ANALYZE (these dominate a
--     backfill of many small days) and plans can be cached. plan_cache_mode = force_custom_plan keeps the
--     planner seeing the real day bounds (a generic plan would guess the day's share of raw_events).
--   - leads are labelled by a primary-key lookup of their session (no hash join over all sessions), and
--     an order's customer history is looked up only by the key it has (email hash or customer id), on
--     the order's own row, and its attribution by primary key (not a hash join over all attributions).
-- No index is added: the day-range predicates are served by raw_events_company_occurred_idx (0001),
-- sessions_company_started_idx (0002), orders/refunds/leads (company_id, created_at) (0004, 0008).

-- The kind of an event for the rollups, as one small integer: 1 page_view, 2 add_to_cart,
-- 3 begin_checkout, 4 purchase (1–4 = funnel_step_index), 5 signup, 6 lead_submit, 0 anything else.
-- 2–6 are exactly is_key_event() (0008).
CREATE FUNCTION event_kind(p_event_name text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_event_name WHEN 'page_view' THEN 1 WHEN 'add_to_cart' THEN 2 WHEN 'begin_checkout' THEN 3 WHEN 'purchase' THEN 4
    WHEN 'signup' THEN 5 WHEN 'lead_submit' THEN 6 ELSE 0 END;

CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE plpgsql
  -- JIT compiles these wide statements for longer than they run (400 ms of emission for a 100k-event day)
  SET jit = off
  -- the day's per-session aggregates (100k sessions for 1M events) hash in memory instead of spilling
  SET work_mem = '64MB'
  -- plan each call with its real day bounds and company (planning is a few ms; a generic plan guesses)
  SET plan_cache_mode = force_custom_plan
  AS $$
#variable_conflict use_column
DECLARE
  v_tz text;
  v_currency text;
  v_start timestamptz;
  v_end timestamptz;
  v_t0 timestamptz := clock_timestamp();
  v_counts jsonb;
  v_n bigint;
BEGIN
  SELECT c.time_zone, c.reporting_currency INTO v_tz, v_currency FROM companies c WHERE c.company_id = p_company_id;
  IF v_tz IS NULL THEN
    RAISE EXCEPTION 'rollup_company_day: company % not found (or not the current tenant)', p_company_id USING ERRCODE = 'no_data_found';
  END IF;
  v_start := local_day_start(p_day, v_tz);
  v_end := local_day_start(p_day + 1, v_tz);
  PERFORM pg_advisory_xact_lock(hashtextextended(p_company_id::text || ':rollup:' || p_day::text, 0));

  DELETE FROM agg_daily_acquisition WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_traffic WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_funnel WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_time_to_conversion WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_revenue WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_cohort_revenue WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_mrr WHERE company_id = p_company_id AND day = p_day;

  -- section: every table but MRR, in one statement (its CTEs are computed once and shared)
  WITH
  -- section: orders of the day, with the customer's history and the FX rate
  -- (stg_orders' columns, on the tables: its join to order_attribution is planned as a hash join over every
  -- attribution row of the company, which grows with the history; here it is one primary-key lookup per
  -- order of the day — LIMIT 1 keeps the lateral from being flattened back into that join)
  day_orders AS (
    SELECT o.source, o.external_id, o.created_at, o.currency, o.total_minor, o.email_hash, o.customer_external_id,
      CASE WHEN o.email_hash IS NOT NULL THEN 'email:' || o.email_hash
           WHEN o.customer_external_id IS NOT NULL THEN 'customer:' || o.source || ':' || o.customer_external_id
           ELSE 'order:' || o.source || ':' || o.external_id END AS customer_key,
      a.first_touch_at,
      coalesce(a.first_touch_channel, '(unattributed)') AS first_touch_channel,
      coalesce(a.first_touch_source, '(none)') AS first_touch_source,
      coalesce(a.first_touch_medium, '(none)') AS first_touch_medium,
      coalesce(a.first_touch_campaign, '(not set)') AS first_touch_campaign,
      coalesce(a.last_touch_channel, '(unattributed)') AS last_touch_channel,
      coalesce(a.last_touch_source, '(none)') AS last_touch_source,
      coalesce(a.last_touch_medium, '(none)') AS last_touch_medium,
      coalesce(a.last_touch_campaign, '(not set)') AS last_touch_campaign
    FROM fct_orders o
    LEFT JOIN LATERAL (
      SELECT a.first_touch_at, a.first_touch_channel, a.first_touch_source, a.first_touch_medium, a.first_touch_campaign,
        a.last_touch_channel, a.last_touch_source, a.last_touch_medium, a.last_touch_campaign
      FROM order_attribution a
      WHERE a.company_id = o.company_id AND a.source = o.source AND a.external_id = o.external_id
      LIMIT 1
    ) a ON true
    WHERE o.company_id = p_company_id AND o.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
      AND o.created_at >= v_start AND o.created_at < v_end
  ),
  rates AS (
    SELECT cur.currency, fx.rate FROM (SELECT DISTINCT currency FROM day_orders) cur
    LEFT JOIN LATERAL fx_lookup(cur.currency, v_currency, p_day) fx ON true
  ),
  -- the customer's counted orders: by hashed email, else by the platform's customer id (index lookups),
  -- on each order's row (an order is one row per (source, external_id): no join back needed)
  ord AS MATERIALIZED (
    SELECT o.customer_key, o.currency::text AS currency, o.total_minor::bigint AS total_minor,
      fx_apply_minor(o.total_minor, r.rate, o.currency, v_currency) AS total_reporting, o.first_touch_at, o.created_at,
      (coalesce(coalesce(he.first_at, hc.first_at), o.created_at) AT TIME ZONE v_tz)::date AS first_order_day,
      coalesce(he.earlier, hc.earlier, 0)::bigint AS earlier_orders,
      o.first_touch_channel AS ft_channel, o.first_touch_source AS ft_source, o.first_touch_medium AS ft_medium, o.first_touch_campaign AS ft_campaign,
      o.last_touch_channel AS lt_channel, o.last_touch_source AS lt_source, o.last_touch_medium AS lt_medium, o.last_touch_campaign AS lt_campaign
    FROM day_orders o
    LEFT JOIN LATERAL (
      SELECT min(p.created_at) AS first_at, count(*) FILTER (WHERE (p.created_at, p.source, p.external_id) < (o.created_at, o.source, o.external_id)) AS earlier
      FROM fct_orders p
      -- (the ON condition repeated here gates the lookup: an ON-only condition still runs the subquery)
      WHERE o.email_hash IS NOT NULL
        AND p.company_id = p_company_id AND p.email_hash = o.email_hash AND p.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
    ) he ON o.email_hash IS NOT NULL
    LEFT JOIN LATERAL (
      SELECT min(p.created_at) AS first_at, count(*) FILTER (WHERE (p.created_at, p.source, p.external_id) < (o.created_at, o.source, o.external_id)) AS earlier
      FROM fct_orders p
      WHERE o.email_hash IS NULL AND o.customer_external_id IS NOT NULL
        AND p.company_id = p_company_id AND p.source = o.source AND p.customer_external_id = o.customer_external_id AND p.email_hash IS NULL
        AND p.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
    ) hc ON o.email_hash IS NULL AND o.customer_external_id IS NOT NULL
    LEFT JOIN rates r USING (currency)
  ),
  -- ad campaign ids → names: utm_campaign may carry either; rows are labelled with the name
  campaign_names AS (
    SELECT DISTINCT ON (a.campaign_id) a.campaign_id, a.campaign_name
    FROM ad_spend a WHERE a.company_id = p_company_id AND a.campaign_name IS NOT NULL AND a.day BETWEEN p_day - 90 AND p_day
    ORDER BY a.campaign_id, a.day DESC, a.campaign_name
  ),
  -- section: the day's raw events, one row per session (the one pass over raw_events). OFFSET 0 keeps the
  -- kind computed once per event row (not once per aggregate); the filters then compare integers.
  ev AS (
    SELECT k.session_id, count(*) AS events,
      count(*) FILTER (WHERE k.kind = 1) AS page_views, count(*) FILTER (WHERE k.kind = 2) AS add_to_carts,
      count(*) FILTER (WHERE k.kind = 3) AS begin_checkouts, count(*) FILTER (WHERE k.kind = 4) AS purchases,
      count(*) FILTER (WHERE k.kind = 5) AS signups, count(*) FILTER (WHERE k.kind = 6) AS lead_submits
    FROM (
      SELECT e.session_id, event_kind(e.event_name) AS kind
      FROM raw_events e
      WHERE e.company_id = p_company_id AND e.occurred_at >= v_start AND e.occurred_at < v_end
      OFFSET 0
    ) k
    GROUP BY k.session_id
  ),
  -- sessions started on the day, with their labels (campaign ids mapped to names). The labels are
  -- stg_sessions' expressions, on the table itself: through the security-barrier view the planner has no
  -- statistics for session_id and estimates the join below at 500× its size (then sorts instead of hashing).
  started AS (
    SELECT s.session_id, s.visitor_id, s.channel, l.source, l.medium, coalesce(n.campaign_name, l.campaign) AS campaign,
      s.page_view_count, s.last_seen_at - s.started_at >= interval '30 seconds' AS long_session
    FROM sessions s
    CROSS JOIN LATERAL (
      SELECT session_source(s.utm_source, s.utm_medium, s.referrer_host) AS source,
        session_medium(s.utm_source, s.utm_medium, s.referrer_host, s.channel) AS medium,
        coalesce(nullif(btrim(s.utm_campaign), ''), '(not set)') AS campaign
    ) l
    LEFT JOIN campaign_names n ON n.campaign_id = l.campaign
    WHERE s.company_id = p_company_id AND s.started_at >= v_start AND s.started_at < v_end
  ),
  -- one row per session of the day: started on it (on_day) and/or with events on it (has_events; the
  -- events without a session id are one row with session_id NULL). Events of a session started before
  -- the day take its labels (one primary-key lookup each, gated so only those rows look up); events of an
  -- unknown session have no labels ('(unattributed)' below).
  day_sessions AS MATERIALIZED (
    SELECT st.session_id IS NOT NULL AS on_day, ev.events IS NOT NULL AS has_events, ev.session_id IS NOT NULL AS event_session,
      st.visitor_id,
      coalesce(st.channel, o.channel, '(unattributed)') AS channel, coalesce(st.source, o.source, '(none)') AS source,
      coalesce(st.medium, o.medium, '(none)') AS medium, coalesce(st.campaign, o.campaign, '(not set)') AS campaign,
      (st.page_view_count >= 2 OR coalesce(ev.add_to_carts + ev.begin_checkouts + ev.purchases + ev.signups + ev.lead_submits > 0, false)
        OR st.long_session) AS qualified,
      ev.events, ev.page_views, ev.add_to_carts, ev.begin_checkouts, ev.purchases, ev.signups,
      -- funnel depth: page_view 1 → add_to_cart 2 → begin_checkout 3 → purchase 4 (a later step implies the earlier)
      CASE WHEN ev.purchases > 0 THEN 4 WHEN ev.begin_checkouts > 0 THEN 3 WHEN ev.add_to_carts > 0 THEN 2 WHEN ev.page_views > 0 THEN 1 END AS depth
    FROM ev
    FULL JOIN started st ON st.session_id = ev.session_id
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE st.session_id IS NULL AND ev.session_id IS NOT NULL AND s.company_id = p_company_id AND s.session_id = ev.session_id
      LIMIT 1
    ) o ON true
  ),
  -- section: traffic (sessions started on the day); visitors distinct per row, by hashing (no sort)
  part_sessions AS (
    SELECT channel, source, medium, campaign, sum(sessions) AS sessions, count(visitor_id) AS visitors, sum(qualified_sessions) AS qualified_sessions
    FROM (
      SELECT channel, source, medium, campaign, visitor_id, count(*) AS sessions, count(*) FILTER (WHERE qualified) AS qualified_sessions
      FROM day_sessions WHERE on_day GROUP BY channel, source, medium, campaign, visitor_id
    ) v
    GROUP BY channel, source, medium, campaign
  ),
  -- section: events of the day, under their session's labels
  part_events AS (
    SELECT channel, source, medium, campaign,
      sum(page_views) AS page_views, sum(add_to_carts) AS add_to_carts, sum(begin_checkouts) AS begin_checkouts,
      sum(purchases) AS purchases, sum(signups) AS signups
    FROM day_sessions WHERE has_events
    GROUP BY 1, 2, 3, 4
  ),
  -- section: leads created on the day (CRM), under their session's labels
  part_leads AS (
    SELECT coalesce(s.channel, '(unattributed)') AS channel, coalesce(s.source, '(none)') AS source, coalesce(s.medium, '(none)') AS medium,
      coalesce(s.campaign, '(not set)') AS campaign, count(*) AS leads
    FROM leads l
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE s.company_id = p_company_id AND s.session_id = l.session_id LIMIT 1
    ) s ON true
    WHERE l.company_id = p_company_id AND l.kind = 'contact' AND l.created_at >= v_start AND l.created_at < v_end
    GROUP BY 1, 2, 3, 4
  ),
  -- section: orders by first and by last touch
  part_first AS (
    SELECT ft_channel AS channel, ft_source AS source, ft_medium AS medium, ft_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM ord GROUP BY 1, 2, 3, 4
  ),
  part_last AS (
    SELECT lt_channel AS channel, lt_source AS source, lt_medium AS medium, lt_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM ord GROUP BY 1, 2, 3, 4
  ),
  -- section: ad spend of the day (ad_spend.day is the ad account's reporting day: docs/integrations/ad-spend.md)
  part_spend AS (
    SELECT ad_platform_channel(a.platform) AS channel, ad_platform_source(a.platform) AS source, ad_platform_medium(a.platform) AS medium,
      coalesce(a.campaign_name, a.campaign_id) AS campaign,
      coalesce(sum(a.spend_reporting_minor), 0) AS spend, count(*) FILTER (WHERE a.fx_rate_missing) AS fx_missing,
      sum(a.impressions) AS impressions, sum(a.clicks) AS clicks
    FROM ad_spend_reporting a
    WHERE a.company_id = p_company_id AND a.day = p_day
    GROUP BY 1, 2, 3, 4
  ),
  parts AS (
    SELECT channel, source, medium, campaign, sessions, visitors, qualified_sessions, 0::bigint AS page_views, 0::bigint AS add_to_carts,
      0::bigint AS begin_checkouts, 0::bigint AS purchases, 0::bigint AS signups, 0::bigint AS leads,
      0::bigint AS orders_ft, 0::bigint AS revenue_ft, 0::bigint AS new_ft, 0::bigint AS orders_lt, 0::bigint AS revenue_lt, 0::bigint AS new_lt,
      0::bigint AS fx_ft, 0::bigint AS fx_lt, 0::bigint AS spend, 0::bigint AS spend_fx, 0::bigint AS impressions, 0::bigint AS clicks
    FROM part_sessions
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, page_views, add_to_carts, begin_checkouts, purchases, signups, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM part_events
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, leads, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM part_leads
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, 0, 0, fx_missing, 0, 0, 0, 0, 0 FROM part_first
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, fx_missing, 0, 0, 0, 0 FROM part_last
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, spend, fx_missing, impressions, clicks FROM part_spend
  ),
  ins_acquisition AS (
    INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, sessions, visitors, qualified_sessions, page_views,
      add_to_cart_events, begin_checkout_events, purchase_events, signups, leads, orders_first_touch, revenue_first_touch_minor,
      new_customers_first_touch, orders_last_touch, revenue_last_touch_minor, new_customers_last_touch, revenue_fx_missing_first_touch,
      revenue_fx_missing_last_touch, spend_minor, spend_fx_missing, impressions, clicks)
    SELECT p_company_id, p_day, p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign),
      sum(sessions), sum(visitors), sum(qualified_sessions), sum(page_views), sum(add_to_carts), sum(begin_checkouts), sum(purchases),
      sum(signups), sum(leads), sum(orders_ft), sum(revenue_ft), sum(new_ft), sum(orders_lt), sum(revenue_lt), sum(new_lt), sum(fx_ft),
      sum(fx_lt), sum(spend), sum(spend_fx), sum(impressions), sum(clicks)
    FROM parts p
    LEFT JOIN campaign_names n ON n.campaign_id = p.campaign
    GROUP BY p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign)
    RETURNING 1
  ),
  ins_traffic AS (
    INSERT INTO agg_daily_traffic (company_id, day, sessions, visitors, qualified_sessions, page_views, events)
    SELECT p_company_id, p_day, count(*) FILTER (WHERE on_day),
      (SELECT count(*) FROM (SELECT visitor_id FROM day_sessions WHERE on_day AND visitor_id IS NOT NULL GROUP BY visitor_id) v),
      count(*) FILTER (WHERE on_day AND qualified), coalesce(sum(page_views), 0), coalesce(sum(events), 0)
    FROM day_sessions
    RETURNING 1
  ),
  -- section: funnel (sessions with events on the day reaching each step), one pass
  reach AS (
    SELECT count(*) FILTER (WHERE depth >= 1) AS s1, count(*) FILTER (WHERE depth >= 2) AS s2,
      count(*) FILTER (WHERE depth >= 3) AS s3, count(*) FILTER (WHERE depth >= 4) AS s4
    FROM day_sessions WHERE has_events AND event_session
  ),
  ins_funnel AS (
    INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
    SELECT p_company_id, p_day, st.step_index, st.step, CASE st.step_index WHEN 1 THEN r.s1 WHEN 2 THEN r.s2 WHEN 3 THEN r.s3 ELSE r.s4 END
    FROM (VALUES (1, 'page_view'), (2, 'add_to_cart'), (3, 'begin_checkout'), (4, 'purchase')) AS st (step_index, step)
    CROSS JOIN reach r
    RETURNING 1
  ),
  -- section: time to conversion
  ins_time_to_conversion AS (
    INSERT INTO agg_daily_time_to_conversion (company_id, day, bucket, label, orders, total_seconds)
    SELECT p_company_id, p_day, b.bucket, time_to_conversion_label(b.bucket), count(*), coalesce(sum(b.seconds), 0)::bigint
    FROM ord o
    CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM o.created_at - o.first_touch_at)) AS seconds) s
    CROSS JOIN LATERAL (SELECT time_to_conversion_bucket(s.seconds) AS bucket, s.seconds) b
    GROUP BY b.bucket
    RETURNING 1
  ),
  -- section: revenue per currency, refunds on their own day
  rev_orders AS (
    SELECT currency, count(*) AS orders, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers, sum(total_minor) AS gross
    FROM ord GROUP BY currency
  ),
  rev_refunds AS (
    SELECT currency, count(*) AS refunds, sum(amount_minor) AS refunded
    FROM refunds WHERE company_id = p_company_id AND created_at >= v_start AND created_at < v_end GROUP BY currency
  ),
  rev_both AS (
    SELECT coalesce(o.currency, r.currency) AS currency, coalesce(o.orders, 0) AS orders, coalesce(o.new_customers, 0) AS new_customers,
      coalesce(o.gross, 0)::bigint AS gross, coalesce(r.refunds, 0) AS refunds, coalesce(r.refunded, 0)::bigint AS refunded
    FROM rev_orders o FULL JOIN rev_refunds r ON r.currency = o.currency
  ),
  ins_revenue AS (
    INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency,
      fx_rate, fx_rate_day, fx_rate_missing, gross_reporting_minor, refunded_reporting_minor)
    SELECT p_company_id, p_day, b.currency, b.orders, b.new_customers, b.gross, b.refunds, b.refunded, v_currency, fx.rate, fx.rate_day, fx.rate IS NULL,
      fx_apply_minor(b.gross, fx.rate, b.currency, v_currency), fx_apply_minor(b.refunded, fx.rate, b.currency, v_currency)
    FROM rev_both b
    LEFT JOIN LATERAL fx_lookup(b.currency, v_currency, p_day) fx ON true
    RETURNING 1
  ),
  -- section: cohorts (first-order day of each customer)
  ins_cohort_revenue AS (
    INSERT INTO agg_daily_cohort_revenue (company_id, day, first_order_day, customers, new_customers, second_order_customers, orders, revenue_minor, revenue_fx_missing)
    SELECT p_company_id, p_day, first_order_day, count(DISTINCT customer_key), count(*) FILTER (WHERE earlier_orders = 0),
      count(*) FILTER (WHERE earlier_orders = 1), count(*), coalesce(sum(total_reporting), 0), count(*) FILTER (WHERE total_reporting IS NULL)
    FROM ord
    GROUP BY first_order_day
    RETURNING 1
  )
  SELECT jsonb_build_object(
    'agg_daily_acquisition', (SELECT count(*) FROM ins_acquisition),
    'agg_daily_traffic', (SELECT count(*) FROM ins_traffic),
    'agg_daily_funnel', (SELECT count(*) FROM ins_funnel),
    'agg_daily_time_to_conversion', (SELECT count(*) FROM ins_time_to_conversion),
    'agg_daily_revenue', (SELECT count(*) FROM ins_revenue),
    'agg_daily_cohort_revenue', (SELECT count(*) FROM ins_cohort_revenue))
  INTO v_counts;

  -- section: MRR at the end of the day. History comes from the timestamps (started, canceled/ended); the
  -- current status only removes subscriptions that never paid (incomplete, incomplete_expired) or are trialing.
  INSERT INTO agg_daily_mrr (company_id, day, currency, active_subscriptions, new_subscriptions, churned_subscriptions, mrr_minor,
    reporting_currency, fx_rate_missing, mrr_reporting_minor)
  WITH subs AS (
    SELECT s.currency, s.mrr_minor, s.started_at,
      coalesce(s.ended_at, CASE WHEN s.status IN ('canceled', 'cancelled', 'ended') THEN coalesce(s.canceled_at, s.updated_at) END) AS ended_at
    FROM subscriptions s
    WHERE s.company_id = p_company_id AND s.status NOT IN ('incomplete', 'incomplete_expired', 'trialing') AND s.started_at < v_end
  ),
  per_currency AS (
    SELECT currency,
      count(*) FILTER (WHERE ended_at IS NULL OR ended_at >= v_end) AS active,
      count(*) FILTER (WHERE started_at >= v_start) AS started,
      count(*) FILTER (WHERE ended_at >= v_start AND ended_at < v_end) AS churned,
      coalesce(sum(mrr_minor) FILTER (WHERE ended_at IS NULL OR ended_at >= v_end), 0)::bigint AS mrr
    FROM subs GROUP BY currency
  )
  SELECT p_company_id, p_day, c.currency, c.active, c.started, c.churned, c.mrr, v_currency, fx.rate IS NULL, fx_apply_minor(c.mrr, fx.rate, c.currency, v_currency)
  FROM per_currency c
  LEFT JOIN LATERAL fx_lookup(c.currency, v_currency, p_day) fx ON true
  WHERE c.active > 0 OR c.started > 0 OR c.churned > 0;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('agg_daily_mrr', v_n);

  INSERT INTO rollup_runs (company_id, day, workflow_id, duration_ms, rows_written, rows_total)
  SELECT p_company_id, p_day, p_workflow_id, extract(epoch FROM clock_timestamp() - v_t0) * 1000, v_counts,
    (SELECT sum(value::bigint) FROM jsonb_each_text(v_counts));
  RETURN QUERY SELECT key, value::bigint FROM jsonb_each_text(v_counts) ORDER BY key;
END
$$;
REVOKE ALL ON FUNCTION rollup_company_day(uuid, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_day(uuid, date, text) TO lux_app;

-- Down Migration
-- the 0008 definition, verbatim
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE plpgsql
  -- JIT compiles these wide statements for longer than they run (400 ms of emission for a 100k-event day)
  SET jit = off
  -- the day's per-session aggregates (100k sessions for 1M events) hash in memory instead of spilling
  SET work_mem = '64MB'
  AS $$
#variable_conflict use_column
DECLARE
  v_tz text;
  v_currency text;
  v_start timestamptz;
  v_end timestamptz;
  v_t0 timestamptz := clock_timestamp();
  v_counts jsonb := '{}'::jsonb;
  v_n bigint;
  v_m bigint;
  v_k bigint;
BEGIN
  SELECT c.time_zone, c.reporting_currency INTO v_tz, v_currency FROM companies c WHERE c.company_id = p_company_id;
  IF v_tz IS NULL THEN
    RAISE EXCEPTION 'rollup_company_day: company % not found (or not the current tenant)', p_company_id USING ERRCODE = 'no_data_found';
  END IF;
  v_start := local_day_start(p_day, v_tz);
  v_end := local_day_start(p_day + 1, v_tz);
  PERFORM pg_advisory_xact_lock(hashtextextended(p_company_id::text || ':rollup:' || p_day::text, 0));

  DELETE FROM agg_daily_acquisition WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_traffic WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_funnel WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_time_to_conversion WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_revenue WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_cohort_revenue WHERE company_id = p_company_id AND day = p_day;
  DELETE FROM agg_daily_mrr WHERE company_id = p_company_id AND day = p_day;

  -- section: orders of the day, with the customer's history and the FX rate (shared by the statements below)
  -- (a session-private temporary table: computed once, read by four statements; emptied at commit)
  IF to_regclass('pg_temp.rollup_day_orders') IS NULL THEN
  CREATE TEMP TABLE rollup_day_orders (
    customer_key text, currency text, total_minor bigint, total_reporting bigint, first_touch_at timestamptz, created_at timestamptz,
    first_order_day date, earlier_orders bigint,
    ft_channel text, ft_source text, ft_medium text, ft_campaign text, lt_channel text, lt_source text, lt_medium text, lt_campaign text
  ) ON COMMIT DELETE ROWS;
  END IF;
  TRUNCATE pg_temp.rollup_day_orders;
  INSERT INTO pg_temp.rollup_day_orders
  WITH day_orders AS (
    SELECT * FROM stg_orders o WHERE o.company_id = p_company_id AND o.created_at >= v_start AND o.created_at < v_end
  ),
  rates AS (
    SELECT cur.currency, fx.rate FROM (SELECT DISTINCT currency FROM day_orders) cur
    LEFT JOIN LATERAL fx_lookup(cur.currency, v_currency, p_day) fx ON true
  ),
  -- the customer's counted orders: by hashed email, else by the platform's customer id (index lookups)
  history AS (
    SELECT o.source, o.external_id, coalesce(he.first_at, hc.first_at) AS first_at, coalesce(he.earlier, hc.earlier, 0) AS earlier
    FROM day_orders o
    LEFT JOIN LATERAL (
      SELECT min(p.created_at) AS first_at, count(*) FILTER (WHERE (p.created_at, p.source, p.external_id) < (o.created_at, o.source, o.external_id)) AS earlier
      FROM fct_orders p
      WHERE p.company_id = p_company_id AND p.email_hash = o.email_hash AND p.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
    ) he ON o.email_hash IS NOT NULL
    LEFT JOIN LATERAL (
      SELECT min(p.created_at) AS first_at, count(*) FILTER (WHERE (p.created_at, p.source, p.external_id) < (o.created_at, o.source, o.external_id)) AS earlier
      FROM fct_orders p
      WHERE p.company_id = p_company_id AND p.source = o.source AND p.customer_external_id = o.customer_external_id AND p.email_hash IS NULL
        AND p.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')
    ) hc ON o.email_hash IS NULL AND o.customer_external_id IS NOT NULL
  )
  SELECT o.customer_key, o.currency, o.total_minor, fx_apply_minor(o.total_minor, r.rate, o.currency, v_currency), o.first_touch_at, o.created_at,
    (coalesce(h.first_at, o.created_at) AT TIME ZONE v_tz)::date, h.earlier,
    o.first_touch_channel, o.first_touch_source, o.first_touch_medium, o.first_touch_campaign,
    o.last_touch_channel, o.last_touch_source, o.last_touch_medium, o.last_touch_campaign
  FROM day_orders o
  JOIN history h USING (source, external_id)
  LEFT JOIN rates r USING (currency);

  -- section: the day's raw events, one row per session (one pass over raw_events), in a temporary table
  -- with fresh statistics: the planner then knows it holds one row per session and joins it by hashing
  IF to_regclass('pg_temp.rollup_day_events') IS NULL THEN
  CREATE TEMP TABLE rollup_day_events (
    session_id text, events bigint, page_views bigint, add_to_carts bigint, begin_checkouts bigint, purchases bigint, signups bigint,
    key_event boolean, depth integer
  ) ON COMMIT DELETE ROWS;
  END IF;
  TRUNCATE pg_temp.rollup_day_events;
  INSERT INTO pg_temp.rollup_day_events
  SELECT e.session_id,
    count(*) AS events,
    count(*) FILTER (WHERE e.event_name = 'page_view') AS page_views,
    count(*) FILTER (WHERE e.event_name = 'add_to_cart') AS add_to_carts,
    count(*) FILTER (WHERE e.event_name = 'begin_checkout') AS begin_checkouts,
    count(*) FILTER (WHERE e.event_name = 'purchase') AS purchases,
    count(*) FILTER (WHERE e.event_name = 'signup') AS signups,
    bool_or(is_key_event(e.event_name)) AS key_event,
    max(funnel_step_index(e.event_name)) AS depth
  FROM raw_events e
  WHERE e.company_id = p_company_id AND e.occurred_at >= v_start AND e.occurred_at < v_end
  GROUP BY e.session_id;
  ANALYZE pg_temp.rollup_day_events;

  -- section: acquisition, traffic and funnel
  WITH
  -- ad campaign ids → names: utm_campaign may carry either; rows are labelled with the name
  campaign_names AS (
    SELECT DISTINCT ON (a.campaign_id) a.campaign_id, a.campaign_name
    FROM ad_spend a WHERE a.company_id = p_company_id AND a.campaign_name IS NOT NULL AND a.day BETWEEN p_day - 90 AND p_day
    ORDER BY a.campaign_id, a.day DESC, a.campaign_name
  ),
  day_sessions AS MATERIALIZED (
    SELECT s.session_id, s.visitor_id, s.channel, s.source, s.medium, coalesce(n.campaign_name, s.campaign) AS campaign,
      (s.page_view_count >= 2 OR coalesce(d.key_event, false) OR s.last_seen_at - s.started_at >= interval '30 seconds') AS qualified
    FROM stg_sessions s
    LEFT JOIN pg_temp.rollup_day_events d ON d.session_id = s.session_id
    LEFT JOIN campaign_names n ON n.campaign_id = s.campaign
    WHERE s.company_id = p_company_id AND s.started_at >= v_start AND s.started_at < v_end
  ),
  -- section: traffic (sessions started on the day); visitors distinct per row, by hashing (no sort)
  part_sessions AS (
    SELECT channel, source, medium, campaign, sum(sessions) AS sessions, count(visitor_id) AS visitors, sum(qualified_sessions) AS qualified_sessions
    FROM (
      SELECT channel, source, medium, campaign, visitor_id, count(*) AS sessions, count(*) FILTER (WHERE qualified) AS qualified_sessions
      FROM day_sessions GROUP BY channel, source, medium, campaign, visitor_id
    ) v
    GROUP BY channel, source, medium, campaign
  ),
  -- the labels of the day's events' sessions: those started on the day, and (one index lookup each) the
  -- few started before it (across midnight)
  older_labels AS (
    SELECT d.session_id, l.channel, l.source, l.medium, l.campaign
    FROM pg_temp.rollup_day_events d
    CROSS JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE s.company_id = p_company_id AND s.session_id = d.session_id LIMIT 1
    ) l
    WHERE d.session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM day_sessions ds WHERE ds.session_id = d.session_id)
  ),
  event_labels AS (
    SELECT session_id, channel, source, medium, campaign FROM day_sessions
    UNION ALL
    SELECT session_id, channel, source, medium, campaign FROM older_labels
  ),
  -- section: events of the day, under their session's labels
  part_events AS (
    SELECT coalesce(s.channel, '(unattributed)') AS channel, coalesce(s.source, '(none)') AS source, coalesce(s.medium, '(none)') AS medium,
      coalesce(s.campaign, '(not set)') AS campaign,
      sum(d.page_views) AS page_views, sum(d.add_to_carts) AS add_to_carts, sum(d.begin_checkouts) AS begin_checkouts,
      sum(d.purchases) AS purchases, sum(d.signups) AS signups
    FROM pg_temp.rollup_day_events d
    LEFT JOIN event_labels s ON s.session_id = d.session_id
    GROUP BY 1, 2, 3, 4
  ),
  -- section: leads created on the day (CRM), under their session's labels
  part_leads AS (
    SELECT coalesce(s.channel, '(unattributed)') AS channel, coalesce(s.source, '(none)') AS source, coalesce(s.medium, '(none)') AS medium,
      coalesce(s.campaign, '(not set)') AS campaign, count(*) AS leads
    FROM leads l
    LEFT JOIN stg_sessions s ON s.company_id = p_company_id AND s.session_id = l.session_id
    WHERE l.company_id = p_company_id AND l.kind = 'contact' AND l.created_at >= v_start AND l.created_at < v_end
    GROUP BY 1, 2, 3, 4
  ),
  -- section: orders by first and by last touch
  part_first AS (
    SELECT ft_channel AS channel, ft_source AS source, ft_medium AS medium, ft_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM pg_temp.rollup_day_orders GROUP BY 1, 2, 3, 4
  ),
  part_last AS (
    SELECT lt_channel AS channel, lt_source AS source, lt_medium AS medium, lt_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM pg_temp.rollup_day_orders GROUP BY 1, 2, 3, 4
  ),
  -- section: ad spend of the day (ad_spend.day is the ad account's reporting day: docs/integrations/ad-spend.md)
  part_spend AS (
    SELECT ad_platform_channel(a.platform) AS channel, ad_platform_source(a.platform) AS source, ad_platform_medium(a.platform) AS medium,
      coalesce(a.campaign_name, a.campaign_id) AS campaign,
      coalesce(sum(a.spend_reporting_minor), 0) AS spend, count(*) FILTER (WHERE a.fx_rate_missing) AS fx_missing,
      sum(a.impressions) AS impressions, sum(a.clicks) AS clicks
    FROM ad_spend_reporting a
    WHERE a.company_id = p_company_id AND a.day = p_day
    GROUP BY 1, 2, 3, 4
  ),
  parts AS (
    SELECT channel, source, medium, campaign, sessions, visitors, qualified_sessions, 0::bigint AS page_views, 0::bigint AS add_to_carts,
      0::bigint AS begin_checkouts, 0::bigint AS purchases, 0::bigint AS signups, 0::bigint AS leads,
      0::bigint AS orders_ft, 0::bigint AS revenue_ft, 0::bigint AS new_ft, 0::bigint AS orders_lt, 0::bigint AS revenue_lt, 0::bigint AS new_lt,
      0::bigint AS fx_ft, 0::bigint AS fx_lt, 0::bigint AS spend, 0::bigint AS spend_fx, 0::bigint AS impressions, 0::bigint AS clicks
    FROM part_sessions
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, page_views, add_to_carts, begin_checkouts, purchases, signups, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM part_events
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, leads, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM part_leads
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, 0, 0, fx_missing, 0, 0, 0, 0, 0 FROM part_first
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, fx_missing, 0, 0, 0, 0 FROM part_last
    UNION ALL
    SELECT channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, spend, fx_missing, impressions, clicks FROM part_spend
  ),
  ins_acquisition AS (
    INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, sessions, visitors, qualified_sessions, page_views,
      add_to_cart_events, begin_checkout_events, purchase_events, signups, leads, orders_first_touch, revenue_first_touch_minor,
      new_customers_first_touch, orders_last_touch, revenue_last_touch_minor, new_customers_last_touch, revenue_fx_missing_first_touch,
      revenue_fx_missing_last_touch, spend_minor, spend_fx_missing, impressions, clicks)
    SELECT p_company_id, p_day, p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign),
      sum(sessions), sum(visitors), sum(qualified_sessions), sum(page_views), sum(add_to_carts), sum(begin_checkouts), sum(purchases),
      sum(signups), sum(leads), sum(orders_ft), sum(revenue_ft), sum(new_ft), sum(orders_lt), sum(revenue_lt), sum(new_lt), sum(fx_ft),
      sum(fx_lt), sum(spend), sum(spend_fx), sum(impressions), sum(clicks)
    FROM parts p
    LEFT JOIN campaign_names n ON n.campaign_id = p.campaign
    GROUP BY p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign)
    RETURNING 1
  ),
  ins_traffic AS (
    INSERT INTO agg_daily_traffic (company_id, day, sessions, visitors, qualified_sessions, page_views, events)
    SELECT p_company_id, p_day, (SELECT count(*) FROM day_sessions),
      (SELECT count(*) FROM (SELECT visitor_id FROM day_sessions WHERE visitor_id IS NOT NULL GROUP BY visitor_id) v),
      (SELECT count(*) FILTER (WHERE qualified) FROM day_sessions), coalesce(sum(page_views), 0), coalesce(sum(events), 0)
    FROM pg_temp.rollup_day_events
    RETURNING 1
  ),
  ins_funnel AS (
    INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
    SELECT p_company_id, p_day, st.step_index, st.step, count(d.session_id)
    FROM (VALUES (1, 'page_view'), (2, 'add_to_cart'), (3, 'begin_checkout'), (4, 'purchase')) AS st (step_index, step)
    LEFT JOIN pg_temp.rollup_day_events d ON d.session_id IS NOT NULL AND d.depth >= st.step_index
    GROUP BY st.step_index, st.step
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM ins_acquisition), (SELECT count(*) FROM ins_traffic), (SELECT count(*) FROM ins_funnel) INTO v_n, v_m, v_k;
  v_counts := v_counts || jsonb_build_object('agg_daily_acquisition', v_n, 'agg_daily_traffic', v_m, 'agg_daily_funnel', v_k);

  -- section: time to conversion
  INSERT INTO agg_daily_time_to_conversion (company_id, day, bucket, label, orders, total_seconds)
  SELECT p_company_id, p_day, b.bucket, time_to_conversion_label(b.bucket), count(*), coalesce(sum(b.seconds), 0)::bigint
  FROM pg_temp.rollup_day_orders o
  CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM o.created_at - o.first_touch_at)) AS seconds) s
  CROSS JOIN LATERAL (SELECT time_to_conversion_bucket(s.seconds) AS bucket, s.seconds) b
  GROUP BY b.bucket;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('agg_daily_time_to_conversion', v_n);

  -- section: revenue per currency, refunds on their own day
  INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency,
    fx_rate, fx_rate_day, fx_rate_missing, gross_reporting_minor, refunded_reporting_minor)
  WITH o AS (
    SELECT currency, count(*) AS orders, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers, sum(total_minor) AS gross
    FROM pg_temp.rollup_day_orders GROUP BY currency
  ),
  r AS (
    SELECT currency, count(*) AS refunds, sum(amount_minor) AS refunded
    FROM refunds WHERE company_id = p_company_id AND created_at >= v_start AND created_at < v_end GROUP BY currency
  ),
  both_sides AS (
    SELECT coalesce(o.currency, r.currency) AS currency, coalesce(o.orders, 0) AS orders, coalesce(o.new_customers, 0) AS new_customers,
      coalesce(o.gross, 0)::bigint AS gross, coalesce(r.refunds, 0) AS refunds, coalesce(r.refunded, 0)::bigint AS refunded
    FROM o FULL JOIN r ON r.currency = o.currency
  )
  SELECT p_company_id, p_day, b.currency, b.orders, b.new_customers, b.gross, b.refunds, b.refunded, v_currency, fx.rate, fx.rate_day, fx.rate IS NULL,
    fx_apply_minor(b.gross, fx.rate, b.currency, v_currency), fx_apply_minor(b.refunded, fx.rate, b.currency, v_currency)
  FROM both_sides b
  LEFT JOIN LATERAL fx_lookup(b.currency, v_currency, p_day) fx ON true;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('agg_daily_revenue', v_n);

  -- section: cohorts (first-order day of each customer)
  INSERT INTO agg_daily_cohort_revenue (company_id, day, first_order_day, customers, new_customers, second_order_customers, orders, revenue_minor, revenue_fx_missing)
  SELECT p_company_id, p_day, first_order_day, count(DISTINCT customer_key), count(*) FILTER (WHERE earlier_orders = 0),
    count(*) FILTER (WHERE earlier_orders = 1), count(*), coalesce(sum(total_reporting), 0), count(*) FILTER (WHERE total_reporting IS NULL)
  FROM pg_temp.rollup_day_orders
  GROUP BY first_order_day;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('agg_daily_cohort_revenue', v_n);

  -- section: MRR at the end of the day. History comes from the timestamps (started, canceled/ended); the
  -- current status only removes subscriptions that never paid (incomplete, incomplete_expired) or are trialing.
  INSERT INTO agg_daily_mrr (company_id, day, currency, active_subscriptions, new_subscriptions, churned_subscriptions, mrr_minor,
    reporting_currency, fx_rate_missing, mrr_reporting_minor)
  WITH subs AS (
    SELECT s.currency, s.mrr_minor, s.started_at,
      coalesce(s.ended_at, CASE WHEN s.status IN ('canceled', 'cancelled', 'ended') THEN coalesce(s.canceled_at, s.updated_at) END) AS ended_at
    FROM subscriptions s
    WHERE s.company_id = p_company_id AND s.status NOT IN ('incomplete', 'incomplete_expired', 'trialing') AND s.started_at < v_end
  ),
  per_currency AS (
    SELECT currency,
      count(*) FILTER (WHERE ended_at IS NULL OR ended_at >= v_end) AS active,
      count(*) FILTER (WHERE started_at >= v_start) AS started,
      count(*) FILTER (WHERE ended_at >= v_start AND ended_at < v_end) AS churned,
      coalesce(sum(mrr_minor) FILTER (WHERE ended_at IS NULL OR ended_at >= v_end), 0)::bigint AS mrr
    FROM subs GROUP BY currency
  )
  SELECT p_company_id, p_day, c.currency, c.active, c.started, c.churned, c.mrr, v_currency, fx.rate IS NULL, fx_apply_minor(c.mrr, fx.rate, c.currency, v_currency)
  FROM per_currency c
  LEFT JOIN LATERAL fx_lookup(c.currency, v_currency, p_day) fx ON true
  WHERE c.active > 0 OR c.started > 0 OR c.churned > 0;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('agg_daily_mrr', v_n);

  TRUNCATE pg_temp.rollup_day_orders, pg_temp.rollup_day_events;
  INSERT INTO rollup_runs (company_id, day, workflow_id, duration_ms, rows_written, rows_total)
  SELECT p_company_id, p_day, p_workflow_id, extract(epoch FROM clock_timestamp() - v_t0) * 1000, v_counts,
    (SELECT sum(value::bigint) FROM jsonb_each_text(v_counts));
  RETURN QUERY SELECT key, value::bigint FROM jsonb_each_text(v_counts) ORDER BY key;
END
$$;
REVOKE ALL ON FUNCTION rollup_company_day(uuid, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_day(uuid, date, text) TO lux_app;
DROP FUNCTION IF EXISTS event_kind(text);
