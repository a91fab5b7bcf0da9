-- Up Migration
--
-- Order-level rollup inputs kept like the event counts (issue 6, target "rollup ≤ 3× a sequential scan of
-- the same rows"; docs/benchmarks.md § Rollups, run 2). Same tables, same rows, same semantics as 0018: the
-- fixture CSVs compare exactly and test/integration/rollup-precounted.test.ts compares with the 0015
-- from-raw function on generated data. Measured before building (auto_explain on a bench database, 10
-- days of 110k events and 2,000 orders each): the per-order primary-key lookups of order_attribution and
-- customer_first_orders, the sort/merge with the FX rates and the per-call planning of the one-day path
-- were the parts that grow with orders and calls rather than with events. Three changes (and a fix of
-- 0018's first-order refresh, see its section):
--
--   (a) order_rollup_inputs: one narrow row per order (every status; `counted` says whether the rollups
--       count it) with what the rollups read of it: instant, currency, total, customer key, the
--       customer's first-order instant and the order's rank among the customer's counted orders (0 first,
--       1 second, 2 later), and the first/last-touch labels (already coalesced to the rollup defaults).
--       Kept by statement-level triggers with transition tables:
--         - on orders (after the 0018 customer_first_orders triggers, which fire first by name): the
--           statement's orders upserted (order columns and rank; labels only when the row is new), then
--           the rank and first-order instant of every other order of the customers the statement touched
--           (a late earlier order or a cancelled first order re-ranks the customer's other orders);
--         - on order_attribution: the labels of the attributed orders (reset when an attribution is
--           deleted). Each writer sets only its own columns, so an order update and an attribution write
--           of the same order in two concurrent transactions never overwrite each other's values with a
--           stale read (row locks order them; each re-reads the row it updates).
--       A trigger rather than a step in the attribution activity or the commerce imports: every path that
--       writes orders or attribution (imports, webhooks, attribution, DSR deletes, fixtures, restores)
--       keeps the rows right. ENABLE ALWAYS, as 0018's: they follow replica-mode loads too.
--   (b) rollup_company_days reads one row per order of the range from order_rollup_inputs (one index range
--       scan) instead of fct_orders plus two lookups per order, and computes the traffic totals and funnel
--       reach of each day in one pass over the day's sessions (was two). The body is
--       rollup_company_days_compute(). (Merging the acquisition traffic and event sums into one two-level
--       aggregate was tried and measured slower: 110k (labels, visitor) groups carrying seven aggregates
--       instead of two cost more than the extra pass over 840 label groups saved.)
--   (c) the one-day path (rollup_company_day, the daily schedule) runs with a generic plan: planning the
--       wide statement with its real bounds cost ~12 ms a call, about the time a sequential scan of the
--       day's 100k events takes; with per-day parameters the generic plan is the same shape (a day is a
--       small share of every table). Ranges (rollup_company_days, rollupBackfill) keep custom plans: a
--       range's share of each table matters there.

-- section: (a) one row per order with what the rollups read --------------------------------------------------
CREATE TABLE order_rollup_inputs (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  source          text NOT NULL,
  external_id     text NOT NULL,
  created_at      timestamptz NOT NULL,
  counted         boolean NOT NULL,   -- order_counts(status, merged_into_external_id): a row of the rollups
  currency        text NOT NULL,
  total_minor     bigint NOT NULL,
  customer_key    text NOT NULL,      -- order_customer_key() (0018)
  first_order_at  timestamptz NOT NULL, -- the customer's first counted order (customer_first_orders), else this order's instant
  earlier_orders  smallint NOT NULL,  -- 0: the customer's first counted order (or no history), 1: the second, 2: a later one
  first_touch_at  timestamptz,        -- order_attribution; NULL when not attributed
  ft_channel      text NOT NULL,      -- first/last-touch labels as the rollups group them: '(unattributed)', '(none)', '(not set)' when absent
  ft_source       text NOT NULL,
  ft_medium       text NOT NULL,
  ft_campaign     text NOT NULL,
  lt_channel      text NOT NULL,
  lt_source       text NOT NULL,
  lt_medium       text NOT NULL,
  lt_campaign     text NOT NULL,
  PRIMARY KEY (company_id, source, external_id)
);
-- the rollups' range read (counted orders of some days) and the re-rank of a customer's orders
CREATE INDEX order_rollup_inputs_company_created_idx ON order_rollup_inputs (company_id, created_at) WHERE counted;
CREATE INDEX order_rollup_inputs_company_customer_idx ON order_rollup_inputs (company_id, customer_key);
COMMENT ON TABLE order_rollup_inputs IS
  'Derived from orders, customer_first_orders and order_attribution by triggers: one row per order with what the rollups read (rank among the customer''s counted orders, first-order instant, first/last-touch labels). Read by rollup_company_days instead of fct_orders and per-order lookups.';

-- The rank of an order among its customer's counted orders, from the customer's first two (0018's
-- customer_first_orders; all NULL when the customer has none): exactly the earlier_orders of 0018's rollup.
CREATE FUNCTION order_rollup_rank(p_created_at timestamptz, p_source text, p_external_id text,
    p_first_created_at timestamptz, p_first_source text, p_first_external_id text,
    p_second_created_at timestamptz, p_second_source text, p_second_external_id text) RETURNS smallint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN p_first_created_at IS NULL OR (p_created_at, p_source, p_external_id) = (p_first_created_at, p_first_source, p_first_external_id) THEN 0
              WHEN (p_created_at, p_source, p_external_id) = (p_second_created_at, p_second_source, p_second_external_id) THEN 1
              ELSE 2 END;

-- Re-ranks every order of the given customers from customer_first_orders (after it was refreshed in this
-- transaction, under its per-bucket advisory locks, which this transaction still holds). Only changed rows
-- are written.
CREATE FUNCTION rerank_order_rollup_inputs(p_company_id uuid, p_keys text[]) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    -- customers with counted orders (a join, no self-join: each row is updated from its own values)
    UPDATE order_rollup_inputs t SET first_order_at = f.first_created_at,
      earlier_orders = order_rollup_rank(t.created_at, t.source, t.external_id, f.first_created_at, f.first_source, f.first_external_id,
        f.second_created_at, f.second_source, f.second_external_id)
    FROM customer_first_orders f
    WHERE t.company_id = p_company_id AND t.customer_key = ANY (p_keys) AND f.company_id = t.company_id AND f.customer_key = t.customer_key
      AND (t.first_order_at, t.earlier_orders) IS DISTINCT FROM (f.first_created_at, order_rollup_rank(t.created_at, t.source, t.external_id,
        f.first_created_at, f.first_source, f.first_external_id, f.second_created_at, f.second_source, f.second_external_id));
    -- customers without any (their last counted order was cancelled or deleted): each order is its own first
    UPDATE order_rollup_inputs t SET first_order_at = t.created_at, earlier_orders = 0
    WHERE t.company_id = p_company_id AND t.customer_key = ANY (p_keys)
      AND NOT EXISTS (SELECT 1 FROM customer_first_orders f WHERE f.company_id = t.company_id AND f.customer_key = t.customer_key)
      AND (t.first_order_at, t.earlier_orders) IS DISTINCT FROM (t.created_at, 0::smallint);
  END;

CREATE FUNCTION orders_refresh_rollup_inputs() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    -- the statement's orders; labels from order_attribution only for a new row (afterwards they are the
    -- attribution trigger's to write), rank from the customer_first_orders just refreshed
    INSERT INTO order_rollup_inputs AS t (company_id, source, external_id, created_at, counted, currency, total_minor, customer_key,
      first_order_at, earlier_orders, first_touch_at, ft_channel, ft_source, ft_medium, ft_campaign, lt_channel, lt_source, lt_medium, lt_campaign)
    SELECT n.company_id, n.source, n.external_id, n.created_at, order_counts(n.status, n.merged_into_external_id), n.currency, n.total_minor, k.key,
      coalesce(f.first_created_at, n.created_at),
      order_rollup_rank(n.created_at, n.source, n.external_id, f.first_created_at, f.first_source, f.first_external_id,
        f.second_created_at, f.second_source, f.second_external_id),
      a.first_touch_at,
      coalesce(a.first_touch_channel, '(unattributed)'), coalesce(a.first_touch_source, '(none)'),
      coalesce(a.first_touch_medium, '(none)'), coalesce(a.first_touch_campaign, '(not set)'),
      coalesce(a.last_touch_channel, '(unattributed)'), coalesce(a.last_touch_source, '(none)'),
      coalesce(a.last_touch_medium, '(none)'), coalesce(a.last_touch_campaign, '(not set)')
    FROM new_orders n
    -- OFFSET 0: the key stays a column of this subquery. Inlined, the lookup below would compare with an
    -- expression (||, not leakproof), which row level security (lux_app) keeps out of index conditions:
    -- it was planned as a sequential scan of customer_first_orders per order (measured: 1.9 s for 200)
    CROSS JOIN LATERAL (SELECT order_customer_key(n.email_hash, n.customer_external_id, n.source, n.external_id) AS key OFFSET 0) k
    -- primary-key lookups per order (LIMIT 1 keeps them from being planned as a hash join over every
    -- customer of the company: the transition table's size is unknown to the planner)
    LEFT JOIN LATERAL (
      SELECT f.first_created_at, f.first_source, f.first_external_id, f.second_created_at, f.second_source, f.second_external_id
      FROM customer_first_orders f WHERE f.company_id = n.company_id AND f.customer_key = k.key LIMIT 1
    ) f ON true
    LEFT JOIN LATERAL (
      SELECT a.first_touch_at, a.first_touch_channel, a.first_touch_source, a.first_touch_medium, a.first_touch_campaign,
        a.last_touch_channel, a.last_touch_source, a.last_touch_medium, a.last_touch_campaign
      FROM order_attribution a WHERE a.company_id = n.company_id AND a.source = n.source AND a.external_id = n.external_id LIMIT 1
    ) a ON true
    ORDER BY 1, 2, 3 -- a stable lock order between concurrent statements
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET
      created_at = EXCLUDED.created_at, counted = EXCLUDED.counted, currency = EXCLUDED.currency, total_minor = EXCLUDED.total_minor,
      customer_key = EXCLUDED.customer_key, first_order_at = EXCLUDED.first_order_at, earlier_orders = EXCLUDED.earlier_orders
    WHERE (t.created_at, t.counted, t.currency, t.total_minor, t.customer_key, t.first_order_at, t.earlier_orders)
      IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.counted, EXCLUDED.currency, EXCLUDED.total_minor, EXCLUDED.customer_key,
        EXCLUDED.first_order_at, EXCLUDED.earlier_orders);
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM order_rollup_inputs t USING old_orders o
    WHERE t.company_id = o.company_id AND t.source = o.source AND t.external_id = o.external_id
      AND t.source = ANY (ARRAY(SELECT DISTINCT x.source FROM old_orders x)) AND t.external_id = ANY (ARRAY(SELECT x.external_id FROM old_orders x));
  ELSIF TG_OP = 'UPDATE' THEN
    -- an order whose key changed (not done by any writer today; kept exact anyway)
    -- (NOT IN: a hashed subplan; an anti join of the two transition tables is planned as a nested loop)
    DELETE FROM order_rollup_inputs t USING old_orders o
    WHERE t.company_id = o.company_id AND t.source = o.source AND t.external_id = o.external_id
      AND t.source = ANY (ARRAY(SELECT DISTINCT x.source FROM old_orders x)) AND t.external_id = ANY (ARRAY(SELECT x.external_id FROM old_orders x))
      AND (o.company_id, o.source, o.external_id) NOT IN (SELECT n.company_id, n.source, n.external_id FROM new_orders n);
  END IF;
  -- the other orders of the customers whose first two orders this statement may have changed (transition
  -- tables exist only for their events: one query per event, as 0018's trigger)
  IF TG_OP = 'INSERT' THEN
    FOR r IN SELECT n.company_id, array_agg(DISTINCT order_customer_key(n.email_hash, n.customer_external_id, n.source, n.external_id)) AS keys
             FROM new_orders n WHERE n.email_hash IS NOT NULL OR n.customer_external_id IS NOT NULL GROUP BY n.company_id ORDER BY n.company_id LOOP
      PERFORM rerank_order_rollup_inputs(r.company_id, r.keys);
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR r IN SELECT o.company_id, array_agg(DISTINCT order_customer_key(o.email_hash, o.customer_external_id, o.source, o.external_id)) AS keys
             FROM old_orders o WHERE o.email_hash IS NOT NULL OR o.customer_external_id IS NOT NULL GROUP BY o.company_id ORDER BY o.company_id LOOP
      PERFORM rerank_order_rollup_inputs(r.company_id, r.keys);
    END LOOP;
  ELSE
    FOR r IN SELECT x.company_id, array_agg(DISTINCT x.key) AS keys
             FROM (
               SELECT n.company_id, order_customer_key(n.email_hash, n.customer_external_id, n.source, n.external_id) AS key FROM new_orders n
               UNION ALL
               SELECT o.company_id, order_customer_key(o.email_hash, o.customer_external_id, o.source, o.external_id) FROM old_orders o
             ) x
             WHERE x.key NOT LIKE 'order:%' GROUP BY x.company_id ORDER BY x.company_id LOOP
      PERFORM rerank_order_rollup_inputs(r.company_id, r.keys);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;

-- section: 0018's first-order refresh, usable under row level security -------------------------------------
-- Same rows as 0018's. There the per-customer lookups compared orders.email_hash with substr(key, 7) (and
-- the customer id with split_part/substr of the key): functions that are not leakproof, so under row level
-- security (the app role, lux_app, which imports and webhooks run as) the comparison could not be an index
-- condition and each customer's lookup was a sequential scan of the company's orders (measured on the
-- bench's 180k orders: 25–30 s for a statement writing 200 orders; the owner, which bypasses RLS and
-- generated the bench data, never showed it). The key's parts are now columns of the keys subquery, so
-- the lookups compare columns with columns (leakproof) and use (company_id, email_hash, created_at) and
-- (company_id, source, customer_external_id, created_at).
CREATE OR REPLACE FUNCTION refresh_customer_first_orders(p_company_id uuid, p_keys text[]) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_company_id::text || ':customer-bucket:' || b, 0))
  FROM (SELECT DISTINCT hashtextextended(k, 0) & 255 AS b FROM unnest(p_keys) k ORDER BY 1) s;
  DELETE FROM customer_first_orders WHERE company_id = p_company_id AND customer_key = ANY (p_keys);
  INSERT INTO customer_first_orders (company_id, customer_key, first_created_at, first_source, first_external_id,
    second_created_at, second_source, second_external_id)
  SELECT p_company_id, k.key, f.created_at[1], f.source[1], f.external_id[1], f.created_at[2], f.source[2], f.external_id[2]
  FROM (
    -- 'email:<hash>' or 'customer:<source>:<id>' (a source has no ':', see orders.source; the id may)
    SELECT DISTINCT key,
      CASE WHEN key LIKE 'email:%' THEN substr(key, 7) END AS email_hash,
      CASE WHEN key LIKE 'customer:%' THEN split_part(key, ':', 2) END AS customer_source,
      CASE WHEN key LIKE 'customer:%' THEN substr(key, length(split_part(key, ':', 2)) + 11) END AS customer_external_id
    FROM unnest(p_keys) key
  ) k
  CROSS JOIN LATERAL (
    SELECT array_agg(o.created_at ORDER BY o.created_at, o.source, o.external_id) AS created_at,
      array_agg(o.source ORDER BY o.created_at, o.source, o.external_id) AS source,
      array_agg(o.external_id ORDER BY o.created_at, o.source, o.external_id) AS external_id
    FROM (
      -- the customer's two earliest counted orders, by the key's own index (email, else customer id)
      (SELECT p.created_at, p.source, p.external_id FROM orders p
       WHERE k.email_hash IS NOT NULL AND p.company_id = p_company_id AND p.email_hash = k.email_hash
         AND order_counts(p.status, p.merged_into_external_id)
       ORDER BY p.created_at, p.source, p.external_id LIMIT 2)
      UNION ALL
      (SELECT p.created_at, p.source, p.external_id FROM orders p
       WHERE k.customer_external_id IS NOT NULL AND p.company_id = p_company_id AND p.source = k.customer_source
         AND p.customer_external_id = k.customer_external_id AND p.email_hash IS NULL
         AND order_counts(p.status, p.merged_into_external_id)
       ORDER BY p.created_at, p.source, p.external_id LIMIT 2)
    ) o
  ) f
  WHERE f.created_at IS NOT NULL;
