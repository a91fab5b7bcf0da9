-- Up Migration
--
-- rollup_attribution_paths (migration 0021) reads fct_order_attribution's rows from order_attribution
-- and orders directly. Through the view, a security barrier over another (fct_orders), the planner could
-- not use the join to probe orders by key: every call scanned all of the company's orders, so the
-- per-day rollup paid for the whole order history each day (docs/benchmarks.md § Rollups: on the 10M
-- bench history it cost about as much as the core rollup of the day). Same rows: the view's condition
-- (merged_into_external_id IS NULL) is repeated here, and test/integration/dashboards-sql.test.ts and
-- rollups.test.ts compare the questions' answers. Measured on 100k attributed orders (lux_app, RLS on):
-- three days' 10,000 orders 37.7 ms through the view (a scan of 100,000 orders) vs 24.8 ms probing; one
-- call per day no longer grows with the history.
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

-- Down Migration
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
    FROM fct_order_attribution a
    WHERE a.company_id = p_company_id
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
