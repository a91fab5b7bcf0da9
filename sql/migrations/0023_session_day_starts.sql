-- Up Migration
--
-- The session's start on its per-(session, day) row (issue 6, target "rollup ≤ 3× a sequential scan of the
-- same rows"; docs/benchmarks.md § Rollups, run 4). Same tables, same rows, same semantics as 0020: the
-- fixture CSVs compare exactly and test/integration/rollup-precounted.test.ts compares with the 0015
-- from-raw function on generated data, also after sessions are deleted or their start moves.
--
-- After 0020 most of a day's rollup was per session: the day's session_day_events rows (counts) joined in
-- full with the sessions started on the day (a range read of the wide sessions rows for their labels,
-- visitor and engagement), the join materialised, then grouped by visitor. Here the row of a session's
-- start day carries what the rollups read of the session itself:
--
--   started     the session started on this local day (false on the other days it has events on)
--   visitor_id, channel, source, medium, campaign
--               the session's visitor and labels (sessions.label_*, 0018), on the start-day row only
--   engaged     page_view_count ≥ 2 or ≥ 30 s between the first and the last event: the session-level part
--               of "qualified" (docs/metrics.md; the key-event part is the row's own counts)
--
-- so the rollup reads one table for the day's sessions, without the join.
--
-- Kept by triggers on sessions, like 0018's counts on raw_events: every path that writes sessions
-- (ingest_event_batch, fixtures, restores, the DSR delete) keeps the rows right. Each trigger writes only these columns, and 0018's count trigger only its counts, so the two
-- can run in either order in one statement (ingest writes raw_events and sessions in one statement). A
-- session's start-day row is created with zero counts if it has no events yet (a session stored before
-- its events, as fixtures do): the rollups read events > 0, never "the row exists", as having events.
--   - INSERT: the new sessions' start-day rows.
--   - UPDATE (per row, filtered by the trigger's WHEN): only sessions whose start-day attributes or start
--     changed (ingest updates a session on every batch; its engagement changes once, its labels and start
--     only on a late earlier event). When the start moves to another local day the old day's row is
--     cleared (it keeps its counts: the events of that day are still there, and the rollup looks up their
--     session's labels, as for any day but the start day).
--   - DELETE (a DSR erasure): the start-day row is cleared, so neither the visitor id nor the labels of an
--     erased session outlive it here.
-- ENABLE ALWAYS, as 0018's: they follow replica-mode loads too. A company's time zone change rebuilds the
-- counts (0018) and now the starts with them.
--
-- 0020's rollup_company_days_compute stays as it was (the down migration points the entry points back at
-- it); the entry points now call rollup_company_days_from_starts, the same statement reading the
-- start-day rows, with three smaller changes measured on the same bench database (backend CPU per day,
-- docs/benchmarks.md § Rollups, run 4): the day's traffic totals and funnel reach summed from the
-- per-label parts instead of a pass of their own over the day's sessions; an order's conversion to the
-- reporting currency as one multiplication by a per-(day, currency) factor; cohort customers counted as
-- groups of a hashed aggregate instead of count(DISTINCT). rollup_attribution_paths (0021) reads the
-- day's attributions instead of three days' worth. Same rows throughout.

-- section: the start-day columns --------------------------------------------------------------------------------
ALTER TABLE session_day_events
  ADD COLUMN started boolean NOT NULL DEFAULT false,
  ADD COLUMN visitor_id text,
  ADD COLUMN channel text,
  ADD COLUMN source text,
  ADD COLUMN medium text,
  ADD COLUMN campaign text,
  ADD COLUMN engaged boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN session_day_events.started IS 'The session started on this local day; then visitor_id, channel, source, medium, campaign and engaged are the session''s (kept by the triggers on sessions, migration 0023).';
COMMENT ON COLUMN session_day_events.engaged IS 'On the start-day row: the session had ≥ 2 page views or ≥ 30 s between its first and last event (the session part of a qualified session).';

-- The session-level part of a qualified session (docs/metrics.md): ≥ 2 page views or ≥ 30 seconds long.
CREATE FUNCTION session_engaged(p_page_view_count integer, p_started_at timestamptz, p_last_seen_at timestamptz) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce(p_page_view_count >= 2 OR p_last_seen_at - p_started_at >= interval '30 seconds', false);

-- section: the triggers on sessions ------------------------------------------------------------------------------
-- Clears the start of (company, day, session) on a row that no longer holds it. One primary-key update:
-- called only for deleted sessions and moved starts, which are rare.
CREATE FUNCTION clear_session_day_start(p_company_id uuid, p_day date, p_session_id text) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    UPDATE session_day_events SET started = false, visitor_id = NULL, channel = NULL, source = NULL, medium = NULL, campaign = NULL, engaged = false
    WHERE company_id = p_company_id AND day = p_day AND session_id = p_session_id AND NOT sessionless AND started;
  END;

-- INSERT and DELETE, per statement (a transition table of the statement's sessions)
CREATE FUNCTION sessions_refresh_day_starts() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  -- a concurrent time zone change waits for this transaction (or this one reads the new zone), as in 0018
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM companies c WHERE c.company_id IN (SELECT DISTINCT o.company_id FROM old_sessions o) ORDER BY c.company_id FOR SHARE;
    PERFORM clear_session_day_start(o.company_id, local_day_of(o.started_at, c.time_zone), o.session_id)
    FROM old_sessions o JOIN companies c ON c.company_id = o.company_id;
    RETURN NULL;
  END IF;
  PERFORM 1 FROM companies c WHERE c.company_id IN (SELECT DISTINCT n.company_id FROM new_sessions n) ORDER BY c.company_id FOR SHARE;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO session_day_events AS t (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts,
      purchases, signups, lead_submits, started, visitor_id, channel, source, medium, campaign, engaged)
    SELECT n.company_id, local_day_of(n.started_at, c.time_zone), n.session_id, false, 0, 0, 0, 0, 0, 0, 0,
      true, n.visitor_id, n.channel, n.label_source, n.label_medium, n.label_campaign, session_engaged(n.page_view_count, n.started_at, n.last_seen_at)
    FROM new_sessions n JOIN companies c ON c.company_id = n.company_id
    ORDER BY 1, 2, 3 -- a stable lock order between concurrent statements
    ON CONFLICT (company_id, day, session_id, sessionless) DO UPDATE SET started = true, visitor_id = EXCLUDED.visitor_id,
      channel = EXCLUDED.channel, source = EXCLUDED.source, medium = EXCLUDED.medium, campaign = EXCLUDED.campaign, engaged = EXCLUDED.engaged
    WHERE (t.started, t.visitor_id, t.channel, t.source, t.medium, t.campaign, t.engaged)
      IS DISTINCT FROM (true, EXCLUDED.visitor_id, EXCLUDED.channel, EXCLUDED.source, EXCLUDED.medium, EXCLUDED.campaign, EXCLUDED.engaged);
  END IF;
  RETURN NULL;
END
$$;
-- UPDATE, per row and only for a session whose start-day attributes, start or key changed (the WHEN clause
-- is evaluated without calling the trigger function; session_engaged is inlined into it): ingest updates every session of every batch, and a
-- session's engagement changes once, its labels and start only on a late earlier event). Row-level,
-- not a statement trigger joining its old and new transition tables: with row level security the
-- planner takes those for a row or two each and joins them by nested loop (measured: 250,000
-- comparisons, 100 ms, for a batch updating 500 sessions).
CREATE FUNCTION session_refresh_day_start() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_tz text;
  v_old_day date;
  v_new_day date;
BEGIN
  SELECT c.time_zone INTO v_tz FROM companies c WHERE c.company_id = NEW.company_id FOR SHARE;
  v_old_day := local_day_of(OLD.started_at, v_tz);
  v_new_day := local_day_of(NEW.started_at, v_tz);
  -- the start moved to another local day (or the row to another key): the old day's row no longer holds it
  IF v_old_day <> v_new_day OR (OLD.company_id, OLD.session_id) IS DISTINCT FROM (NEW.company_id, NEW.session_id) THEN
    PERFORM clear_session_day_start(OLD.company_id, v_old_day, OLD.session_id);
  END IF;
  INSERT INTO session_day_events AS t (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts,
    purchases, signups, lead_submits, started, visitor_id, channel, source, medium, campaign, engaged)
  VALUES (NEW.company_id, v_new_day, NEW.session_id, false, 0, 0, 0, 0, 0, 0, 0,
    true, NEW.visitor_id, NEW.channel, NEW.label_source, NEW.label_medium, NEW.label_campaign, session_engaged(NEW.page_view_count, NEW.started_at, NEW.last_seen_at))
  ON CONFLICT (company_id, day, session_id, sessionless) DO UPDATE SET started = true, visitor_id = EXCLUDED.visitor_id,
    channel = EXCLUDED.channel, source = EXCLUDED.source, medium = EXCLUDED.medium, campaign = EXCLUDED.campaign, engaged = EXCLUDED.engaged
  WHERE (t.started, t.visitor_id, t.channel, t.source, t.medium, t.campaign, t.engaged)
    IS DISTINCT FROM (true, EXCLUDED.visitor_id, EXCLUDED.channel, EXCLUDED.source, EXCLUDED.medium, EXCLUDED.campaign, EXCLUDED.engaged);
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_day_starts_insert AFTER INSERT ON sessions
  REFERENCING NEW TABLE AS new_sessions FOR EACH STATEMENT EXECUTE FUNCTION sessions_refresh_day_starts();
CREATE TRIGGER sessions_day_starts_update AFTER UPDATE ON sessions FOR EACH ROW
  WHEN ((OLD.company_id, OLD.session_id, OLD.started_at, OLD.visitor_id, OLD.channel, OLD.label_source, OLD.label_medium, OLD.label_campaign,
         session_engaged(OLD.page_view_count, OLD.started_at, OLD.last_seen_at))
    IS DISTINCT FROM (NEW.company_id, NEW.session_id, NEW.started_at, NEW.visitor_id, NEW.channel, NEW.label_source, NEW.label_medium, NEW.label_campaign,
         session_engaged(NEW.page_view_count, NEW.started_at, NEW.last_seen_at)))
  EXECUTE FUNCTION session_refresh_day_start();
CREATE TRIGGER sessions_day_starts_delete AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS old_sessions FOR EACH STATEMENT EXECUTE FUNCTION sessions_refresh_day_starts();
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_day_starts_insert;
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_day_starts_update;
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_day_starts_delete;

-- section: every session's start, also after a time zone change ----------------------------------------------------
-- The start-day rows of one company's sessions, from sessions (after its counts were rebuilt).
CREATE FUNCTION restart_session_day_starts(p_company_id uuid) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    INSERT INTO session_day_events AS t (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts,
      purchases, signups, lead_submits, started, visitor_id, channel, source, medium, campaign, engaged)
    SELECT s.company_id, local_day_of(s.started_at, c.time_zone), s.session_id, false, 0, 0, 0, 0, 0, 0, 0,
      true, s.visitor_id, s.channel, s.label_source, s.label_medium, s.label_campaign, session_engaged(s.page_view_count, s.started_at, s.last_seen_at)
    FROM sessions s JOIN companies c ON c.company_id = s.company_id
    WHERE s.company_id = p_company_id
    ON CONFLICT (company_id, day, session_id, sessionless) DO UPDATE SET started = true, visitor_id = EXCLUDED.visitor_id,
      channel = EXCLUDED.channel, source = EXCLUDED.source, medium = EXCLUDED.medium, campaign = EXCLUDED.campaign, engaged = EXCLUDED.engaged;
  END;

-- 0018's recount (its time zone trigger calls it), now also placing the starts on the new local days
CREATE OR REPLACE FUNCTION recount_session_day_events(p_company_id uuid) RETURNS bigint
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_rows bigint;
BEGIN
  DELETE FROM session_day_events WHERE company_id = p_company_id;
  INSERT INTO session_day_events (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts,
    purchases, signups, lead_submits)
  SELECT k.company_id, local_day_of(k.occurred_at, c.time_zone), coalesce(k.session_id, ''), k.session_id IS NULL, count(*),
    count(*) FILTER (WHERE k.kind = 1), count(*) FILTER (WHERE k.kind = 2), count(*) FILTER (WHERE k.kind = 3),
    count(*) FILTER (WHERE k.kind = 4), count(*) FILTER (WHERE k.kind = 5), count(*) FILTER (WHERE k.kind = 6)
  FROM (SELECT e.company_id, e.occurred_at, e.session_id, event_kind(e.event_name) AS kind FROM raw_events e WHERE e.company_id = p_company_id OFFSET 0) k
  JOIN companies c ON c.company_id = k.company_id
  GROUP BY 1, 2, 3, 4;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  PERFORM restart_session_day_starts(p_company_id);
  RETURN v_rows;
END
$$;

-- the sessions stored before this migration
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT company_id FROM sessions LOOP
    PERFORM restart_session_day_starts(r.company_id);
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION clear_session_day_start(uuid, date, text), restart_session_day_starts(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clear_session_day_start(uuid, date, text), restart_session_day_starts(uuid) TO lux_app;

-- section: every rollup table for a range of days, reading the start-day rows ----------------------------------
-- 0020's rollup_company_days_compute (same rows: see its and 0018's comments) with the day's sessions read
-- from session_day_events alone (section "the range's sessions"); everything else is unchanged.
CREATE FUNCTION rollup_company_days_from_starts(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE plpgsql
  -- JIT compiles these wide statements for longer than they run
  SET jit = off
  -- a range's sessions and per-day groups hash in memory instead of spilling
  SET work_mem = '128MB'
  -- (plan_cache_mode is set by the two entry points below: generic plans for one day, custom for ranges)
  AS $$
#variable_conflict use_column
DECLARE
  v_tz text;
  v_currency text;
  v_start timestamptz;
  v_end timestamptz;
  v_t0 timestamptz := clock_timestamp();
  v_written jsonb;
  v_mrr jsonb;
  -- local_day_start of every day of the range and of the day after: a row's day is
  -- p_from + width_bucket(at, v_bounds) - 1 (a binary search, exactly the day bounds, no time zone math per row)
  v_bounds timestamptz[];
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from OR p_to - p_from > 366 THEN
    RAISE EXCEPTION 'rollup_company_days: invalid range % … % (from ≤ to, at most 367 days)', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.time_zone, c.reporting_currency INTO v_tz, v_currency FROM companies c WHERE c.company_id = p_company_id;
  IF v_tz IS NULL THEN
    RAISE EXCEPTION 'rollup_company_days: company % not found (or not the current tenant)', p_company_id USING ERRCODE = 'no_data_found';
  END IF;
  v_start := local_day_start(p_from, v_tz);
  v_end := local_day_start(p_to + 1, v_tz);
  v_bounds := ARRAY(SELECT local_day_start(g::date, v_tz) FROM generate_series(p_from::timestamp, (p_to + 1)::timestamp, interval '1 day') g ORDER BY 1);
  PERFORM pg_advisory_xact_lock(hashtextextended(p_company_id::text || ':rollup:' || d.day::text, 0))
  FROM (SELECT g::date AS day FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g ORDER BY 1) d;

  DELETE FROM agg_daily_acquisition WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_traffic WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_funnel WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_time_to_conversion WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_revenue WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_cohort_revenue WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;
  DELETE FROM agg_daily_mrr WHERE company_id = p_company_id AND day BETWEEN p_from AND p_to;

  -- section: every table but MRR, in one statement (its CTEs are computed once and shared)
  WITH
  days AS (
    SELECT g::date AS day FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g
  ),
  -- section: counted orders of the range on their day, one narrow row each with its rank, first-order instant
  -- and labels (order_rollup_inputs, kept by triggers: no per-order lookups here)
  day_orders AS MATERIALIZED (
    SELECT p_from + width_bucket(i.created_at, v_bounds) - 1 AS day, i.customer_key, i.currency, i.total_minor, i.first_touch_at, i.created_at,
      i.first_order_at, i.earlier_orders, i.ft_channel, i.ft_source, i.ft_medium, i.ft_campaign, i.lt_channel, i.lt_source, i.lt_medium, i.lt_campaign
    FROM order_rollup_inputs i
    WHERE i.company_id = p_company_id AND i.counted AND i.created_at >= v_start AND i.created_at < v_end
  ),
  -- (materialized: a few rows per day, computed once even where the planner misjudges the orders' count)
  -- with each rate its factor from minor units to the reporting currency's, so an order's conversion is one
  -- multiplication (was fx_apply_minor per order: the same exact numeric product, regrouped; its power()
  -- and currency lookups once per (day, currency) instead of once per order)
  rates AS MATERIALIZED (
    SELECT cur.day, cur.currency, fx.rate * power(10::numeric, currency_minor_digits(v_currency) - currency_minor_digits(cur.currency)) AS factor
    FROM (SELECT DISTINCT day, currency FROM day_orders) cur
    LEFT JOIN LATERAL fx_lookup(cur.currency, v_currency, cur.day) fx ON true
  ),
  -- earlier_orders as the history lookups of 0015 used it: 0 (first counted order of its customer, or an
  -- order that is its own customer), 1 (the second), 2 (any later one)
  ord AS MATERIALIZED (
    SELECT o.day, o.customer_key, o.currency, o.total_minor,
      round(o.total_minor * r.factor)::bigint AS total_reporting, o.first_touch_at, o.created_at,
      (o.first_order_at AT TIME ZONE v_tz)::date AS first_order_day, o.earlier_orders,
      o.ft_channel, o.ft_source, o.ft_medium, o.ft_campaign, o.lt_channel, o.lt_source, o.lt_medium, o.lt_campaign
    FROM day_orders o
    LEFT JOIN rates r ON r.day = o.day AND r.currency = o.currency
  ),
  -- ad campaign ids → names for each day: the name of the latest ad_spend day among the 90 before it (the
  -- smallest name of that day), as one span of days per (campaign, ad day)
  campaign_ad_days AS (
    SELECT a.campaign_id, a.day AS named_on, min(a.campaign_name) AS campaign_name
    FROM ad_spend a WHERE a.company_id = p_company_id AND a.campaign_name IS NOT NULL AND a.day BETWEEN p_from - 90 AND p_to
    GROUP BY a.campaign_id, a.day
  ),
  campaign_spans AS (
    SELECT campaign_id, campaign_name, named_on,
      least(coalesce(lead(named_on) OVER (PARTITION BY campaign_id ORDER BY named_on) - 1, named_on + 90), named_on + 90) AS named_until
    FROM campaign_ad_days
  ),
  campaign_names AS (
    SELECT d.day, s.campaign_id, s.campaign_name FROM days d JOIN campaign_spans s ON d.day BETWEEN s.named_on AND s.named_until
  ),
  -- section: the range's sessions, one row per (day, session of the day), read from session_day_events alone:
  -- started on the day (its start-day row carries the session's visitor, labels and engagement, kept by the
  -- 0023 triggers on sessions) and/or with events on it (has_events; the events without a session id are one
  -- row per day with session_id NULL). Events of a session not started on their day take its labels (one
  -- primary-key lookup each, gated); unknown sessions have none. (Was: the day's counts joined in full
  -- with the sessions started on the day.)
  day_sessions AS MATERIALIZED (
    SELECT c.day, c.started AS on_day, c.events > 0 AS has_events, NOT c.sessionless AS event_session,
      c.visitor_id,
      coalesce(c.channel, o.channel, '(unattributed)') AS channel, coalesce(c.source, o.source, '(none)') AS source,
      coalesce(c.medium, o.medium, '(none)') AS medium,
      -- a started session's campaign id is named by the ad platforms' campaign names of its day, as before
      coalesce(CASE WHEN c.started THEN coalesce(n.campaign_name, c.campaign) END, o.campaign, '(not set)') AS campaign,
      (c.engaged OR c.add_to_carts + c.begin_checkouts + c.purchases + c.signups + c.lead_submits > 0) AS qualified,
      c.events, c.page_views, c.add_to_carts, c.begin_checkouts, c.purchases, c.signups,
      -- funnel depth: page_view 1 → add_to_cart 2 → begin_checkout 3 → purchase 4 (a later step implies the earlier)
      CASE WHEN c.purchases > 0 THEN 4 WHEN c.begin_checkouts > 0 THEN 3 WHEN c.add_to_carts > 0 THEN 2 WHEN c.page_views > 0 THEN 1 END AS depth
    FROM session_day_events c
    LEFT JOIN campaign_names n ON c.started AND n.day = c.day AND n.campaign_id = c.campaign
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE NOT c.started AND NOT c.sessionless AND s.company_id = p_company_id AND s.session_id = c.session_id
      LIMIT 1
    ) o ON true
    WHERE c.company_id = p_company_id AND c.day BETWEEN p_from AND p_to
  ),
  -- section: traffic (sessions started on the day); visitors distinct per row, by hashing (no sort)
  part_sessions AS (
    SELECT day, channel, source, medium, campaign, sum(sessions) AS sessions, count(visitor_id) AS visitors, sum(qualified_sessions) AS qualified_sessions
    FROM (
      SELECT day, channel, source, medium, campaign, visitor_id, count(*) AS sessions, count(*) FILTER (WHERE qualified) AS qualified_sessions
      FROM day_sessions WHERE on_day GROUP BY day, channel, source, medium, campaign, visitor_id
    ) v
    GROUP BY day, channel, source, medium, campaign
  ),
  -- section: events of the day, under their session's labels
  part_events AS (
    SELECT day, channel, source, medium, campaign,
      sum(page_views) AS page_views, sum(add_to_carts) AS add_to_carts, sum(begin_checkouts) AS begin_checkouts,
      sum(purchases) AS purchases, sum(signups) AS signups,
      -- for the day's totals (traffic below): all events, and the sessions reaching each funnel step
      sum(events) AS events, count(*) FILTER (WHERE event_session AND depth >= 1) AS s1, count(*) FILTER (WHERE event_session AND depth >= 2) AS s2,
      count(*) FILTER (WHERE event_session AND depth >= 3) AS s3, count(*) FILTER (WHERE event_session AND depth >= 4) AS s4
    FROM day_sessions WHERE has_events
    GROUP BY 1, 2, 3, 4, 5
  ),
  -- section: leads created on the day (CRM), under their session's labels
  part_leads AS (
    SELECT p_from + width_bucket(l.created_at, v_bounds) - 1 AS day, coalesce(s.channel, '(unattributed)') AS channel, coalesce(s.source, '(none)') AS source,
      coalesce(s.medium, '(none)') AS medium, coalesce(s.campaign, '(not set)') AS campaign, count(*) AS leads
    FROM leads l
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE s.company_id = p_company_id AND s.session_id = l.session_id LIMIT 1
    ) s ON true
    WHERE l.company_id = p_company_id AND l.kind = 'contact' AND l.created_at >= v_start AND l.created_at < v_end
    GROUP BY 1, 2, 3, 4, 5
  ),
  -- section: orders by first and by last touch
  part_first AS (
    SELECT day, ft_channel AS channel, ft_source AS source, ft_medium AS medium, ft_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM ord GROUP BY 1, 2, 3, 4, 5
  ),
  part_last AS (
    SELECT day, lt_channel AS channel, lt_source AS source, lt_medium AS medium, lt_campaign AS campaign, count(*) AS orders,
      coalesce(sum(total_reporting), 0) AS revenue, count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers
    FROM ord GROUP BY 1, 2, 3, 4, 5
  ),
  -- section: ad spend of the day (ad_spend.day is the ad account's reporting day: docs/integrations/ad-spend.md)
  part_spend AS (
    SELECT a.day, ad_platform_channel(a.platform) AS channel, ad_platform_source(a.platform) AS source, ad_platform_medium(a.platform) AS medium,
      coalesce(a.campaign_name, a.campaign_id) AS campaign,
      coalesce(sum(a.spend_reporting_minor), 0) AS spend, count(*) FILTER (WHERE a.fx_rate_missing) AS fx_missing,
      sum(a.impressions) AS impressions, sum(a.clicks) AS clicks
    FROM ad_spend_reporting a
    WHERE a.company_id = p_company_id AND a.day BETWEEN p_from AND p_to
    GROUP BY 1, 2, 3, 4, 5
  ),
  parts AS (
    SELECT day, channel, source, medium, campaign, sessions, visitors, qualified_sessions, 0::bigint AS page_views, 0::bigint AS add_to_carts,
      0::bigint AS begin_checkouts, 0::bigint AS purchases, 0::bigint AS signups, 0::bigint AS leads,
      0::bigint AS orders_ft, 0::bigint AS revenue_ft, 0::bigint AS new_ft, 0::bigint AS orders_lt, 0::bigint AS revenue_lt, 0::bigint AS new_lt,
      0::bigint AS fx_ft, 0::bigint AS fx_lt, 0::bigint AS spend, 0::bigint AS spend_fx, 0::bigint AS impressions, 0::bigint AS clicks
    FROM part_sessions
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, 0, 0, page_views, add_to_carts, begin_checkouts, purchases, signups, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM part_events
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, leads, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM part_leads
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, 0, 0, fx_missing, 0, 0, 0, 0, 0 FROM part_first
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, orders, revenue, new_customers, 0, fx_missing, 0, 0, 0, 0 FROM part_last
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, spend, fx_missing, impressions, clicks FROM part_spend
  ),
  ins_acquisition AS (
    INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, sessions, visitors, qualified_sessions, page_views,
      add_to_cart_events, begin_checkout_events, purchase_events, signups, leads, orders_first_touch, revenue_first_touch_minor,
      new_customers_first_touch, orders_last_touch, revenue_last_touch_minor, new_customers_last_touch, revenue_fx_missing_first_touch,
      revenue_fx_missing_last_touch, spend_minor, spend_fx_missing, impressions, clicks)
    SELECT p_company_id, p.day, p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign),
      sum(sessions), sum(visitors), sum(qualified_sessions), sum(page_views), sum(add_to_carts), sum(begin_checkouts), sum(purchases),
      sum(signups), sum(leads), sum(orders_ft), sum(revenue_ft), sum(new_ft), sum(orders_lt), sum(revenue_lt), sum(new_lt), sum(fx_ft),
      sum(fx_lt), sum(spend), sum(spend_fx), sum(impressions), sum(clicks)
    FROM parts p
    LEFT JOIN campaign_names n ON n.day = p.day AND n.campaign_id = p.campaign
    GROUP BY p.day, p.channel, p.source, p.medium, coalesce(n.campaign_name, p.campaign)
    RETURNING day
  ),
  -- section: the day's traffic totals and funnel reach (sessions with events on the day reaching each step):
  -- sums of the per-label parts above (a session is in one label group of its day), not another pass over
  -- the day's sessions; one traffic row and four funnel rows per day of the range, also for a day without data
  traffic AS (
    SELECT d.day, coalesce(ts.sessions, 0) AS sessions, coalesce(ts.qualified_sessions, 0) AS qualified_sessions,
      coalesce(te.page_views, 0) AS page_views, coalesce(te.events, 0) AS events,
      coalesce(te.s1, 0) AS s1, coalesce(te.s2, 0) AS s2, coalesce(te.s3, 0) AS s3, coalesce(te.s4, 0) AS s4
    FROM days d
    LEFT JOIN (SELECT day, sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions FROM part_sessions GROUP BY day) ts ON ts.day = d.day
    LEFT JOIN (SELECT day, sum(page_views) AS page_views, sum(events) AS events, sum(s1) AS s1, sum(s2) AS s2, sum(s3) AS s3, sum(s4) AS s4
               FROM part_events GROUP BY day) te ON te.day = d.day
  ),
  traffic_visitors AS (
    SELECT day, count(*) AS visitors
    FROM (SELECT day, visitor_id FROM day_sessions WHERE on_day AND visitor_id IS NOT NULL GROUP BY day, visitor_id) v
    GROUP BY day
  ),
  ins_traffic AS (
    INSERT INTO agg_daily_traffic (company_id, day, sessions, visitors, qualified_sessions, page_views, events)
    SELECT p_company_id, d.day, coalesce(t.sessions, 0), coalesce(v.visitors, 0), coalesce(t.qualified_sessions, 0),
      coalesce(t.page_views, 0), coalesce(t.events, 0)
    FROM days d LEFT JOIN traffic t ON t.day = d.day LEFT JOIN traffic_visitors v ON v.day = d.day
    RETURNING day
  ),
  ins_funnel AS (
    INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
    SELECT p_company_id, d.day, st.step_index, st.step,
      coalesce(CASE st.step_index WHEN 1 THEN r.s1 WHEN 2 THEN r.s2 WHEN 3 THEN r.s3 ELSE r.s4 END, 0)
    FROM days d
    CROSS JOIN (VALUES (1, 'page_view'), (2, 'add_to_cart'), (3, 'begin_checkout'), (4, 'purchase')) AS st (step_index, step)
    LEFT JOIN traffic r ON r.day = d.day
    RETURNING day
  ),
  -- section: time to conversion
  ins_time_to_conversion AS (
    INSERT INTO agg_daily_time_to_conversion (company_id, day, bucket, label, orders, total_seconds)
    SELECT p_company_id, o.day, b.bucket, time_to_conversion_label(b.bucket), count(*), coalesce(sum(b.seconds), 0)::bigint
    FROM ord o
    CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM o.created_at - o.first_touch_at)) AS seconds) s
    CROSS JOIN LATERAL (SELECT time_to_conversion_bucket(s.seconds) AS bucket, s.seconds) b
    GROUP BY o.day, b.bucket
    RETURNING day
  ),
  -- section: revenue per currency, refunds on their own day
  rev_orders AS (
    SELECT day, currency, count(*) AS orders, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers, sum(total_minor) AS gross
    FROM ord GROUP BY day, currency
  ),
  rev_refunds AS (
    SELECT p_from + width_bucket(created_at, v_bounds) - 1 AS day, currency, count(*) AS refunds, sum(amount_minor) AS refunded
    FROM refunds WHERE company_id = p_company_id AND created_at >= v_start AND created_at < v_end GROUP BY 1, 2
  ),
  rev_both AS (
    SELECT coalesce(o.day, r.day) AS day, coalesce(o.currency, r.currency) AS currency, coalesce(o.orders, 0) AS orders,
      coalesce(o.new_customers, 0) AS new_customers, coalesce(o.gross, 0)::bigint AS gross, coalesce(r.refunds, 0) AS refunds,
      coalesce(r.refunded, 0)::bigint AS refunded
    FROM rev_orders o FULL JOIN rev_refunds r ON r.day = o.day AND r.currency = o.currency
  ),
  ins_revenue AS (
    INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency,
      fx_rate, fx_rate_day, fx_rate_missing, gross_reporting_minor, refunded_reporting_minor)
    SELECT p_company_id, b.day, b.currency, b.orders, b.new_customers, b.gross, b.refunds, b.refunded, v_currency, fx.rate, fx.rate_day, fx.rate IS NULL,
      fx_apply_minor(b.gross, fx.rate, b.currency, v_currency), fx_apply_minor(b.refunded, fx.rate, b.currency, v_currency)
    FROM rev_both b
    LEFT JOIN LATERAL fx_lookup(b.currency, v_currency, b.day) fx ON true
    RETURNING day
  ),
  -- section: cohorts (first-order day of each customer)
  ins_cohort_revenue AS (
    INSERT INTO agg_daily_cohort_revenue (company_id, day, first_order_day, customers, new_customers, second_order_customers, orders, revenue_minor, revenue_fx_missing)
    -- distinct customers as groups of a first aggregate (hashed) rather than count(DISTINCT …) (a sort per group)
    SELECT p_company_id, day, first_order_day, count(*), sum(new_customers), sum(second_orders), sum(orders), coalesce(sum(revenue), 0), sum(fx_missing)
    FROM (
      SELECT day, first_order_day, customer_key, count(*) FILTER (WHERE earlier_orders = 0) AS new_customers,
        count(*) FILTER (WHERE earlier_orders = 1) AS second_orders, count(*) AS orders, sum(total_reporting) AS revenue,
        count(*) FILTER (WHERE total_reporting IS NULL) AS fx_missing
      FROM ord
      GROUP BY day, first_order_day, customer_key
    ) c
    GROUP BY day, first_order_day
    RETURNING day
  ),
  written AS (
    SELECT day, 'agg_daily_acquisition' AS table_name FROM ins_acquisition
    UNION ALL SELECT day, 'agg_daily_traffic' FROM ins_traffic
    UNION ALL SELECT day, 'agg_daily_funnel' FROM ins_funnel
    UNION ALL SELECT day, 'agg_daily_time_to_conversion' FROM ins_time_to_conversion
    UNION ALL SELECT day, 'agg_daily_revenue' FROM ins_revenue
    UNION ALL SELECT day, 'agg_daily_cohort_revenue' FROM ins_cohort_revenue
  )
  SELECT coalesce(jsonb_agg(jsonb_build_array(w.day, w.table_name, w.n)), '[]'::jsonb)
  INTO v_written
  FROM (SELECT day, table_name, count(*) AS n FROM written GROUP BY day, table_name) w;

  -- section: MRR at the end of each day. History comes from the timestamps (started, canceled/ended); the
  -- current status only removes subscriptions that never paid (incomplete, incomplete_expired) or are trialing.
  WITH
  day_bounds AS (
    SELECT g::date AS day, local_day_start(g::date, v_tz) AS day_start, local_day_start(g::date + 1, v_tz) AS day_end
    FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g
  ),
  subs AS (
    SELECT s.currency, s.mrr_minor, s.started_at,
      coalesce(s.ended_at, CASE WHEN s.status IN ('canceled', 'cancelled', 'ended') THEN coalesce(s.canceled_at, s.updated_at) END) AS ended_at
    FROM subscriptions s
    WHERE s.company_id = p_company_id AND s.status NOT IN ('incomplete', 'incomplete_expired', 'trialing') AND s.started_at < v_end
  ),
  per_currency AS (
    SELECT d.day, s.currency,
      count(*) FILTER (WHERE s.ended_at IS NULL OR s.ended_at >= d.day_end) AS active,
      count(*) FILTER (WHERE s.started_at >= d.day_start) AS started,
      count(*) FILTER (WHERE s.ended_at >= d.day_start AND s.ended_at < d.day_end) AS churned,
      coalesce(sum(s.mrr_minor) FILTER (WHERE s.ended_at IS NULL OR s.ended_at >= d.day_end), 0)::bigint AS mrr
    FROM day_bounds d JOIN subs s ON s.started_at < d.day_end
    GROUP BY d.day, s.currency
  ),
  ins_mrr AS (
    INSERT INTO agg_daily_mrr (company_id, day, currency, active_subscriptions, new_subscriptions, churned_subscriptions, mrr_minor,
      reporting_currency, fx_rate_missing, mrr_reporting_minor)
    SELECT p_company_id, c.day, c.currency, c.active, c.started, c.churned, c.mrr, v_currency, fx.rate IS NULL, fx_apply_minor(c.mrr, fx.rate, c.currency, v_currency)
    FROM per_currency c
    LEFT JOIN LATERAL fx_lookup(c.currency, v_currency, c.day) fx ON true
    WHERE c.active > 0 OR c.started > 0 OR c.churned > 0
    RETURNING day
  )
  SELECT coalesce(jsonb_agg(jsonb_build_array(w.day, 'agg_daily_mrr', w.n)), '[]'::jsonb)
  INTO v_mrr
  FROM (SELECT day, count(*) AS n FROM ins_mrr GROUP BY day) w;
  v_written := v_written || v_mrr;

  -- section: one rollup_runs row per day (a range's time shared equally among its days) and the counts
  RETURN QUERY
  WITH
  per_table AS (
    SELECT g::date AS day, t.table_name, coalesce(w.n, 0)::bigint AS n
    FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g
    CROSS JOIN unnest(ARRAY['agg_daily_acquisition', 'agg_daily_traffic', 'agg_daily_funnel', 'agg_daily_time_to_conversion',
      'agg_daily_revenue', 'agg_daily_cohort_revenue', 'agg_daily_mrr']) AS t (table_name)
    LEFT JOIN (SELECT (e ->> 0)::date AS day, e ->> 1 AS table_name, (e ->> 2)::bigint AS n FROM jsonb_array_elements(v_written) e) w
      ON w.day = g::date AND w.table_name = t.table_name
  ),
  runs AS (
    INSERT INTO rollup_runs (company_id, day, workflow_id, duration_ms, rows_written, rows_total)
    SELECT p_company_id, day, p_workflow_id, extract(epoch FROM clock_timestamp() - v_t0) * 1000 / (p_to - p_from + 1),
      jsonb_object_agg(table_name, n), sum(n)
    FROM per_table GROUP BY day
    RETURNING 1
  )
  SELECT day, table_name, n FROM per_table ORDER BY day, table_name;
END
$$;
REVOKE ALL ON FUNCTION rollup_company_days_from_starts(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_days_from_starts(uuid, date, date, text) TO lux_app;

-- section: the two entry points, as in 0020 (plan modes per kind of call), on the new body -------------------------
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_custom_plan
  AS $$
    SELECT r.day, r.table_name, r.rows_written FROM rollup_company_days_from_starts(p_company_id, p_from, p_to, p_workflow_id) r
  $$;
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_generic_plan
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days_from_starts(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;

-- section: the attribution paths (0021) read only the day's attributions -------------------------------------------
CREATE OR REPLACE FUNCTION rollup_attribution_paths(p_company_id uuid, p_from date, p_to date)
  RETURNS TABLE (day date, rows_written bigint)
  LANGUAGE plpgsql
  AS $$
#variable_conflict use_column
DECLARE
  v_zone text;
BEGIN
  IF p_to < p_from THEN
    RAISE EXCEPTION 'rollup_attribution_paths: empty range % … %', p_from, p_to;
  END IF;
  SELECT c.time_zone INTO v_zone FROM companies c WHERE c.company_id = p_company_id;
  IF v_zone IS NULL THEN
    RAISE EXCEPTION 'rollup_attribution_paths: company % not found', p_company_id;
  END IF;
  DELETE FROM agg_daily_attribution_paths p WHERE p.company_id = p_company_id AND p.day BETWEEN p_from AND p_to;
  RETURN QUERY
  WITH inserted AS (
    INSERT INTO agg_daily_attribution_paths (company_id, day, first_touch_channel, last_touch_channel, currency, touch_count, orders, revenue_minor)
    SELECT p_company_id, (a.purchased_at AT TIME ZONE v_zone)::date,
      coalesce(a.first_touch_channel, '(unattributed)'), coalesce(a.last_touch_channel, '(unattributed)'),
      a.currency, a.touch_count, count(*), sum(a.revenue_minor)
    -- fct_order_attribution's rows, read from its two tables: through the view (security barrier, and
    -- fct_orders inside it is one too) the planner could not probe orders by key and scanned every order of
    -- the company on each call; here each of the range's attributions probes orders_pkey.
    FROM order_attribution a
    JOIN orders o ON o.company_id = a.company_id AND o.source = a.source AND o.external_id = a.external_id
    WHERE a.company_id = p_company_id
      AND o.merged_into_external_id IS NULL -- fct_orders' condition
      -- the index range (order_attribution_company_purchased_idx): the local dates' instants, 3 hours wider
      -- on each side (more than any clock change moves a local midnight); the local date itself decides.
      -- (0021 read a whole day more on each side: three days of attributions for one.)
      AND a.purchased_at >= p_from::timestamp AT TIME ZONE v_zone - interval '3 hours'
      AND a.purchased_at < (p_to + 1)::timestamp AT TIME ZONE v_zone + interval '3 hours'
      AND (a.purchased_at AT TIME ZONE v_zone)::date BETWEEN p_from AND p_to
    GROUP BY 2, 3, 4, 5, 6
    RETURNING day
  )
  SELECT d.day, count(i.day)
  FROM (SELECT generate_series(p_from, p_to, interval '1 day')::date AS day) d
  LEFT JOIN inserted i ON i.day = d.day
  GROUP BY d.day
  ORDER BY d.day;
END
$$;

-- Down Migration
-- 0021's rollup_attribution_paths
CREATE OR REPLACE FUNCTION rollup_attribution_paths(p_company_id uuid, p_from date, p_to date)
  RETURNS TABLE (day date, rows_written bigint)
  LANGUAGE plpgsql
  AS $$
#variable_conflict use_column
DECLARE
  v_zone text;
BEGIN
  IF p_to < p_from THEN
    RAISE EXCEPTION 'rollup_attribution_paths: empty range % … %', p_from, p_to;
  END IF;
  SELECT c.time_zone INTO v_zone FROM companies c WHERE c.company_id = p_company_id;
  IF v_zone IS NULL THEN
    RAISE EXCEPTION 'rollup_attribution_paths: company % not found', p_company_id;
  END IF;
  DELETE FROM agg_daily_attribution_paths p WHERE p.company_id = p_company_id AND p.day BETWEEN p_from AND p_to;
  RETURN QUERY
  WITH inserted AS (
    INSERT INTO agg_daily_attribution_paths (company_id, day, first_touch_channel, last_touch_channel, currency, touch_count, orders, revenue_minor)
    SELECT p_company_id, (a.purchased_at AT TIME ZONE v_zone)::date,
      coalesce(a.first_touch_channel, '(unattributed)'), coalesce(a.last_touch_channel, '(unattributed)'),
      a.currency, a.touch_count, count(*), sum(a.revenue_minor)
    -- fct_order_attribution's rows, read from its two tables: through the view (security barrier, and
    -- fct_orders inside it is one too) the planner could not probe orders by key and scanned every order of
    -- the company on each call; here each of the range's attributions probes orders_pkey.
    FROM order_attribution a
    JOIN orders o ON o.company_id = a.company_id AND o.source = a.source AND o.external_id = a.external_id
    WHERE a.company_id = p_company_id
      AND o.merged_into_external_id IS NULL -- fct_orders' condition
      -- the index range (order_attribution_company_purchased_idx), a day wider on each side than the
      -- local dates; the local date itself decides
      AND a.purchased_at >= (p_from - 1)::timestamp AT TIME ZONE v_zone
      AND a.purchased_at < (p_to + 2)::timestamp AT TIME ZONE v_zone
      AND (a.purchased_at AT TIME ZONE v_zone)::date BETWEEN p_from AND p_to
    GROUP BY 2, 3, 4, 5, 6
    RETURNING day
  )
  SELECT d.day, count(i.day)
  FROM (SELECT generate_series(p_from, p_to, interval '1 day')::date AS day) d
  LEFT JOIN inserted i ON i.day = d.day
  GROUP BY d.day
  ORDER BY d.day;
END
$$;
-- the entry points back on 0020's body, which reads sessions itself
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_custom_plan
  AS $$
    SELECT r.day, r.table_name, r.rows_written FROM rollup_company_days_compute(p_company_id, p_from, p_to, p_workflow_id) r
  $$;
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_generic_plan
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days_compute(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;
DROP FUNCTION IF EXISTS rollup_company_days_from_starts(uuid, date, date, text);
DROP TRIGGER IF EXISTS sessions_day_starts_insert ON sessions;
DROP TRIGGER IF EXISTS sessions_day_starts_update ON sessions;
DROP TRIGGER IF EXISTS sessions_day_starts_delete ON sessions;
DROP FUNCTION IF EXISTS sessions_refresh_day_starts();
DROP FUNCTION IF EXISTS session_refresh_day_start();
-- 0018's recount
CREATE OR REPLACE FUNCTION recount_session_day_events(p_company_id uuid) RETURNS bigint
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_rows bigint;
BEGIN
  DELETE FROM session_day_events WHERE company_id = p_company_id;
  INSERT INTO session_day_events (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts,
    purchases, signups, lead_submits)
  SELECT k.company_id, local_day_of(k.occurred_at, c.time_zone), coalesce(k.session_id, ''), k.session_id IS NULL, count(*),
    count(*) FILTER (WHERE k.kind = 1), count(*) FILTER (WHERE k.kind = 2), count(*) FILTER (WHERE k.kind = 3),
    count(*) FILTER (WHERE k.kind = 4), count(*) FILTER (WHERE k.kind = 5), count(*) FILTER (WHERE k.kind = 6)
  FROM (SELECT e.company_id, e.occurred_at, e.session_id, event_kind(e.event_name) AS kind FROM raw_events e WHERE e.company_id = p_company_id OFFSET 0) k
  JOIN companies c ON c.company_id = k.company_id
  GROUP BY 1, 2, 3, 4;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END
$$;
DROP FUNCTION IF EXISTS restart_session_day_starts(uuid);
DROP FUNCTION IF EXISTS clear_session_day_start(uuid, date, text);
DROP FUNCTION IF EXISTS session_engaged(integer, timestamptz, timestamptz);
-- the start-only rows (no events) go, then the columns
DELETE FROM session_day_events WHERE events = 0;
ALTER TABLE session_day_events DROP COLUMN started, DROP COLUMN visitor_id, DROP COLUMN channel, DROP COLUMN source,
  DROP COLUMN medium, DROP COLUMN campaign, DROP COLUMN engaged;
