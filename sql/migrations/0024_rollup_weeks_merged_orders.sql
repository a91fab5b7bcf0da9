-- Up Migration
--
-- Two changes toward the rollup target (issue 6, "rollup ≤ 3× a sequential scan of the same rows";
-- docs/benchmarks.md § Rollups, run 5), same tables and same rows: a range rollup runs its days a week at a
-- time (same body, 0023's rollup_company_days_from_starts: only how a long range is cut), and the
-- attribution paths leave merged orders out by an anti-join on an index of them (below).
--
-- rollup_company_days (what rollupBackfill runs, per chunk of 31 days) was one statement for the whole
-- range. Its per-session work hashes the range's sessions by (day, labels, visitor) and materialises them:
-- for 31 days of the bench's 10M-event history that is ~310,000 rows and hash tables of the same size,
-- which no longer fit in the CPU caches, so each session costs more than in a short range. Measured on the
-- bench database (backend time per history day, chunk sizes interleaved in one session, two passes):
-- 31 days 57.7 / 62.7 ms, 16 days 53.4 / 56.2, 8 days 51.0 / 53.8, 4 days 50.9 / 54.6, 2 days 52.0 / 52.1.
-- So the range runs as consecutive statements of up to 7 days, still in the caller's one transaction (the
-- activity's retry, idempotence and advisory locks are as before: each statement locks its days in
-- ascending order, so two overlapping ranges still lock in one order). rollup_runs now shares a week's
-- time among its days rather than the whole range's.

-- section: a range a week at a time -------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE plpgsql
  SET plan_cache_mode = force_custom_plan
  AS $$
#variable_conflict use_column
DECLARE
  -- days per statement: see above (short enough for the caches, long enough to share a statement's fixed costs)
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
      FROM rollup_company_days_from_starts(p_company_id, v_week_from, least(v_week_from + c_days_per_statement - 1, p_to), p_workflow_id) r;
    v_week_from := v_week_from + c_days_per_statement;
  END LOOP;
END
$$;

-- section: the attribution paths without a lookup per order ------------------------------------------------------
-- rollup_attribution_paths (0021, 0023) joined every attribution of the range with its order, only to leave out
-- orders merged into another: 2,000 primary-key probes a history day, about half of its time. Merged orders
-- are the storefront's provisional orders once the store's own order arrived; a partial index of them makes
-- "not merged" an anti-join against that index alone. Measured on the bench database, which has no merged
-- orders (the best case: backend time per history day, 30-day ranges interleaved, three passes, same rows):
-- 9.0 / 9.4 ms as in 0023, 3.7 / 4.0 ms with the anti-join. Where most orders came in provisional first, the
-- index holds about as many orders as it probes and the anti-join costs what the join did. The index only
-- holds merged orders; other writes evaluate its predicate and do not touch it.
CREATE INDEX orders_merged_idx ON orders (company_id, source, external_id) WHERE merged_into_external_id IS NOT NULL;
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
    -- fct_order_attribution's rows, read from its two tables (through the view, security barriers, the
    -- planner scanned every order of the company). fct_orders' condition, "not merged into another order",
    -- as an anti-join on the few merged orders (orders_merged_idx) rather than a join probing orders_pkey
    -- for every attribution: every attribution has its order (foreign key, ON DELETE CASCADE), so the two
    -- select the same rows.
    FROM order_attribution a
    WHERE a.company_id = p_company_id
      AND NOT EXISTS (SELECT 1 FROM orders o
                      WHERE o.company_id = a.company_id AND o.source = a.source AND o.external_id = a.external_id
                        AND o.merged_into_external_id IS NOT NULL)
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
-- 0023's entry point: the whole range in one statement
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_custom_plan
  AS $$
    SELECT r.day, r.table_name, r.rows_written FROM rollup_company_days_from_starts(p_company_id, p_from, p_to, p_workflow_id) r
  $$;
-- rollup_attribution_paths keeps its anti-join: without orders_merged_idx it selects the same rows,
-- probing orders_pkey for each attribution as 0023's join did (measured 10–20 % slower than that join).
DROP INDEX IF EXISTS orders_merged_idx;
