-- Up Migration
--
-- Visitors counted at ingest (issue 6, target "rollup ≤ 3× a sequential scan of the same rows";
-- docs/benchmarks.md § Rollups, run 6). Same tables, same rows: the fixture CSVs compare exactly and
-- test/integration/rollup-precounted.test.ts compares with the 0015 from-raw function, also after late
-- starts, moved labels and erasures.
--
-- After 0024 a third of a history day's rollup was counting distinct visitors: the day's ~10,000 started
-- sessions hashed once by (labels, visitor) for the visitors of each acquisition row and once more by
-- visitor for the day's traffic total. Measured on the bench database (backend time per history day, week
-- statements interleaved in one session): 57.8 ms with both, 49.5 without the day's total, 40.8 without
-- either. So the rollup now reads them from two tables kept by triggers on sessions, beside 0023's
-- start-day rows:
--
--   visitor_days         (company, local day, visitor) → the visitor's sessions started that day
--   visitor_day_labels   (company, local day, channel, source, medium, campaign id, visitor) → likewise,
--                        under the session's labels as stored (sessions.channel, label_*)
--
-- A day's visitors are its rows in visitor_days; an acquisition row's visitors are the rows of its labels
-- in visitor_day_labels (one per visitor: the key holds it). Only where the ad platforms' campaign names
-- make two campaign ids one row (say an id and a utm_campaign typed as its name) can a visitor be in two
-- of them; those rows, and only those, count their distinct visitors again. Sessions without a visitor id
-- are in neither table, as they were in neither count.
--
-- The triggers follow every path that writes sessions (ingest, fixtures, restores, the DSR delete), like
-- 0023's: INSERT adds the new sessions (set-based: ingest inserts up to a batch's worth per statement);
-- UPDATE (only when the session's start, visitor or labels change: a late earlier event, rare) moves
-- one session from its old key to its new one; DELETE removes them. A row whose count reaches zero is
-- deleted, so an erased session's visitor id is not left behind here. ENABLE ALWAYS, as 0018's and 0023's:
-- replica-mode loads keep them right too. A company's time zone change recounts them on the new local days.
-- Each trigger writes only these tables, so they run in either order with 0018's and 0023's.
--
-- Two more changes, below: the rollup groups the day's started sessions and its events in one aggregate
-- instead of two (docs/benchmarks.md § Rollups, run 6), and a cleared start without events leaves no row (0023
-- kept an empty one).

-- section: the tables -------------------------------------------------------------------------------------------
CREATE TABLE visitor_days (
  company_id uuid NOT NULL REFERENCES companies (company_id),
  day        date NOT NULL,    -- company-local day of the sessions' start
  visitor_id text NOT NULL,
  sessions   integer NOT NULL CHECK (sessions >= 0), -- 0 only inside the transaction that then deletes the row
  PRIMARY KEY (company_id, day, visitor_id)
);
COMMENT ON TABLE visitor_days IS
  'Sessions started per company-local day and visitor (kept by triggers on sessions, migration 0025). A day''s rows are its distinct visitors: the rollups count them instead of hashing the day''s sessions.';
CREATE TABLE visitor_day_labels (
  company_id uuid NOT NULL REFERENCES companies (company_id),
  day        date NOT NULL,
  -- the session's labels as the rollups group them: sessions.channel, label_source, label_medium,
  -- label_campaign (the campaign id, named at rollup time); never NULL there (see visitor_sessions_add)
  channel    text NOT NULL,
  source     text NOT NULL,
  medium     text NOT NULL,
  campaign   text NOT NULL,
  visitor_id text NOT NULL,
  sessions   integer NOT NULL CHECK (sessions >= 0), -- 0 only inside the transaction that then deletes the row
  PRIMARY KEY (company_id, day, channel, source, medium, campaign, visitor_id)
);
COMMENT ON TABLE visitor_day_labels IS
  'Sessions started per company-local day, labels (channel, source, medium, campaign id) and visitor (kept by triggers on sessions, migration 0025): the visitors of each acquisition row.';
SELECT enable_tenant_isolation('visitor_days');
SELECT enable_tenant_isolation('visitor_day_labels');
GRANT SELECT, INSERT, UPDATE, DELETE ON visitor_days, visitor_day_labels TO lux_app;

-- section: the triggers on sessions --------------------------------------------------------------------------------
-- One session's key in both tables: its start's local day and its labels as stored. The labels are never NULL
-- (sessions.channel is NOT NULL; label_source, label_medium and label_campaign are generated with the rollups'
-- defaults '(direct)'/'(none)'/'(not set)'), so they are the values the rollup groups a started session by.
CREATE FUNCTION visitor_sessions_add(p_company_id uuid, p_day date, p_visitor_id text, p_channel text, p_source text, p_medium text,
  p_campaign text) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    INSERT INTO visitor_days AS t (company_id, day, visitor_id, sessions)
    SELECT p_company_id, p_day, p_visitor_id, 1 WHERE p_visitor_id IS NOT NULL
    ON CONFLICT (company_id, day, visitor_id) DO UPDATE SET sessions = t.sessions + 1;
    INSERT INTO visitor_day_labels AS t (company_id, day, channel, source, medium, campaign, visitor_id, sessions)
    SELECT p_company_id, p_day, p_channel, p_source, p_medium, p_campaign, p_visitor_id, 1
    WHERE p_visitor_id IS NOT NULL
    ON CONFLICT (company_id, day, channel, source, medium, campaign, visitor_id) DO UPDATE SET sessions = t.sessions + 1;
  END;
-- The reverse: one session fewer, and the row gone at zero (an erased visitor id is not kept at a count of 0).
-- Decrement first, then delete at zero: the UPDATE waits for a concurrent one on the same row and applies to
-- its result, so two transactions removing a visitor's last two sessions end with no row (a "delete where
-- 1, else decrement" pair could leave a row at 1 when both read 2).
CREATE FUNCTION visitor_sessions_remove(p_company_id uuid, p_day date, p_visitor_id text, p_channel text, p_source text, p_medium text,
  p_campaign text) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    UPDATE visitor_days SET sessions = sessions - 1 WHERE company_id = p_company_id AND day = p_day AND visitor_id = p_visitor_id;
    DELETE FROM visitor_days WHERE company_id = p_company_id AND day = p_day AND visitor_id = p_visitor_id AND sessions = 0;
    UPDATE visitor_day_labels SET sessions = sessions - 1
    WHERE company_id = p_company_id AND day = p_day AND channel = p_channel AND source = p_source AND medium = p_medium
      AND campaign = p_campaign AND visitor_id = p_visitor_id;
    DELETE FROM visitor_day_labels
    WHERE company_id = p_company_id AND day = p_day AND channel = p_channel AND source = p_source AND medium = p_medium
      AND campaign = p_campaign AND visitor_id = p_visitor_id AND sessions = 0;
  END;

-- INSERT, per statement: the statement's new sessions grouped by key (each session's local day computed once,
-- for both tables), two upserts in key order (a stable lock order between concurrent flushes), not a function
-- call per session
CREATE FUNCTION sessions_count_visitor_days() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  -- a concurrent time zone change waits for this transaction (or this one reads the new zone), as in 0018
  PERFORM 1 FROM companies c WHERE c.company_id IN (SELECT DISTINCT n.company_id FROM new_sessions n) ORDER BY c.company_id FOR SHARE;
  WITH keyed AS (
    SELECT n.company_id, local_day_of(n.started_at, c.time_zone) AS day, n.channel, n.label_source, n.label_medium, n.label_campaign,
      n.visitor_id, count(*) AS sessions
    FROM new_sessions n JOIN companies c ON c.company_id = n.company_id
    WHERE n.visitor_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
  ),
  days AS (
    INSERT INTO visitor_days AS t (company_id, day, visitor_id, sessions)
    SELECT company_id, day, visitor_id, sum(sessions) FROM keyed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (company_id, day, visitor_id) DO UPDATE SET sessions = t.sessions + EXCLUDED.sessions
  )
  INSERT INTO visitor_day_labels AS t (company_id, day, channel, source, medium, campaign, visitor_id, sessions)
  SELECT company_id, day, channel, label_source, label_medium, label_campaign, visitor_id, sessions FROM keyed ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (company_id, day, channel, source, medium, campaign, visitor_id) DO UPDATE SET sessions = t.sessions + EXCLUDED.sessions;
  RETURN NULL;
