-- Up Migration
--
-- Daily rollups (issue 6): per company-local day, recomputed idempotently per (company, day) in one
-- transaction by rollup_company_day(): DELETE that day's rows, then set-based INSERT … SELECT. A second
-- run writes identical rows; a late event changes only the day it belongs to. Dashboards read only
-- these tables and the v_* views over them (docs/metrics.md), never raw events.
--
-- Layers (dbt style): stg_* views clean and label the truth tables, agg_daily_* tables hold the day's
-- measures, v_* views turn measures into metrics (ratios are always computed from summed components).
--
-- Company-local day: [day 00:00, day+1 00:00) in companies.time_zone, i.e.
-- (day::timestamp AT TIME ZONE tz) … ((day + 1)::timestamp AT TIME ZONE tz): 23 or 25 hours on DST days.
-- Money: every agg row keeps its amounts in the company's reporting currency, converted with fx_rates
-- (0007: fx_lookup, the day's rate or one at most 6 days older); amounts without a rate are left out of
-- the converted sums and counted in *_fx_missing columns, never added at 1.0.

-- section: helpers --------------------------------------------------------------------------------------
CREATE FUNCTION local_day_start(p_day date, p_time_zone text) RETURNS timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (p_day::timestamp AT TIME ZONE p_time_zone);

-- The label used where a dimension is unknown. Kept in one place so views and docs agree.
-- channel: '(unattributed)' (no session / no touch), source and medium: '(none)', campaign: '(not set)'.

-- Source / medium of a session, as lib/attribution/source-medium.ts computes it for attribution (so a
-- session and the orders attributed to it land on the same acquisition row).
CREATE FUNCTION session_source(p_utm_source text, p_utm_medium text, p_referrer_host text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN nullif(btrim(p_utm_source), '') IS NOT NULL THEN lower(btrim(p_utm_source))
    WHEN nullif(btrim(p_referrer_host), '') IS NOT NULL THEN
      CASE WHEN lower(btrim(p_referrer_host)) LIKE 'www.%' THEN substr(lower(btrim(p_referrer_host)), 5) ELSE lower(btrim(p_referrer_host)) END
    WHEN nullif(btrim(p_utm_medium), '') IS NOT NULL THEN '(not set)'
    ELSE '(direct)'
  END;

CREATE FUNCTION session_medium(p_utm_source text, p_utm_medium text, p_referrer_host text, p_channel text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN nullif(btrim(p_utm_medium), '') IS NOT NULL THEN lower(btrim(p_utm_medium))
    WHEN nullif(btrim(p_utm_source), '') IS NOT NULL THEN '(not set)'
    WHEN nullif(btrim(p_referrer_host), '') IS NOT NULL THEN CASE WHEN p_channel LIKE 'Organic%' THEN 'organic' ELSE 'referral' END
    ELSE '(none)'
  END;

-- An amount in minor units of p_from at p_rate, as minor units of p_to (half-up); NULL without a rate.
CREATE FUNCTION fx_apply_minor(p_amount_minor bigint, p_rate numeric, p_from text, p_to text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN round(p_amount_minor * p_rate * power(10::numeric, currency_minor_digits(p_to) - currency_minor_digits(p_from)))::bigint;

-- Time from first touch to purchase, in the buckets of lib/metrics/time-to-conversion.ts (same bounds).
CREATE FUNCTION time_to_conversion_bucket(p_seconds double precision) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN p_seconds IS NULL THEN 0          -- no first touch
    WHEN p_seconds < 3600 THEN 1           -- < 1 hour
    WHEN p_seconds < 86400 THEN 2          -- 1 hour – 1 day
    WHEN p_seconds < 3 * 86400 THEN 3      -- 1 – 3 days
    WHEN p_seconds < 7 * 86400 THEN 4      -- 3 – 7 days
    WHEN p_seconds < 14 * 86400 THEN 5     -- 7 – 14 days
    ELSE 6                                 -- 14 – 30 days (attribution looks back 30 days)
  END;

CREATE FUNCTION time_to_conversion_label(p_bucket integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (ARRAY['no first touch', '< 1 hour', '1 hour - 1 day', '1 - 3 days', '3 - 7 days', '7 - 14 days', '14 - 30 days'])[p_bucket + 1];

-- Events that make a session "qualified" (docs/metrics.md: ≥ 2 page views, or one of these, or ≥ 30 s).
CREATE FUNCTION is_key_event(p_event_name text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN p_event_name IN ('add_to_cart', 'begin_checkout', 'purchase', 'lead_submit', 'signup');

-- Funnel depth of an event: page_view 1 → add_to_cart 2 → begin_checkout 3 → purchase 4 (else NULL).
CREATE FUNCTION funnel_step_index(p_event_name text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_event_name WHEN 'page_view' THEN 1 WHEN 'add_to_cart' THEN 2 WHEN 'begin_checkout' THEN 3 WHEN 'purchase' THEN 4 END;

-- Ad platform → the channel and default source/medium its spend is reported under.
CREATE FUNCTION ad_platform_channel(p_platform text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_platform WHEN 'google_ads' THEN 'Paid Search' WHEN 'meta' THEN 'Paid Social' WHEN 'tiktok' THEN 'Paid Social' END;
CREATE FUNCTION ad_platform_source(p_platform text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_platform WHEN 'google_ads' THEN 'google' WHEN 'meta' THEN 'facebook' WHEN 'tiktok' THEN 'tiktok' END;
CREATE FUNCTION ad_platform_medium(p_platform text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_platform WHEN 'google_ads' THEN 'cpc' ELSE 'paid_social' END;

-- section: staging views --------------------------------------------------------------------------------
CREATE VIEW stg_sessions WITH (security_barrier = true, security_invoker = true) AS
  SELECT s.company_id, s.session_id, s.visitor_id, s.started_at, s.last_seen_at, s.page_view_count, s.event_count,
    s.channel,
    session_source(s.utm_source, s.utm_medium, s.referrer_host) AS source,
    session_medium(s.utm_source, s.utm_medium, s.referrer_host, s.channel) AS medium,
    coalesce(nullif(btrim(s.utm_campaign), ''), '(not set)') AS campaign
  FROM sessions s;
COMMENT ON VIEW stg_sessions IS 'Sessions with the source / medium / campaign labels the rollups group by.';

-- Orders that count (fct_orders, status paid, fulfilled, partially_refunded or refunded: a refunded order
-- was placed and paid; its refund is counted on the refund''s own day), with the customer key and the
-- order''s attribution (NULL when not attributed yet).
CREATE VIEW stg_orders WITH (security_barrier = true, security_invoker = true) AS
  SELECT o.company_id, o.source, o.external_id, o.created_at, o.currency, o.total_minor, o.email_hash, o.customer_external_id,
    -- section: the customer: hashed email, else the platform's customer id, else the order itself
    CASE WHEN o.email_hash IS NOT NULL THEN 'email:' || o.email_hash
         WHEN o.customer_external_id IS NOT NULL THEN 'customer:' || o.source || ':' || o.customer_external_id
         ELSE 'order:' || o.source || ':' || o.external_id END AS customer_key,
    -- section: attribution
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
  LEFT JOIN order_attribution a USING (company_id, source, external_id)
  WHERE o.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded');
COMMENT ON VIEW stg_orders IS 'Counted orders with their customer key and first/last touch; what every order metric starts from.';

-- a customer's earlier orders (new customers, repeat purchases, cohorts)
CREATE INDEX orders_company_customer_idx ON orders (company_id, source, customer_external_id, created_at) WHERE customer_external_id IS NOT NULL AND email_hash IS NULL;
CREATE INDEX orders_company_email_created_idx ON orders (company_id, email_hash, created_at) WHERE email_hash IS NOT NULL;
CREATE INDEX refunds_company_created_idx ON refunds (company_id, created_at);
CREATE INDEX leads_company_created_idx ON leads (company_id, created_at);

-- section: rollup tables ---------------------------------------------------------------------------------
-- Acquisition by channel / source / medium / campaign. Sessions, visitors and qualified sessions count
-- sessions started on the day; page views and step events count raw events of the day (by their
-- session's labels); orders and revenue count orders placed on the day by first touch and by last touch
-- (so summing *_first_touch over rows gives the day's total, as does *_last_touch); spend from ad_spend.
CREATE TABLE agg_daily_acquisition (
  company_id                      uuid NOT NULL REFERENCES companies (company_id),
  day                             date NOT NULL,
  channel                         text NOT NULL,
  source                          text NOT NULL,
  medium                          text NOT NULL,
  campaign                        text NOT NULL,
  -- section: traffic
  sessions                        bigint NOT NULL DEFAULT 0,
  visitors                        bigint NOT NULL DEFAULT 0,
  qualified_sessions              bigint NOT NULL DEFAULT 0,
  page_views                      bigint NOT NULL DEFAULT 0,
  add_to_cart_events              bigint NOT NULL DEFAULT 0,
  begin_checkout_events           bigint NOT NULL DEFAULT 0,
  purchase_events                 bigint NOT NULL DEFAULT 0,
  signups                         bigint NOT NULL DEFAULT 0,
  leads                           bigint NOT NULL DEFAULT 0,
  -- section: orders (reporting currency; *_fx_missing = orders left out of revenue for want of a rate)
  orders_first_touch              bigint NOT NULL DEFAULT 0,
  revenue_first_touch_minor       bigint NOT NULL DEFAULT 0,
  new_customers_first_touch       bigint NOT NULL DEFAULT 0,
  orders_last_touch               bigint NOT NULL DEFAULT 0,
  revenue_last_touch_minor        bigint NOT NULL DEFAULT 0,
  new_customers_last_touch        bigint NOT NULL DEFAULT 0,
  revenue_fx_missing_first_touch  bigint NOT NULL DEFAULT 0,
  revenue_fx_missing_last_touch   bigint NOT NULL DEFAULT 0,
  -- section: ad spend (reporting currency; spend_fx_missing = ad_spend rows without a rate)
  spend_minor                     bigint NOT NULL DEFAULT 0,
  spend_fx_missing                bigint NOT NULL DEFAULT 0,
  impressions                     bigint NOT NULL DEFAULT 0,
  clicks                          bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (company_id, day, channel, source, medium, campaign)
);

-- Whole-day traffic (exact distinct visitors: a visitor of two channels counts once here).
CREATE TABLE agg_daily_traffic (
  company_id          uuid NOT NULL REFERENCES companies (company_id),
  day                 date NOT NULL,
  sessions            bigint NOT NULL,
  visitors            bigint NOT NULL,
  qualified_sessions  bigint NOT NULL,
  page_views          bigint NOT NULL,
  events              bigint NOT NULL,
  PRIMARY KEY (company_id, day)
);

-- Funnel: sessions reaching each step on the day. A session reaches a step when it has that step's event
-- or a later one that day (a purchase implies the checkout), so the counts never grow down the funnel.
CREATE TABLE agg_daily_funnel (
  company_id  uuid NOT NULL REFERENCES companies (company_id),
  day         date NOT NULL,
  step_index  integer NOT NULL CHECK (step_index BETWEEN 1 AND 4),
  step        text NOT NULL,
  sessions    bigint NOT NULL,
  PRIMARY KEY (company_id, day, step_index)
);

-- Time from first touch to purchase of the day's orders, in buckets (0 = no first touch).
CREATE TABLE agg_daily_time_to_conversion (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  day            date NOT NULL,
  bucket         integer NOT NULL CHECK (bucket BETWEEN 0 AND 6),
  label          text NOT NULL,
  orders         bigint NOT NULL,
  total_seconds  bigint NOT NULL,
  PRIMARY KEY (company_id, day, bucket)
);

-- Revenue per order currency and in the reporting currency (NULL and fx_rate_missing when no rate).
CREATE TABLE agg_daily_revenue (
  company_id               uuid NOT NULL REFERENCES companies (company_id),
  day                      date NOT NULL,
  currency                 char(3) NOT NULL,
  orders                   bigint NOT NULL,
  new_customers            bigint NOT NULL,
  gross_minor              bigint NOT NULL,
  refunds                  bigint NOT NULL,
  refunded_minor           bigint NOT NULL,
  reporting_currency       char(3) NOT NULL,
  fx_rate                  numeric,
  fx_rate_day              date,
  fx_rate_missing          boolean NOT NULL,
  gross_reporting_minor    bigint,
  refunded_reporting_minor bigint,
  PRIMARY KEY (company_id, day, currency)
);

-- Orders of the day by customer cohort (the local day of the customer's first counted order): what
-- new customers, repeat purchase rate and LTV (by cohort month and within 30/90/365 days) are summed from.
CREATE TABLE agg_daily_cohort_revenue (
  company_id               uuid NOT NULL REFERENCES companies (company_id),
  day                      date NOT NULL,
  first_order_day          date NOT NULL,
  customers                bigint NOT NULL,
  new_customers            bigint NOT NULL,
  -- customers whose second counted order was on this day (they became repeat customers)
  second_order_customers   bigint NOT NULL,
  orders                   bigint NOT NULL,
  revenue_minor            bigint NOT NULL,
  revenue_fx_missing       bigint NOT NULL,
  PRIMARY KEY (company_id, day, first_order_day),
  CHECK (first_order_day <= day)
);

-- MRR at the end of the local day, per subscription currency and in the reporting currency.
CREATE TABLE agg_daily_mrr (
  company_id              uuid NOT NULL REFERENCES companies (company_id),
  day                     date NOT NULL,
  currency                char(3) NOT NULL,
  active_subscriptions    bigint NOT NULL,
  new_subscriptions       bigint NOT NULL,
  churned_subscriptions   bigint NOT NULL,
  mrr_minor               bigint NOT NULL,
  reporting_currency      char(3) NOT NULL,
  fx_rate_missing         boolean NOT NULL,
  mrr_reporting_minor     bigint,
  PRIMARY KEY (company_id, day, currency)
);

-- Bookkeeping: one row per (company, day) recompute, so ops can audit what ran, when, and what it wrote.
CREATE TABLE rollup_runs (
  company_id    uuid NOT NULL REFERENCES companies (company_id),
  run_id        bigint GENERATED ALWAYS AS IDENTITY,
  day           date NOT NULL,
  workflow_id   text,
  computed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  duration_ms   double precision NOT NULL,
  rows_written  jsonb NOT NULL,
  rows_total    bigint NOT NULL,
  PRIMARY KEY (company_id, run_id)
);
CREATE INDEX rollup_runs_company_day_idx ON rollup_runs (company_id, day, computed_at);
COMMENT ON TABLE rollup_runs IS 'One row per rollup of a (company, day): when, by which workflow, rows written per table.';

-- section: the recompute of one (company, day) ---------------------------------------------------------------
-- Runs as the caller (lux_app inside withTenant: RLS applies). One transaction: the caller's. An advisory
-- lock per (company, day) serialises a schedule run and a backfill of the same day.
CREATE FUNCTION rollup_company_day(p_company_id uuid, p_day date, p_workflow_id text DEFAULT NULL)
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

-- section: schedule registration ----------------------------------------------------------------------------
-- The analytics worker registers one rollup Schedule per company at start, before any tenant is known:
-- like resolve_site_key (0001), a SECURITY DEFINER function is the one way round RLS, and it returns
-- only what a schedule needs (the id and time zone), nothing of a company's data.
CREATE FUNCTION list_company_time_zones() RETURNS TABLE (company_id uuid, time_zone text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT c.company_id, c.time_zone FROM companies c ORDER BY c.company_id $$;
REVOKE ALL ON FUNCTION list_company_time_zones() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION list_company_time_zones() TO lux_app;

-- section: metric views (what dashboards read) ---------------------------------------------------------------
-- Ratios are computed from summed components (sum(spend) / sum(new customers)), never averaged.
-- Per channel and day: revenue by channel, CAC (first touch), ROAS (last touch by default, first touch too).
CREATE VIEW v_channel_daily WITH (security_barrier = true, security_invoker = true) AS
  SELECT company_id, day, channel,
    sum(sessions) AS sessions, sum(qualified_sessions) AS qualified_sessions, sum(page_views) AS page_views, sum(leads) AS leads,
    sum(signups) AS signups,
    sum(orders_first_touch) AS orders_first_touch, sum(revenue_first_touch_minor) AS revenue_first_touch_minor,
    sum(orders_last_touch) AS orders_last_touch, sum(revenue_last_touch_minor) AS revenue_last_touch_minor,
    sum(new_customers_first_touch) AS new_customers_first_touch,
    sum(spend_minor) AS spend_minor, sum(impressions) AS impressions, sum(clicks) AS clicks,
    sum(revenue_fx_missing_first_touch) + sum(revenue_fx_missing_last_touch) + sum(spend_fx_missing) > 0 AS fx_rate_missing,
    round(sum(spend_minor)::numeric / nullif(sum(new_customers_first_touch), 0)) AS cac_minor,
    round(sum(revenue_last_touch_minor)::numeric / nullif(sum(spend_minor), 0), 4) AS roas,
    round(sum(revenue_first_touch_minor)::numeric / nullif(sum(spend_minor), 0), 4) AS roas_first_touch,
    round(sum(qualified_sessions)::numeric / nullif(sum(sessions), 0), 4) AS qualified_session_rate
  FROM agg_daily_acquisition
  GROUP BY company_id, day, channel;

-- Per company and day: the headline numbers.
CREATE VIEW v_metrics_daily WITH (security_barrier = true, security_invoker = true) AS
  WITH acq AS (
    SELECT company_id, day, sum(spend_minor) AS spend_minor, sum(spend_fx_missing) AS spend_fx_missing, sum(leads) AS leads, sum(signups) AS signups,
      -- the channels ad spend is reported under (ad_platform_channel)
      sum(revenue_last_touch_minor) FILTER (WHERE channel IN ('Paid Search', 'Paid Social')) AS paid_revenue_last_touch_minor,
      sum(new_customers_first_touch) FILTER (WHERE channel IN ('Paid Search', 'Paid Social')) AS paid_new_customers_first_touch
    FROM agg_daily_acquisition GROUP BY company_id, day
  ),
  rev AS (
    SELECT company_id, day, sum(orders) AS orders, sum(new_customers) AS new_customers,
      sum(orders) FILTER (WHERE NOT fx_rate_missing) AS orders_converted,
      sum(gross_reporting_minor) AS gross_revenue_minor, sum(refunded_reporting_minor) AS refunded_minor, sum(refunds) AS refunds,
      bool_or(fx_rate_missing) AS revenue_fx_rate_missing
    FROM agg_daily_revenue GROUP BY company_id, day
  ),
  mrr AS (
    SELECT company_id, day, sum(active_subscriptions) AS active_subscriptions, sum(mrr_reporting_minor) AS mrr_minor, bool_or(fx_rate_missing) AS mrr_fx_rate_missing
    FROM agg_daily_mrr GROUP BY company_id, day
  ),
  final AS (
    SELECT t.company_id, t.day,
      -- section: traffic
      t.sessions, t.visitors, t.qualified_sessions, t.page_views,
      round(t.qualified_sessions::numeric / nullif(t.sessions, 0), 4) AS qualified_session_rate,
      coalesce(a.leads, 0) AS leads, coalesce(a.signups, 0) AS signups,
      -- section: orders and revenue (reporting currency)
      coalesce(r.orders, 0) AS orders, coalesce(r.new_customers, 0) AS new_customers,
      coalesce(r.gross_revenue_minor, 0) AS gross_revenue_minor, coalesce(r.refunded_minor, 0) AS refunded_minor,
      coalesce(r.gross_revenue_minor, 0) - coalesce(r.refunded_minor, 0) AS net_revenue_minor,
      round(r.gross_revenue_minor::numeric / nullif(r.orders_converted, 0)) AS aov_minor,
      round(r.refunded_minor::numeric / nullif(r.gross_revenue_minor, 0), 4) AS refund_rate,
      round(coalesce(r.orders, 0)::numeric / nullif(t.sessions, 0), 4) AS conversion_rate,
      coalesce(r.revenue_fx_rate_missing, false) AS revenue_fx_rate_missing,
      -- section: spend (blended: all spend over all new customers / all revenue; per channel: v_channel_daily)
      coalesce(a.spend_minor, 0) AS spend_minor, coalesce(a.spend_fx_missing, 0) > 0 AS spend_fx_rate_missing,
      round(a.spend_minor::numeric / nullif(r.new_customers, 0)) AS blended_cac_minor,
      round(r.gross_revenue_minor::numeric / nullif(a.spend_minor, 0), 4) AS blended_roas,
      round(a.spend_minor::numeric / nullif(a.paid_new_customers_first_touch, 0)) AS paid_cac_minor,
      round(a.paid_revenue_last_touch_minor::numeric / nullif(a.spend_minor, 0), 4) AS paid_roas,
      -- section: subscriptions
      coalesce(m.active_subscriptions, 0) AS active_subscriptions, m.mrr_minor, coalesce(m.mrr_fx_rate_missing, false) AS mrr_fx_rate_missing
    FROM agg_daily_traffic t
    LEFT JOIN acq a USING (company_id, day)
    LEFT JOIN rev r USING (company_id, day)
    LEFT JOIN mrr m USING (company_id, day)
  )
  SELECT * FROM final;

CREATE VIEW v_funnel_daily WITH (security_barrier = true, security_invoker = true) AS
  SELECT company_id, day, step_index, step, sessions,
    lag(sessions) OVER w - sessions AS drop_off,
    round(sessions::numeric / nullif(lag(sessions) OVER w, 0), 4) AS conversion_from_previous,
    round(sessions::numeric / nullif(first_value(sessions) OVER w, 0), 4) AS conversion_from_first
  FROM agg_daily_funnel
  WINDOW w AS (PARTITION BY company_id, day ORDER BY step_index);

CREATE VIEW v_time_to_conversion_daily WITH (security_barrier = true, security_invoker = true) AS
  SELECT company_id, day, bucket, label, orders, total_seconds,
    round(orders::numeric / nullif(sum(orders) OVER (PARTITION BY company_id, day), 0), 4) AS share
  FROM agg_daily_time_to_conversion;

-- Cohorts by first-order month: size, repeat purchase rate, LTV within 30/90/365 days of the first order.
CREATE VIEW v_cohorts_monthly WITH (security_barrier = true, security_invoker = true) AS
  WITH c AS (
    SELECT company_id, date_trunc('month', first_order_day)::date AS cohort_month,
      sum(new_customers) AS customers, sum(second_order_customers) AS repeat_customers, sum(orders) AS orders,
      sum(revenue_minor) AS revenue_minor,
      sum(revenue_minor) FILTER (WHERE day - first_order_day < 30) AS revenue_30d_minor,
      sum(revenue_minor) FILTER (WHERE day - first_order_day < 90) AS revenue_90d_minor,
      sum(revenue_minor) FILTER (WHERE day - first_order_day < 365) AS revenue_365d_minor,
      sum(revenue_fx_missing) AS revenue_fx_missing, max(first_order_day) AS last_first_order_day
    FROM agg_daily_cohort_revenue GROUP BY company_id, date_trunc('month', first_order_day)
  )
  SELECT company_id, cohort_month, customers, repeat_customers, orders, revenue_minor,
    round(repeat_customers::numeric / nullif(customers, 0), 4) AS repeat_purchase_rate,
    round(revenue_minor::numeric / nullif(customers, 0)) AS ltv_to_date_minor,
    round(revenue_30d_minor::numeric / nullif(customers, 0)) AS ltv_30d_minor,
    round(revenue_90d_minor::numeric / nullif(customers, 0)) AS ltv_90d_minor,
    round(revenue_365d_minor::numeric / nullif(customers, 0)) AS ltv_365d_minor,
    revenue_fx_missing > 0 AS fx_rate_missing, last_first_order_day
  FROM c;

-- LTV by first-order day (sum a trailing range of days for a rolling figure): revenue within 30/90/365
-- days of the first order per new customer; complete_* says the window has fully elapsed.
CREATE VIEW v_ltv_daily WITH (security_barrier = true, security_invoker = true) AS
  SELECT r.company_id, r.first_order_day,
    sum(r.new_customers) AS customers,
    sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 30) AS revenue_30d_minor,
    sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 90) AS revenue_90d_minor,
    sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 365) AS revenue_365d_minor,
    round((sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 30))::numeric / nullif(sum(r.new_customers), 0)) AS ltv_30d_minor,
    round((sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 90))::numeric / nullif(sum(r.new_customers), 0)) AS ltv_90d_minor,
    round((sum(r.revenue_minor) FILTER (WHERE r.day - r.first_order_day < 365))::numeric / nullif(sum(r.new_customers), 0)) AS ltv_365d_minor,
    sum(r.second_order_customers) AS repeat_customers,
    sum(r.revenue_fx_missing) > 0 AS fx_rate_missing
  FROM agg_daily_cohort_revenue r
  GROUP BY r.company_id, r.first_order_day;

CREATE VIEW v_mrr_daily WITH (security_barrier = true, security_invoker = true) AS
  SELECT company_id, day, sum(active_subscriptions) AS active_subscriptions, sum(new_subscriptions) AS new_subscriptions,
    sum(churned_subscriptions) AS churned_subscriptions, sum(mrr_reporting_minor) AS mrr_minor, max(reporting_currency) AS reporting_currency,
    bool_or(fx_rate_missing) AS fx_rate_missing
  FROM agg_daily_mrr GROUP BY company_id, day;

-- section: row level security and grants --------------------------------------------------------------------
SELECT enable_tenant_isolation('agg_daily_acquisition');
SELECT enable_tenant_isolation('agg_daily_traffic');
SELECT enable_tenant_isolation('agg_daily_funnel');
SELECT enable_tenant_isolation('agg_daily_time_to_conversion');
SELECT enable_tenant_isolation('agg_daily_revenue');
SELECT enable_tenant_isolation('agg_daily_cohort_revenue');
SELECT enable_tenant_isolation('agg_daily_mrr');
SELECT enable_tenant_isolation('rollup_runs');
GRANT SELECT, INSERT, DELETE ON agg_daily_acquisition, agg_daily_traffic, agg_daily_funnel, agg_daily_time_to_conversion,
  agg_daily_revenue, agg_daily_cohort_revenue, agg_daily_mrr TO lux_app;
GRANT SELECT, INSERT ON rollup_runs TO lux_app;
GRANT SELECT ON stg_sessions, stg_orders, v_channel_daily, v_metrics_daily, v_funnel_daily, v_time_to_conversion_daily, v_cohorts_monthly,
  v_ltv_daily, v_mrr_daily TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS v_mrr_daily, v_ltv_daily, v_cohorts_monthly, v_time_to_conversion_daily, v_funnel_daily, v_metrics_daily, v_channel_daily;
DROP FUNCTION IF EXISTS list_company_time_zones();
DROP FUNCTION IF EXISTS rollup_company_day(uuid, date, text);
DROP TABLE IF EXISTS rollup_runs, agg_daily_mrr, agg_daily_cohort_revenue, agg_daily_revenue, agg_daily_time_to_conversion, agg_daily_funnel,
  agg_daily_traffic, agg_daily_acquisition;
DROP INDEX IF EXISTS leads_company_created_idx, refunds_company_created_idx, orders_company_email_created_idx, orders_company_customer_idx;
DROP VIEW IF EXISTS stg_orders, stg_sessions;
DROP FUNCTION IF EXISTS ad_platform_medium(text), ad_platform_source(text), ad_platform_channel(text), funnel_step_index(text),
  is_key_event(text), time_to_conversion_label(integer), time_to_conversion_bucket(double precision), fx_apply_minor(bigint, numeric, text, text),
  session_medium(text, text, text, text), session_source(text, text, text), local_day_start(date, text);