END
$$;

-- (one trigger per event: a trigger with transition tables may have only one; named so that they fire
-- after 0018's orders_customer_first_orders_* triggers, whose refreshed rows the rank reads)
CREATE TRIGGER orders_rollup_inputs_insert AFTER INSERT ON orders
  REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION orders_refresh_rollup_inputs();
CREATE TRIGGER orders_rollup_inputs_update AFTER UPDATE ON orders
  REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION orders_refresh_rollup_inputs();
CREATE TRIGGER orders_rollup_inputs_delete AFTER DELETE ON orders
  REFERENCING OLD TABLE AS old_orders FOR EACH STATEMENT EXECUTE FUNCTION orders_refresh_rollup_inputs();
ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_rollup_inputs_insert;
ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_rollup_inputs_update;
ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_rollup_inputs_delete;

-- The labels of attributed orders (the order's row exists from its insert: attribution reads committed
-- orders). A deleted attribution resets them, unless the statement wrote the order's attribution again.
CREATE FUNCTION order_attribution_refresh_rollup_inputs() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE order_rollup_inputs t SET first_touch_at = v.first_touch_at, ft_channel = v.ft_channel, ft_source = v.ft_source,
      ft_medium = v.ft_medium, ft_campaign = v.ft_campaign, lt_channel = v.lt_channel, lt_source = v.lt_source, lt_medium = v.lt_medium,
      lt_campaign = v.lt_campaign
    FROM (
      SELECT n.company_id, n.source, n.external_id, n.first_touch_at,
        coalesce(n.first_touch_channel, '(unattributed)') AS ft_channel, coalesce(n.first_touch_source, '(none)') AS ft_source,
        coalesce(n.first_touch_medium, '(none)') AS ft_medium, coalesce(n.first_touch_campaign, '(not set)') AS ft_campaign,
        coalesce(n.last_touch_channel, '(unattributed)') AS lt_channel, coalesce(n.last_touch_source, '(none)') AS lt_source,
        coalesce(n.last_touch_medium, '(none)') AS lt_medium, coalesce(n.last_touch_campaign, '(not set)') AS lt_campaign
      FROM new_rows n
    ) v
    WHERE t.company_id = v.company_id AND t.source = v.source AND t.external_id = v.external_id
      -- the statement's keys as index conditions: with only the join above, a company without statistics
      -- yet (estimated at one row) was planned as a scan of all its rows per attribution row (300 ms for
      -- 200 rows at 2,800 orders, growing with the company)
      AND t.source = ANY (ARRAY(SELECT DISTINCT n.source FROM new_rows n)) AND t.external_id = ANY (ARRAY(SELECT n.external_id FROM new_rows n))
      AND (t.first_touch_at, t.ft_channel, t.ft_source, t.ft_medium, t.ft_campaign, t.lt_channel, t.lt_source, t.lt_medium, t.lt_campaign)
        IS DISTINCT FROM (v.first_touch_at, v.ft_channel, v.ft_source, v.ft_medium, v.ft_campaign, v.lt_channel, v.lt_source, v.lt_medium, v.lt_campaign);
  ELSE
    UPDATE order_rollup_inputs t SET first_touch_at = NULL, ft_channel = '(unattributed)', ft_source = '(none)', ft_medium = '(none)',
      ft_campaign = '(not set)', lt_channel = '(unattributed)', lt_source = '(none)', lt_medium = '(none)', lt_campaign = '(not set)'
    FROM old_rows o
    WHERE t.company_id = o.company_id AND t.source = o.source AND t.external_id = o.external_id
      AND t.source = ANY (ARRAY(SELECT DISTINCT x.source FROM old_rows x)) AND t.external_id = ANY (ARRAY(SELECT x.external_id FROM old_rows x))
      AND NOT EXISTS (SELECT 1 FROM order_attribution a WHERE a.company_id = o.company_id AND a.source = o.source AND a.external_id = o.external_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER order_attribution_rollup_inputs_insert AFTER INSERT ON order_attribution
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION order_attribution_refresh_rollup_inputs();
CREATE TRIGGER order_attribution_rollup_inputs_update AFTER UPDATE ON order_attribution
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION order_attribution_refresh_rollup_inputs();
CREATE TRIGGER order_attribution_rollup_inputs_delete AFTER DELETE ON order_attribution
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION order_attribution_refresh_rollup_inputs();
ALTER TABLE order_attribution ENABLE ALWAYS TRIGGER order_attribution_rollup_inputs_insert;
ALTER TABLE order_attribution ENABLE ALWAYS TRIGGER order_attribution_rollup_inputs_update;
ALTER TABLE order_attribution ENABLE ALWAYS TRIGGER order_attribution_rollup_inputs_delete;

-- the orders stored before this migration
INSERT INTO order_rollup_inputs (company_id, source, external_id, created_at, counted, currency, total_minor, customer_key,
  first_order_at, earlier_orders, first_touch_at, ft_channel, ft_source, ft_medium, ft_campaign, lt_channel, lt_source, lt_medium, lt_campaign)
SELECT o.company_id, o.source, o.external_id, o.created_at, order_counts(o.status, o.merged_into_external_id), o.currency, o.total_minor, k.key,
  coalesce(f.first_created_at, o.created_at),
  order_rollup_rank(o.created_at, o.source, o.external_id, f.first_created_at, f.first_source, f.first_external_id,
    f.second_created_at, f.second_source, f.second_external_id),
  a.first_touch_at,
  coalesce(a.first_touch_channel, '(unattributed)'), coalesce(a.first_touch_source, '(none)'),
  coalesce(a.first_touch_medium, '(none)'), coalesce(a.first_touch_campaign, '(not set)'),
  coalesce(a.last_touch_channel, '(unattributed)'), coalesce(a.last_touch_source, '(none)'),
  coalesce(a.last_touch_medium, '(none)'), coalesce(a.last_touch_campaign, '(not set)')
FROM orders o
CROSS JOIN LATERAL (SELECT order_customer_key(o.email_hash, o.customer_external_id, o.source, o.external_id) AS key) k
LEFT JOIN customer_first_orders f ON f.company_id = o.company_id AND f.customer_key = k.key
LEFT JOIN order_attribution a ON a.company_id = o.company_id AND a.source = o.source AND a.external_id = o.external_id;
ANALYZE order_rollup_inputs;

-- section: row level security and grants ----------------------------------------------------------------------
SELECT enable_tenant_isolation('order_rollup_inputs');
-- derived rows written by triggers running as the caller (lux_app inside a tenant transaction)
GRANT SELECT, INSERT, UPDATE, DELETE ON order_rollup_inputs TO lux_app;
REVOKE ALL ON FUNCTION rerank_order_rollup_inputs(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rerank_order_rollup_inputs(uuid, text[]) TO lux_app;

-- section: (b) every rollup table for a range of days -------------------------------------------------------------
-- 0018's function (same rows: see its comments), reading order_rollup_inputs, with the per-session
-- aggregates merged; changed parts are commented.
CREATE FUNCTION rollup_company_days_compute(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
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
  rates AS MATERIALIZED (
    SELECT cur.day, cur.currency, fx.rate FROM (SELECT DISTINCT day, currency FROM day_orders) cur
    LEFT JOIN LATERAL fx_lookup(cur.currency, v_currency, cur.day) fx ON true
  ),
  -- earlier_orders as the history lookups of 0015 used it: 0 (first counted order of its customer, or an
  -- order that is its own customer), 1 (the second), 2 (any later one)
  ord AS MATERIALIZED (
    SELECT o.day, o.customer_key, o.currency, o.total_minor,
      fx_apply_minor(o.total_minor, r.rate, o.currency, v_currency) AS total_reporting, o.first_touch_at, o.created_at,
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
  -- section: the range's events, one row per (day, session): kept at ingest (session_day_events), not raw_events
  ev AS (
    SELECT c.day, CASE WHEN c.sessionless THEN NULL ELSE c.session_id END AS session_id, c.events, c.page_views, c.add_to_carts,
      c.begin_checkouts, c.purchases, c.signups, c.lead_submits
    FROM session_day_events c
    WHERE c.company_id = p_company_id AND c.day BETWEEN p_from AND p_to
  ),
  -- sessions started in the range, on their day, with their labels (stored with the session, see (d); on the
  -- table, not stg_sessions: through the security-barrier view the planner has no statistics for session_id)
  started AS (
    SELECT l.day, s.session_id, s.visitor_id, s.channel, s.label_source AS source, s.label_medium AS medium,
      coalesce(n.campaign_name, s.label_campaign) AS campaign,
      s.page_view_count, s.last_seen_at - s.started_at >= interval '30 seconds' AS long_session
    FROM sessions s
    CROSS JOIN LATERAL (SELECT p_from + width_bucket(s.started_at, v_bounds) - 1 AS day) l
    LEFT JOIN campaign_names n ON n.day = l.day AND n.campaign_id = s.label_campaign
    WHERE s.company_id = p_company_id AND s.started_at >= v_start AND s.started_at < v_end
  ),
  -- one row per (day, session of the day): started on it (on_day) and/or with events on it (has_events; the
  -- events without a session id are one row per day with session_id NULL). Events of a session not started
  -- on their day take its labels (one primary-key lookup each, gated); unknown sessions have none.
  day_sessions AS MATERIALIZED (
    SELECT coalesce(st.day, ev.day) AS day,
      st.session_id IS NOT NULL AS on_day, ev.events IS NOT NULL AS has_events, ev.session_id IS NOT NULL AS event_session,
      st.visitor_id,
      coalesce(st.channel, o.channel, '(unattributed)') AS channel, coalesce(st.source, o.source, '(none)') AS source,
      coalesce(st.medium, o.medium, '(none)') AS medium, coalesce(st.campaign, o.campaign, '(not set)') AS campaign,
      (st.page_view_count >= 2 OR coalesce(ev.add_to_carts + ev.begin_checkouts + ev.purchases + ev.signups + ev.lead_submits > 0, false)
        OR st.long_session) AS qualified,
      ev.events, ev.page_views, ev.add_to_carts, ev.begin_checkouts, ev.purchases, ev.signups,
      -- funnel depth: page_view 1 → add_to_cart 2 → begin_checkout 3 → purchase 4 (a later step implies the earlier)
      CASE WHEN ev.purchases > 0 THEN 4 WHEN ev.begin_checkouts > 0 THEN 3 WHEN ev.add_to_carts > 0 THEN 2 WHEN ev.page_views > 0 THEN 1 END AS depth
    FROM ev
    FULL JOIN started st ON st.day = ev.day AND st.session_id = ev.session_id
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE st.session_id IS NULL AND ev.session_id IS NOT NULL AND s.company_id = p_company_id AND s.session_id = ev.session_id
      LIMIT 1
    ) o ON true
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
      sum(purchases) AS purchases, sum(signups) AS signups
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
  -- section: the day's traffic totals and funnel reach (sessions with events on the day reaching each step)
  -- in one pass; one traffic row and four funnel rows per day of the range, also for a day without data
  traffic AS (
    SELECT day, count(*) FILTER (WHERE on_day) AS sessions, count(*) FILTER (WHERE on_day AND qualified) AS qualified_sessions,
      coalesce(sum(page_views), 0) AS page_views, coalesce(sum(events), 0) AS events,
      count(*) FILTER (WHERE has_events AND event_session AND depth >= 1) AS s1, count(*) FILTER (WHERE has_events AND event_session AND depth >= 2) AS s2,
      count(*) FILTER (WHERE has_events AND event_session AND depth >= 3) AS s3, count(*) FILTER (WHERE has_events AND event_session AND depth >= 4) AS s4
    FROM day_sessions GROUP BY day
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
    SELECT p_company_id, day, first_order_day, count(DISTINCT customer_key), count(*) FILTER (WHERE earlier_orders = 0),
      count(*) FILTER (WHERE earlier_orders = 1), count(*), coalesce(sum(total_reporting), 0), count(*) FILTER (WHERE total_reporting IS NULL)
    FROM ord
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
REVOKE ALL ON FUNCTION rollup_company_days_compute(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_days_compute(uuid, date, date, text) TO lux_app;

-- section: (c) the two entry points: one code path, the plan mode per kind of call ---------------------------------
-- A range (rollupBackfill): each call planned with its real bounds (a generic plan would guess the range's
-- share of each table, and a 31-day range is not a small share of a 90-day history).
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_custom_plan
  AS $$
    SELECT r.day, r.table_name, r.rows_written FROM rollup_company_days_compute(p_company_id, p_from, p_to, p_workflow_id) r
  $$;
-- One (company, day) (the daily schedule, the per-day path): the plans are built once per connection and
-- reused; a one-day range is a small share of every table, which is what a generic plan assumes.
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  SET plan_cache_mode = force_generic_plan
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days_compute(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;
REVOKE ALL ON FUNCTION rollup_company_days(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_days(uuid, date, date, text) TO lux_app;
REVOKE ALL ON FUNCTION rollup_company_day(uuid, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_day(uuid, date, text) TO lux_app;

-- Down Migration
-- 0018's rollup_company_days and rollup_company_day, verbatim
CREATE OR REPLACE FUNCTION rollup_company_days(p_company_id uuid, p_from date, p_to date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (day date, table_name text, rows_written bigint)
  LANGUAGE plpgsql
  -- JIT compiles these wide statements for longer than they run
  SET jit = off
  -- a range's sessions and per-day groups hash in memory instead of spilling
  SET work_mem = '128MB'
  -- plan each call with its real bounds (a generic plan would guess the range's share of each table)
  SET plan_cache_mode = force_custom_plan
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
  -- section: orders of the range on their day, with attribution, the customer's first orders and the FX rate
  day_orders AS (
    SELECT p_from + width_bucket(o.created_at, v_bounds) - 1 AS day, o.source, o.external_id, o.created_at, o.currency, o.total_minor,
      order_customer_key(o.email_hash, o.customer_external_id, o.source, o.external_id) AS customer_key,
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
    -- one primary-key lookup per order (LIMIT 1 keeps the lateral from being flattened into a hash join
    -- over every attribution row of the company, which grows with the history: measured at 180k rows a day)
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
    SELECT cur.day, cur.currency, fx.rate FROM (SELECT DISTINCT day, currency FROM day_orders) cur
    LEFT JOIN LATERAL fx_lookup(cur.currency, v_currency, cur.day) fx ON true
  ),
  -- earlier_orders as the history lookups of 0015 used it: 0 (first counted order of its customer, or an
  -- order that is its own customer), 1 (the second), 2 (any later one)
  ord AS MATERIALIZED (
    SELECT o.day, o.customer_key, o.currency::text AS currency, o.total_minor::bigint AS total_minor,
      fx_apply_minor(o.total_minor, r.rate, o.currency, v_currency) AS total_reporting, o.first_touch_at, o.created_at,
      (coalesce(f.first_created_at, o.created_at) AT TIME ZONE v_tz)::date AS first_order_day,
      CASE WHEN f.customer_key IS NULL OR (o.created_at, o.source, o.external_id) = (f.first_created_at, f.first_source, f.first_external_id) THEN 0
           WHEN (o.created_at, o.source, o.external_id) = (f.second_created_at, f.second_source, f.second_external_id) THEN 1
           ELSE 2 END AS earlier_orders,
      o.first_touch_channel AS ft_channel, o.first_touch_source AS ft_source, o.first_touch_medium AS ft_medium, o.first_touch_campaign AS ft_campaign,
      o.last_touch_channel AS lt_channel, o.last_touch_source AS lt_source, o.last_touch_medium AS lt_medium, o.last_touch_campaign AS lt_campaign
    FROM day_orders o
    -- a primary-key lookup per order, likewise (not a hash join over every customer)
    LEFT JOIN LATERAL (
      SELECT f.customer_key, f.first_created_at, f.first_source, f.first_external_id, f.second_created_at, f.second_source, f.second_external_id
      FROM customer_first_orders f WHERE f.company_id = p_company_id AND f.customer_key = o.customer_key
      LIMIT 1
    ) f ON true
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
  -- section: the range's events, one row per (day, session): kept at ingest (session_day_events), not raw_events
  ev AS (
    SELECT c.day, CASE WHEN c.sessionless THEN NULL ELSE c.session_id END AS session_id, c.events, c.page_views, c.add_to_carts,
      c.begin_checkouts, c.purchases, c.signups, c.lead_submits
    FROM session_day_events c
    WHERE c.company_id = p_company_id AND c.day BETWEEN p_from AND p_to
  ),
  -- sessions started in the range, on their day, with their labels (stored with the session, see (d); on the
  -- table, not stg_sessions: through the security-barrier view the planner has no statistics for session_id)
  started AS (
    SELECT l.day, s.session_id, s.visitor_id, s.channel, s.label_source AS source, s.label_medium AS medium,
      coalesce(n.campaign_name, s.label_campaign) AS campaign,
      s.page_view_count, s.last_seen_at - s.started_at >= interval '30 seconds' AS long_session
    FROM sessions s
    CROSS JOIN LATERAL (SELECT p_from + width_bucket(s.started_at, v_bounds) - 1 AS day) l
    LEFT JOIN campaign_names n ON n.day = l.day AND n.campaign_id = s.label_campaign
    WHERE s.company_id = p_company_id AND s.started_at >= v_start AND s.started_at < v_end
  ),
  -- one row per (day, session of the day): started on it (on_day) and/or with events on it (has_events; the
  -- events without a session id are one row per day with session_id NULL). Events of a session not started
  -- on their day take its labels (one primary-key lookup each, gated); unknown sessions have none.
  day_sessions AS MATERIALIZED (
    SELECT coalesce(st.day, ev.day) AS day,
      st.session_id IS NOT NULL AS on_day, ev.events IS NOT NULL AS has_events, ev.session_id IS NOT NULL AS event_session,
      st.visitor_id,
      coalesce(st.channel, o.channel, '(unattributed)') AS channel, coalesce(st.source, o.source, '(none)') AS source,
      coalesce(st.medium, o.medium, '(none)') AS medium, coalesce(st.campaign, o.campaign, '(not set)') AS campaign,
      (st.page_view_count >= 2 OR coalesce(ev.add_to_carts + ev.begin_checkouts + ev.purchases + ev.signups + ev.lead_submits > 0, false)
        OR st.long_session) AS qualified,
      ev.events, ev.page_views, ev.add_to_carts, ev.begin_checkouts, ev.purchases, ev.signups,
      -- funnel depth: page_view 1 → add_to_cart 2 → begin_checkout 3 → purchase 4 (a later step implies the earlier)
      CASE WHEN ev.purchases > 0 THEN 4 WHEN ev.begin_checkouts > 0 THEN 3 WHEN ev.add_to_carts > 0 THEN 2 WHEN ev.page_views > 0 THEN 1 END AS depth
    FROM ev
    FULL JOIN started st ON st.day = ev.day AND st.session_id = ev.session_id
    LEFT JOIN LATERAL (
      SELECT s.channel, s.source, s.medium, s.campaign FROM stg_sessions s
      WHERE st.session_id IS NULL AND ev.session_id IS NOT NULL AND s.company_id = p_company_id AND s.session_id = ev.session_id
      LIMIT 1
    ) o ON true
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
      sum(purchases) AS purchases, sum(signups) AS signups
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
  -- one traffic row per day of the range, also for a day without data
  traffic AS (
    SELECT day, count(*) FILTER (WHERE on_day) AS sessions, count(*) FILTER (WHERE on_day AND qualified) AS qualified_sessions,
      coalesce(sum(page_views), 0) AS page_views, coalesce(sum(events), 0) AS events
    FROM day_sessions GROUP BY day
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
  -- section: funnel (sessions with events on the day reaching each step), four rows per day
  reach AS (
    SELECT day, count(*) FILTER (WHERE depth >= 1) AS s1, count(*) FILTER (WHERE depth >= 2) AS s2,
      count(*) FILTER (WHERE depth >= 3) AS s3, count(*) FILTER (WHERE depth >= 4) AS s4
    FROM day_sessions WHERE has_events AND event_session GROUP BY day
  ),
  ins_funnel AS (
    INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions)
    SELECT p_company_id, d.day, st.step_index, st.step,
      coalesce(CASE st.step_index WHEN 1 THEN r.s1 WHEN 2 THEN r.s2 WHEN 3 THEN r.s3 ELSE r.s4 END, 0)
    FROM days d
    CROSS JOIN (VALUES (1, 'page_view'), (2, 'add_to_cart'), (3, 'begin_checkout'), (4, 'purchase')) AS st (step_index, step)
    LEFT JOIN reach r ON r.day = d.day
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
    SELECT p_company_id, day, first_order_day, count(DISTINCT customer_key), count(*) FILTER (WHERE earlier_orders = 0),
      count(*) FILTER (WHERE earlier_orders = 1), count(*), coalesce(sum(total_reporting), 0), count(*) FILTER (WHERE total_reporting IS NULL)
    FROM ord
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
REVOKE ALL ON FUNCTION rollup_company_days(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_days(uuid, date, date, text) TO lux_app;

-- One (company, day): the range function for a one-day range (one code path for the schedule and backfills).
CREATE OR REPLACE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
  RETURNS TABLE (table_name text, rows_written bigint)
  LANGUAGE sql
  AS $$
    SELECT r.table_name, r.rows_written FROM rollup_company_days(p_company_id, p_day, p_day, p_workflow_id) r ORDER BY r.table_name
  $$;
REVOKE ALL ON FUNCTION rollup_company_day(uuid, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rollup_company_day(uuid, date, text) TO lux_app;
DROP FUNCTION IF EXISTS rollup_company_days_compute(uuid, date, date, text);
-- 0018's refresh_customer_first_orders, verbatim
CREATE OR REPLACE FUNCTION refresh_customer_first_orders(p_company_id uuid, p_keys text[]) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_company_id::text || ':customer-bucket:' || b, 0))
  FROM (SELECT DISTINCT hashtextextended(k, 0) & 255 AS b FROM unnest(p_keys) k ORDER BY 1) s;
  DELETE FROM customer_first_orders WHERE company_id = p_company_id AND customer_key = ANY (p_keys);
  INSERT INTO customer_first_orders (company_id, customer_key, first_created_at, first_source, first_external_id,
    second_created_at, second_source, second_external_id)
  SELECT p_company_id, k.key, f.created_at[1], f.source[1], f.external_id[1], f.created_at[2], f.source[2], f.external_id[2]
  FROM (SELECT DISTINCT key FROM unnest(p_keys) key) k
  CROSS JOIN LATERAL (
    SELECT array_agg(o.created_at ORDER BY o.created_at, o.source, o.external_id) AS created_at,
      array_agg(o.source ORDER BY o.created_at, o.source, o.external_id) AS source,
      array_agg(o.external_id ORDER BY o.created_at, o.source, o.external_id) AS external_id
    FROM (
      -- the customer's two earliest counted orders, by the key's own index (email, else customer id)
      (SELECT p.created_at, p.source, p.external_id FROM orders p
       WHERE k.key LIKE 'email:%' AND p.company_id = p_company_id AND p.email_hash = substr(k.key, 7)
         AND order_counts(p.status, p.merged_into_external_id)
       ORDER BY p.created_at, p.source, p.external_id LIMIT 2)
      UNION ALL
      (SELECT p.created_at, p.source, p.external_id FROM orders p
       -- 'customer:<source>:<id>' (a source has no ':', see orders.source; the id may)
       WHERE k.key LIKE 'customer:%' AND p.company_id = p_company_id AND p.source = split_part(k.key, ':', 2)
         AND p.customer_external_id = substr(k.key, length(split_part(k.key, ':', 2)) + 11) AND p.email_hash IS NULL
         AND order_counts(p.status, p.merged_into_external_id)
       ORDER BY p.created_at, p.source, p.external_id LIMIT 2)
    ) o
  ) f
  WHERE f.created_at IS NOT NULL;
END
$$;

DROP TRIGGER IF EXISTS order_attribution_rollup_inputs_insert ON order_attribution;
DROP TRIGGER IF EXISTS order_attribution_rollup_inputs_update ON order_attribution;
DROP TRIGGER IF EXISTS order_attribution_rollup_inputs_delete ON order_attribution;
DROP FUNCTION IF EXISTS order_attribution_refresh_rollup_inputs();
DROP TRIGGER IF EXISTS orders_rollup_inputs_insert ON orders;
DROP TRIGGER IF EXISTS orders_rollup_inputs_update ON orders;
DROP TRIGGER IF EXISTS orders_rollup_inputs_delete ON orders;
DROP FUNCTION IF EXISTS orders_refresh_rollup_inputs();
DROP FUNCTION IF EXISTS rerank_order_rollup_inputs(uuid, text[]);
DROP TABLE IF EXISTS order_rollup_inputs;
DROP FUNCTION IF EXISTS order_rollup_rank(timestamptz, text, text, timestamptz, text, text, timestamptz, text, text);