END
$$;
-- UPDATE, per row and only when the key changes (the WHEN clause below): the session leaves its old key for its
-- new one. Ingest updates every session of every batch, but its start, visitor and labels only on a late
-- earlier event.
CREATE FUNCTION session_move_visitor_day() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_old_tz text;
  v_new_tz text;
BEGIN
  SELECT c.time_zone INTO v_old_tz FROM companies c WHERE c.company_id = OLD.company_id FOR SHARE;
  SELECT c.time_zone INTO v_new_tz FROM companies c WHERE c.company_id = NEW.company_id FOR SHARE;
  PERFORM visitor_sessions_remove(OLD.company_id, local_day_of(OLD.started_at, v_old_tz), OLD.visitor_id, OLD.channel, OLD.label_source,
    OLD.label_medium, OLD.label_campaign);
  PERFORM visitor_sessions_add(NEW.company_id, local_day_of(NEW.started_at, v_new_tz), NEW.visitor_id, NEW.channel, NEW.label_source,
    NEW.label_medium, NEW.label_campaign);
  RETURN NULL;
END
$$;
-- DELETE, per statement (a DSR erasure deletes a person's few sessions)
CREATE FUNCTION sessions_uncount_visitor_days() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM 1 FROM companies c WHERE c.company_id IN (SELECT DISTINCT o.company_id FROM old_sessions o) ORDER BY c.company_id FOR SHARE;
  PERFORM visitor_sessions_remove(o.company_id, local_day_of(o.started_at, c.time_zone), o.visitor_id, o.channel, o.label_source,
    o.label_medium, o.label_campaign)
  FROM old_sessions o JOIN companies c ON c.company_id = o.company_id
  WHERE o.visitor_id IS NOT NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_visitor_days_insert AFTER INSERT ON sessions
  REFERENCING NEW TABLE AS new_sessions FOR EACH STATEMENT EXECUTE FUNCTION sessions_count_visitor_days();
CREATE TRIGGER sessions_visitor_days_update AFTER UPDATE ON sessions FOR EACH ROW
  WHEN ((OLD.company_id, OLD.started_at, OLD.visitor_id, OLD.channel, OLD.label_source, OLD.label_medium, OLD.label_campaign)
    IS DISTINCT FROM (NEW.company_id, NEW.started_at, NEW.visitor_id, NEW.channel, NEW.label_source, NEW.label_medium, NEW.label_campaign))
  EXECUTE FUNCTION session_move_visitor_day();
CREATE TRIGGER sessions_visitor_days_delete AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS old_sessions FOR EACH STATEMENT EXECUTE FUNCTION sessions_uncount_visitor_days();
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_visitor_days_insert;
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_visitor_days_update;
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_visitor_days_delete;

-- section: a cleared start without events leaves no row ----------------------------------------------------------------
-- 0023's clear_session_day_start (a session deleted, or its start moved to another day) kept the old start-day
-- row with its counts, also when it had none: an erased session stored before any of its events left an
-- empty row behind (no visitor or labels, but not the "a row has events or is a start" that the rollups and
-- test/integration/rollup-precounted.test.ts hold to). Such a row is now deleted.
CREATE OR REPLACE FUNCTION clear_session_day_start(p_company_id uuid, p_day date, p_session_id text) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    DELETE FROM session_day_events
    WHERE company_id = p_company_id AND day = p_day AND session_id = p_session_id AND NOT sessionless AND started AND events = 0;
    UPDATE session_day_events SET started = false, visitor_id = NULL, channel = NULL, source = NULL, medium = NULL, campaign = NULL, engaged = false
    WHERE company_id = p_company_id AND day = p_day AND session_id = p_session_id AND NOT sessionless AND started;
  END;

-- section: every visitor of a company, also after a time zone change -------------------------------------------------
CREATE FUNCTION recount_visitor_days(p_company_id uuid) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    DELETE FROM visitor_days WHERE company_id = p_company_id;
    DELETE FROM visitor_day_labels WHERE company_id = p_company_id;
    -- as the INSERT trigger counts a statement's new sessions, here all of the company's
    WITH keyed AS (
      SELECT s.company_id, local_day_of(s.started_at, c.time_zone) AS day, s.channel, s.label_source, s.label_medium, s.label_campaign,
        s.visitor_id, count(*) AS sessions
      FROM sessions s JOIN companies c ON c.company_id = s.company_id
      WHERE s.company_id = p_company_id AND s.visitor_id IS NOT NULL
      GROUP BY 1, 2, 3, 4, 5, 6, 7
    ),
    days AS (
      INSERT INTO visitor_days (company_id, day, visitor_id, sessions)
      SELECT company_id, day, visitor_id, sum(sessions) FROM keyed GROUP BY 1, 2, 3
    )
    INSERT INTO visitor_day_labels (company_id, day, channel, source, medium, campaign, visitor_id, sessions)
    SELECT company_id, day, channel, label_source, label_medium, label_campaign, visitor_id, sessions FROM keyed;
  END;
CREATE FUNCTION recount_visitor_days_on_time_zone() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM recount_visitor_days(NEW.company_id);
  RETURN NULL;
END
$$;
CREATE TRIGGER companies_recount_visitor_days AFTER UPDATE OF time_zone ON companies
  FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION recount_visitor_days_on_time_zone();
ALTER TABLE companies ENABLE ALWAYS TRIGGER companies_recount_visitor_days;
REVOKE ALL ON FUNCTION visitor_sessions_add(uuid, date, text, text, text, text, text), visitor_sessions_remove(uuid, date, text, text, text, text, text),
  recount_visitor_days(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION visitor_sessions_add(uuid, date, text, text, text, text, text), visitor_sessions_remove(uuid, date, text, text, text, text, text),
  recount_visitor_days(uuid) TO lux_app;

-- the sessions stored before this migration
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT company_id FROM sessions LOOP
    PERFORM recount_visitor_days(r.company_id);
  END LOOP;
END
$$;

-- section: every rollup table for a range of days, the visitors read from the two tables --------------------------
-- 0023's rollup_company_days_from_starts (same rows: see its, 0020's and 0018's comments) with the visitors of
-- the acquisition rows (part_visitors) and of the day (traffic_visitors) counted from visitor_day_labels and
-- visitor_days; everything else is unchanged.
CREATE FUNCTION rollup_company_days_counted_visitors(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
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
  -- with the sessions started on the day.) Materialised although read once, by part_sessions: inlined, the
  -- one-day generic plan (rollup_company_day) took it for ~1,700 rows instead of ~10,000 and merge-joined the
  -- campaign names, rescanning them per session (105 against 60 ms a history day on the bench database).
  day_sessions AS MATERIALIZED (
    SELECT c.day, c.started AS on_day, c.events > 0 AS has_events, NOT c.sessionless AS event_session,
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
  -- section: sessions started on the day and events of the day, under their session's labels, in one pass
  -- (0023 grouped the started rows and the rows with events apart, from a materialised day_sessions; a row
  -- that is neither, a start cleared from a session without events that day, counts in neither)
  part_sessions AS (
    SELECT day, channel, source, medium, campaign,
      count(*) FILTER (WHERE on_day) AS sessions, count(*) FILTER (WHERE on_day AND qualified) AS qualified_sessions,
      sum(page_views) AS page_views, sum(add_to_carts) AS add_to_carts, sum(begin_checkouts) AS begin_checkouts,
      sum(purchases) AS purchases, sum(signups) AS signups,
      -- for the day's totals (traffic below): all events, and the sessions with events reaching each funnel
      -- step (depth is NULL for a row without events)
      sum(events) AS events, count(*) FILTER (WHERE event_session AND depth >= 1) AS s1, count(*) FILTER (WHERE event_session AND depth >= 2) AS s2,
      count(*) FILTER (WHERE event_session AND depth >= 3) AS s3, count(*) FILTER (WHERE event_session AND depth >= 4) AS s4
    FROM day_sessions WHERE on_day OR has_events
    GROUP BY day, channel, source, medium, campaign
  ),
  -- their visitors: a label group's rows of visitor_day_labels, one per visitor (kept by the 0025 triggers on
  -- sessions; the key holds the visitor, so nothing is hashed per session here), campaign ids named as the
  -- sessions' are above
  visitor_groups AS (
    SELECT v.day, v.channel, v.source, v.medium, v.campaign AS campaign_id, count(*) AS visitors
    FROM visitor_day_labels v
    WHERE v.company_id = p_company_id AND v.day BETWEEN p_from AND p_to
    GROUP BY 1, 2, 3, 4, 5
  ),
  part_visitors AS (
    SELECT k.day, k.channel, k.source, k.medium, k.campaign,
      CASE WHEN k.campaign_ids = 1 THEN k.visitors
      -- campaign names made several campaign ids one row: a visitor may be under two of them, so count the
      -- row's distinct visitors (rare, and only this row's visitors are read)
      ELSE (SELECT count(DISTINCT v.visitor_id)
            FROM visitor_day_labels v
            LEFT JOIN campaign_names n ON n.day = v.day AND n.campaign_id = v.campaign
            WHERE v.company_id = p_company_id AND v.day = k.day AND v.channel = k.channel AND v.source = k.source AND v.medium = k.medium
              AND coalesce(n.campaign_name, v.campaign) = k.campaign)
      END AS visitors
    FROM (
      SELECT g.day, g.channel, g.source, g.medium, coalesce(n.campaign_name, g.campaign_id) AS campaign, count(*) AS campaign_ids,
        sum(g.visitors) AS visitors
      FROM visitor_groups g
      LEFT JOIN campaign_names n ON n.day = g.day AND n.campaign_id = g.campaign_id
      GROUP BY 1, 2, 3, 4, 5
    ) k
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
    SELECT day, channel, source, medium, campaign, sessions, 0::bigint AS visitors, qualified_sessions, page_views, add_to_carts,
      begin_checkouts, purchases, signups, 0::bigint AS leads,
      0::bigint AS orders_ft, 0::bigint AS revenue_ft, 0::bigint AS new_ft, 0::bigint AS orders_lt, 0::bigint AS revenue_lt, 0::bigint AS new_lt,
      0::bigint AS fx_ft, 0::bigint AS fx_lt, 0::bigint AS spend, 0::bigint AS spend_fx, 0::bigint AS impressions, 0::bigint AS clicks
    FROM part_sessions
    UNION ALL
    SELECT day, channel, source, medium, campaign, 0, visitors, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM part_visitors

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
    SELECT d.day, coalesce(t.sessions, 0) AS sessions, coalesce(t.qualified_sessions, 0) AS qualified_sessions,
      coalesce(t.page_views, 0) AS page_views, coalesce(t.events, 0) AS events,
      coalesce(t.s1, 0) AS s1, coalesce(t.s2, 0) AS s2, coalesce(t.s3, 0) AS s3, coalesce(t.s4, 0) AS s4
    FROM days d
    LEFT JOIN (SELECT day, sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions, sum(page_views) AS page_views,
                 sum(events) AS events, sum(s1) AS s1, sum(s2) AS s2, sum(s3) AS s3, sum(s4) AS s4
               FROM part_sessions GROUP BY day) t ON t.day = d.day
  ),
  -- the day's visitors: its rows of visitor_days (one per visitor, kept by the 0025 triggers)
  traffic_visitors AS (
    SELECT v.day, count(*) AS visitors
    FROM visitor_days v
    WHERE v.company_id = p_company_id AND v.day BETWEEN p_from AND p_to
    GROUP BY v.day
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
REVOKE ALL ON FUNCTION rollup_company_days_counted_visitors(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_days_counted_visitors(uuid, date, date, text) TO lux_app;

-- section: the two entry points (0024's week statements; 0023's one day) on the new body ----------------------------
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE plpgsql
  SET plan_cache_mode = force_custom_plan
  AS $$
#variable_conflict use_column
DECLARE
  -- days per statement (0024: short enough for the caches, long enough to share a statement's fixed costs)
  c_days_per_statement constant integer := 7;
  v_week_from date := p_from;
BEGIN
  -- the body checks each week; an empty or too long range must fail here, before any week runs
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from OR p_to - p_from > 366 THEN
    RAISE EXCEPTION 'rollup_company_days: invalid range % … % (from ≤ to, at most 367 days)', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
  END IF;
  WHILE v_week_from <= p_to LOOP
    RETURN QUERY
      SELECT r.day, r.table_name, r.rows_written
      FROM rollup_company_days_counted_visitors(p_company_id, v_week_from, least(v_week_from + c_days_per_statement - 1, p_to), p_workflow_id) r;
    v_week_from := v_week_from + c_days_per_statement;
  END LOOP;
END
$$;
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_generic_plan
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days_counted_visitors(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;

-- Down Migration
-- the entry points back on 0023's body (0024's week statements, 0023's one day)
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE plpgsql
  SET plan_cache_mode = force_custom_plan
  AS $$
#variable_conflict use_column
DECLARE
  c_days_per_statement constant integer := 7;
  v_week_from date := p_from;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from OR p_to - p_from > 366 THEN
    RAISE EXCEPTION 'rollup_company_days: invalid range % … % (from ≤ to, at most 367 days)', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
  END IF;
  WHILE v_week_from <= p_to LOOP
    RETURN QUERY
      SELECT r.day, r.table_name, r.rows_written
      FROM rollup_company_days_from_starts(p_company_id, v_week_from, least(v_week_from + c_days_per_statement - 1, p_to), p_workflow_id) r;
    v_week_from := v_week_from + c_days_per_statement;
  END LOOP;
END
$$;
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_generic_plan
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days_from_starts(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;
DROP FUNCTION IF EXISTS rollup_company_days_counted_visitors(uuid, date, date, text);
-- 0023's clear_session_day_start (keeps an emptied row)
CREATE OR REPLACE FUNCTION clear_session_day_start(p_company_id uuid, p_day date, p_session_id text) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    UPDATE session_day_events SET started = false, visitor_id = NULL, channel = NULL, source = NULL, medium = NULL, campaign = NULL, engaged = false
    WHERE company_id = p_company_id AND day = p_day AND session_id = p_session_id AND NOT sessionless AND started;
  END;
DROP TRIGGER IF EXISTS companies_recount_visitor_days ON companies;
DROP TRIGGER IF EXISTS sessions_visitor_days_insert ON sessions;
DROP TRIGGER IF EXISTS sessions_visitor_days_update ON sessions;
DROP TRIGGER IF EXISTS sessions_visitor_days_delete ON sessions;
DROP FUNCTION IF EXISTS recount_visitor_days_on_time_zone();
DROP FUNCTION IF EXISTS sessions_count_visitor_days();
DROP FUNCTION IF EXISTS session_move_visitor_day();
DROP FUNCTION IF EXISTS sessions_uncount_visitor_days();
DROP FUNCTION IF EXISTS recount_visitor_days(uuid);
DROP FUNCTION IF EXISTS visitor_sessions_add(uuid, date, text, text, text, text, text);
DROP FUNCTION IF EXISTS visitor_sessions_remove(uuid, date, text, text, text, text, text);
DROP TABLE IF EXISTS visitor_day_labels;
DROP TABLE IF EXISTS visitor_days;
