-- Up Migration
--
-- agg_daily_attribution_paths: the attributed orders of each company-local purchase day per first-touch
-- channel, last-touch channel, currency and touch count (issue 11: every dashboard question ≤ 200 ms at
-- 10M raw events / 1M sessions / 100k orders; docs/benchmarks.md § Scale). attribution/top_paths and
-- attribution/path_lengths were the only questions that read one row per order (fct_order_attribution:
-- order_attribution joined to fct_orders) on every call, so they grew with the orders while every other
-- question reads a rollup. They read this rollup now: its rows grow with days × channel pairs × touch
-- counts, not with orders, and the numbers are the same (test/integration/dashboards-sql.test.ts).
--
-- Recomputed like every rollup, per (company, range of company-local days), idempotently: DELETE the
-- range, then one set-based INSERT … SELECT from fct_order_attribution (exactly the rows the questions
-- used to read). The rollupCompanyDay / rollupCompanyDays activities call rollup_attribution_paths() in
-- the transaction of the core rollup of the same days, so these rows are as fresh as the first/last-touch
-- revenue of agg_daily_acquisition (attribution/first_vs_last_touch), which already reaches the
-- dashboards through the rollups. The day is the plain local date of purchased_at
-- ((purchased_at AT TIME ZONE time_zone)::date), as the two questions filtered it.
--
-- The rows are fct_order_attribution's, read from its two tables (order_attribution joined to orders with
-- fct_orders' condition): through the view, a security barrier over another, the planner could not probe
-- orders by key and every call scanned all of the company's orders, so each day's rollup paid for the
-- whole order history (one day of 3,333 orders on 100k: 78.8 ms through the view, 22.9 ms probing;
-- docs/benchmarks.md § Rollups). test/integration/rollups.test.ts compares the rollup with the view.

CREATE TABLE agg_daily_attribution_paths (
  company_id          uuid NOT NULL REFERENCES companies (company_id),
  day                 date NOT NULL,      -- company-local date of the purchase
  first_touch_channel text NOT NULL,      -- '(unattributed)' when the order has no touch
  last_touch_channel  text NOT NULL,      -- '(unattributed)' when the order has no touch
  currency            text NOT NULL,      -- the order currency (never summed across currencies)
  touch_count         integer NOT NULL,   -- candidate touches of the order's path (0 = no session found)
  orders              bigint NOT NULL,
  revenue_minor       bigint NOT NULL,    -- order_attribution.revenue_minor, in `currency`
  PRIMARY KEY (company_id, day, first_touch_channel, last_touch_channel, currency, touch_count)
);
COMMENT ON TABLE agg_daily_attribution_paths IS
  'Rollup of fct_order_attribution per company-local purchase day, first/last-touch channel, currency and touch count (rollup_attribution_paths). Read by attribution/top_paths and attribution/path_lengths.';

-- Recomputes [p_from, p_to] of one company; one row per day of the range with the rows it wrote. Runs as
-- the caller (lux_app inside a tenant transaction: RLS applies).
CREATE FUNCTION rollup_attribution_paths(p_company_id uuid, p_from date, p_to date)
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

SELECT enable_tenant_isolation('agg_daily_attribution_paths');
GRANT SELECT, INSERT, DELETE ON agg_daily_attribution_paths TO lux_app;
REVOKE ALL ON FUNCTION rollup_attribution_paths(uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_attribution_paths(uuid, date, date) TO lux_app;

-- Existing attributions: fill every day that has one (the questions read only this table from now on).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT a.company_id, min((a.purchased_at AT TIME ZONE c.time_zone)::date) AS first_day, max((a.purchased_at AT TIME ZONE c.time_zone)::date) AS last_day
    FROM order_attribution a JOIN companies c USING (company_id)
    GROUP BY a.company_id
  LOOP
    PERFORM set_config('app.company_id', r.company_id::text, true);
    PERFORM rollup_attribution_paths(r.company_id, r.first_day, r.last_day);
  END LOOP;
END
$$;

-- Down Migration
DROP FUNCTION IF EXISTS rollup_attribution_paths(uuid, date, date);
DROP TABLE IF EXISTS agg_daily_attribution_paths;
