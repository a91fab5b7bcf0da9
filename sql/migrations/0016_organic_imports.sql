-- Up Migration
--
-- Organic imports (issue 10, "Remaining imports"; docs/integrations/search-console.md, meta-pages.md, x.md):
--
--   search_console_daily  derived: Google Search Console search analytics per company, property, search
--                         type and (Pacific) day, one row per query × page (grain query_page) or per
--                         search appearance (grain search_appearance: Google reports that dimension only
--                         on its own, so the two grains must never be added together). Re-imports upsert
--                         on the natural key (dimension_key = SHA-256 of the row's dimensions: queries and
--                         URLs can be longer than a btree entry), so a re-read day replaces its rows.
--   social_page_daily     derived: one row per company, platform (facebook | instagram | x), account and
--                         day: reach, impressions, engagements, followers, follower change (NULL where the
--                         platform does not report a metric, never 0).
--   integration_credentials accepts gsc, meta_pages and x; v_integration_status lists them.

-- section: integration credentials ------------------------------------------------------------------------
-- Other migrations extend this CHECK too (0004, 0007, 0009, 0010 and maybe later ones): keep whatever
-- values are allowed now and add ours, instead of restating a list another migration may have changed.
DO $$
DECLARE
  v_allowed text[];
BEGIN
  -- the quoted literals of the definition, as a list ('a', 'b') or an array literal '{a,b}'
  SELECT array_agg(DISTINCT v ORDER BY v) INTO v_allowed
  FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([^'']*)''', 'g') AS m,
    regexp_split_to_table(m[1], '[{},[:space:]]+') AS v
  WHERE v <> '' AND c.conrelid = 'integration_credentials'::regclass AND c.conname = 'integration_credentials_source_check';
  ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
  EXECUTE format('ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check CHECK (source = ANY (%L::text[]))',
    array_remove(array_remove(array_remove(v_allowed, 'gsc'), 'meta_pages'), 'x') || ARRAY['gsc', 'meta_pages', 'x']);
END
$$;

-- section: Search Console ----------------------------------------------------------------------------------
CREATE TABLE search_console_daily (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  -- the property as configured: 'https://example.com/' or 'sc-domain:example.com'
  site_url           text NOT NULL,
  -- the request's type: web, image, video, news, discover, googleNews
  search_type        text NOT NULL,
  -- Search Console's day (Pacific time)
  day                date NOT NULL,
  -- SHA-256 hex of [grain, query, page, search_appearance] (lib/organic/records.ts searchConsoleDimensionKey)
  dimension_key      text NOT NULL CHECK (dimension_key ~ '^[0-9a-f]{64}$'),
  grain              text NOT NULL CHECK (grain IN ('query_page', 'search_appearance')),
  -- kept in full; never indexed (the key uses dimension_key)
  query              text,
  page               text,
  -- e.g. AMP_BLUE_LINK, RICHCARD, AI overview appearances, as Google names them
  search_appearance  text,
  clicks             bigint NOT NULL CHECK (clicks >= 0),
  impressions        bigint NOT NULL CHECK (impressions >= 0),
  -- as reported; aggregates recompute ctr = clicks / impressions and weight position by impressions
  ctr                double precision NOT NULL CHECK (ctr >= 0 AND ctr <= 1),
  position           double precision NOT NULL CHECK (position >= 0),
  -- the day was still incomplete when last read (dataState all); the lookback re-reads it until final
  fresh              boolean NOT NULL DEFAULT false,
  first_imported_at  timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, site_url, search_type, day, dimension_key),
  CHECK (CASE grain WHEN 'query_page' THEN query IS NOT NULL AND page IS NOT NULL AND search_appearance IS NULL
                    ELSE search_appearance IS NOT NULL AND query IS NULL AND page IS NULL END)
);
CREATE INDEX search_console_daily_company_day_idx ON search_console_daily (company_id, day, grain);
COMMENT ON TABLE search_console_daily IS 'Search Console clicks, impressions, CTR and position per property, day and query x page (or search appearance: a separate grain, never add the two). Upserted on the dimension hash.';

-- section: social accounts ---------------------------------------------------------------------------------
CREATE TABLE social_page_daily (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  platform           text NOT NULL CHECK (platform IN ('facebook', 'instagram', 'x')),
  -- Facebook Page id, Instagram user id, X user id
  account_id         text NOT NULL,
  -- Meta: its reporting day (Pacific time); X: the UTC day the posts were published
  day                date NOT NULL,
  reach              bigint CHECK (reach >= 0),
  impressions        bigint CHECK (impressions >= 0),
  engagements        bigint CHECK (engagements >= 0),
  -- followers at the end of the day (Facebook page_follows; X: a snapshot taken that day)
  followers          bigint CHECK (followers >= 0),
  -- gained minus lost (Facebook) or gained (Instagram follower_count)
  follower_delta     bigint,
  -- X: posts published that day whose metrics are counted
  posts              bigint CHECK (posts >= 0),
  first_imported_at  timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, platform, account_id, day)
);
CREATE INDEX social_page_daily_company_day_idx ON social_page_daily (company_id, day);
COMMENT ON TABLE social_page_daily IS 'Organic social per account and day: reach, impressions, engagements, followers and their change (NULL where the platform does not report a metric).';

-- section: integration status --------------------------------------------------------------------------------
-- 0010's view with the organic integrations in its catalog (same columns, so CREATE OR REPLACE works).
CREATE OR REPLACE VIEW v_integration_status WITH (security_barrier = true, security_invoker = true) AS
  WITH catalog (integration, kind, metrics_unlocked) AS (
    VALUES
      ('woocommerce', 'store',     ARRAY['orders', 'revenue', 'aov', 'refunds', 'refund_rate', 'attribution']),
      ('shopify',     'store',     ARRAY['orders', 'revenue', 'aov', 'refunds', 'refund_rate', 'checkouts_started', 'attribution']),
      ('stripe',      'payments',  ARRAY['payments', 'revenue', 'refunds', 'chargebacks', 'mrr', 'churn']),
      ('gohighlevel', 'crm',       ARRAY['leads', 'pipeline_value', 'lead_to_customer_rate']),
      ('google_ads',  'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'conversion_forwarding:google_ads']),
      ('meta',        'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'creative_fatigue', 'conversion_forwarding:meta']),
      ('tiktok',      'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'creative_fatigue', 'conversion_forwarding:tiktok']),
      ('mailgun',     'messaging', ARRAY['email_delivery_rate', 'email_open_rate', 'email_click_rate', 'email_revenue']),
      ('twilio',      'messaging', ARRAY['sms_delivery_rate', 'sms_click_rate', 'sms_revenue', 'sms_opt_outs']),
      ('ga4',         'analytics', ARRAY['ga4_secondary_view']),
      ('gsc',         'organic',   ARRAY['organic_search_clicks', 'organic_search_impressions', 'organic_search_ctr', 'organic_search_position', 'top_search_queries', 'search_appearance']),
      ('meta_pages',  'organic',   ARRAY['social_reach', 'social_impressions', 'social_engagements', 'social_follower_growth']),
      ('x',           'organic',   ARRAY['social_impressions', 'social_engagements'])
  ),
  configured AS (SELECT company_id, source, updated_at FROM integration_credentials),
  imports AS (
    SELECT company_id, source, max(last_completed_at) AS last_import_at, sum(rows_stored) AS rows_imported, sum(rows_rejected) AS rows_rejected
    FROM import_cursors GROUP BY company_id, source
  ),
  webhooks AS (
    SELECT w.company_id, w.source,
      max(p.processed_at) FILTER (WHERE p.outcome = 'stored') AS last_webhook_at,
      coalesce(sum(p.records) FILTER (WHERE p.outcome = 'stored'), 0) AS records_stored
    FROM raw_webhooks w JOIN webhook_processing p USING (company_id, webhook_id)
    GROUP BY w.company_id, w.source
  ),
  forwarded AS (
    SELECT company_id, destination AS source, max(sent_at) AS last_sent_at, count(*) FILTER (WHERE status = 'sent') AS sent
    FROM conversion_outbox GROUP BY company_id, destination
  ),
  -- the newest problem of each integration, whichever way it happened
  errors AS (
    SELECT DISTINCT ON (company_id, source) company_id, source, at, error
    FROM (
      SELECT company_id, source, rejected_at AS at, 'rejected row: ' || reason AS error FROM rejected_rows
      UNION ALL
      SELECT w.company_id, w.source, p.processed_at, 'webhook rejected: ' || coalesce(p.detail, '') FROM raw_webhooks w
      JOIN webhook_processing p USING (company_id, webhook_id) WHERE p.outcome = 'rejected'
      UNION ALL
      SELECT company_id, destination, updated_at, 'conversion ' || status || ': ' || coalesce(last_error, reason) FROM conversion_outbox
      WHERE status IN ('failed', 'partial_failure')
    ) e
    ORDER BY company_id, source, at DESC
  ),
  grid AS (
    SELECT c.company_id, k.integration, k.kind, k.metrics_unlocked, cf.updated_at AS configured_at
    FROM companies c CROSS JOIN catalog k
    LEFT JOIN configured cf ON cf.company_id = c.company_id AND cf.source = k.integration
  ),
  unlocked AS (
    SELECT company_id, array_agg(DISTINCT m) AS metrics FROM grid, unnest(metrics_unlocked) AS m
    WHERE configured_at IS NOT NULL GROUP BY company_id
  ),
  final AS (
    SELECT
      g.company_id, g.integration, g.kind,
      -- section: state
      g.configured_at IS NOT NULL AS configured,
      g.configured_at,
      nullif(greatest(coalesce(i.last_import_at, '-infinity'), coalesce(w.last_webhook_at, '-infinity'), coalesce(f.last_sent_at, '-infinity')), '-infinity') AS last_successful_sync,
      e.at AS last_error_at,
      e.error AS last_error,
      -- section: volume
      (coalesce(i.rows_imported, 0) + coalesce(w.records_stored, 0))::bigint AS rows_imported,
      coalesce(i.rows_rejected, 0)::bigint AS rows_rejected,
      coalesce(f.sent, 0)::bigint AS conversions_sent,
      -- section: metrics
      g.metrics_unlocked,
      CASE WHEN g.configured_at IS NOT NULL THEN ARRAY[]::text[]
           ELSE ARRAY(SELECT m FROM unnest(g.metrics_unlocked) AS m WHERE NOT (m = ANY (coalesce(u.metrics, ARRAY[]::text[]))) ORDER BY m)
      END AS metrics_missing
    FROM grid g
    LEFT JOIN imports i ON i.company_id = g.company_id AND i.source = g.integration
    LEFT JOIN webhooks w ON w.company_id = g.company_id AND w.source = g.integration
    LEFT JOIN forwarded f ON f.company_id = g.company_id AND f.source = g.integration
    LEFT JOIN errors e ON e.company_id = g.company_id AND e.source = g.integration
    LEFT JOIN unlocked u ON u.company_id = g.company_id
  )
  SELECT * FROM final;

-- section: row level security and grants --------------------------------------------------------------------
SELECT enable_tenant_isolation('search_console_daily');
SELECT enable_tenant_isolation('social_page_daily');
GRANT SELECT, INSERT, UPDATE ON search_console_daily TO lux_app;
GRANT SELECT, INSERT, UPDATE ON social_page_daily TO lux_app;
GRANT SELECT ON v_integration_status TO lux_app;

-- Down Migration
CREATE OR REPLACE VIEW v_integration_status WITH (security_barrier = true, security_invoker = true) AS
  WITH catalog (integration, kind, metrics_unlocked) AS (
    VALUES
      ('woocommerce', 'store',     ARRAY['orders', 'revenue', 'aov', 'refunds', 'refund_rate', 'attribution']),
      ('shopify',     'store',     ARRAY['orders', 'revenue', 'aov', 'refunds', 'refund_rate', 'checkouts_started', 'attribution']),
      ('stripe',      'payments',  ARRAY['payments', 'revenue', 'refunds', 'chargebacks', 'mrr', 'churn']),
      ('gohighlevel', 'crm',       ARRAY['leads', 'pipeline_value', 'lead_to_customer_rate']),
      ('google_ads',  'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'conversion_forwarding:google_ads']),
      ('meta',        'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'creative_fatigue', 'conversion_forwarding:meta']),
      ('tiktok',      'ads',       ARRAY['ad_spend', 'cac', 'roas', 'cpc', 'ctr', 'creative_fatigue', 'conversion_forwarding:tiktok']),
      ('mailgun',     'messaging', ARRAY['email_delivery_rate', 'email_open_rate', 'email_click_rate', 'email_revenue']),
      ('twilio',      'messaging', ARRAY['sms_delivery_rate', 'sms_click_rate', 'sms_revenue', 'sms_opt_outs']),
      ('ga4',         'analytics', ARRAY['ga4_secondary_view'])
  ),
  configured AS (SELECT company_id, source, updated_at FROM integration_credentials),
  imports AS (
    SELECT company_id, source, max(last_completed_at) AS last_import_at, sum(rows_stored) AS rows_imported, sum(rows_rejected) AS rows_rejected
    FROM import_cursors GROUP BY company_id, source
  ),
  webhooks AS (
    SELECT w.company_id, w.source,
      max(p.processed_at) FILTER (WHERE p.outcome = 'stored') AS last_webhook_at,
      coalesce(sum(p.records) FILTER (WHERE p.outcome = 'stored'), 0) AS records_stored
    FROM raw_webhooks w JOIN webhook_processing p USING (company_id, webhook_id)
    GROUP BY w.company_id, w.source
  ),
  forwarded AS (
    SELECT company_id, destination AS source, max(sent_at) AS last_sent_at, count(*) FILTER (WHERE status = 'sent') AS sent
    FROM conversion_outbox GROUP BY company_id, destination
  ),
  -- the newest problem of each integration, whichever way it happened
  errors AS (
    SELECT DISTINCT ON (company_id, source) company_id, source, at, error
    FROM (
      SELECT company_id, source, rejected_at AS at, 'rejected row: ' || reason AS error FROM rejected_rows
      UNION ALL
      SELECT w.company_id, w.source, p.processed_at, 'webhook rejected: ' || coalesce(p.detail, '') FROM raw_webhooks w
      JOIN webhook_processing p USING (company_id, webhook_id) WHERE p.outcome = 'rejected'
      UNION ALL
      SELECT company_id, destination, updated_at, 'conversion ' || status || ': ' || coalesce(last_error, reason) FROM conversion_outbox
      WHERE status IN ('failed', 'partial_failure')
    ) e
    ORDER BY company_id, source, at DESC
  ),
  grid AS (
    SELECT c.company_id, k.integration, k.kind, k.metrics_unlocked, cf.updated_at AS configured_at
    FROM companies c CROSS JOIN catalog k
    LEFT JOIN configured cf ON cf.company_id = c.company_id AND cf.source = k.integration
  ),
  unlocked AS (
    SELECT company_id, array_agg(DISTINCT m) AS metrics FROM grid, unnest(metrics_unlocked) AS m
    WHERE configured_at IS NOT NULL GROUP BY company_id
  ),
  final AS (
    SELECT
      g.company_id, g.integration, g.kind,
      -- section: state
      g.configured_at IS NOT NULL AS configured,
      g.configured_at,
      nullif(greatest(coalesce(i.last_import_at, '-infinity'), coalesce(w.last_webhook_at, '-infinity'), coalesce(f.last_sent_at, '-infinity')), '-infinity') AS last_successful_sync,
      e.at AS last_error_at,
      e.error AS last_error,
      -- section: volume
      (coalesce(i.rows_imported, 0) + coalesce(w.records_stored, 0))::bigint AS rows_imported,
      coalesce(i.rows_rejected, 0)::bigint AS rows_rejected,
      coalesce(f.sent, 0)::bigint AS conversions_sent,
      -- section: metrics
      g.metrics_unlocked,
      CASE WHEN g.configured_at IS NOT NULL THEN ARRAY[]::text[]
           ELSE ARRAY(SELECT m FROM unnest(g.metrics_unlocked) AS m WHERE NOT (m = ANY (coalesce(u.metrics, ARRAY[]::text[]))) ORDER BY m)
      END AS metrics_missing
    FROM grid g
    LEFT JOIN imports i ON i.company_id = g.company_id AND i.source = g.integration
    LEFT JOIN webhooks w ON w.company_id = g.company_id AND w.source = g.integration
    LEFT JOIN forwarded f ON f.company_id = g.company_id AND f.source = g.integration
    LEFT JOIN errors e ON e.company_id = g.company_id AND e.source = g.integration
    LEFT JOIN unlocked u ON u.company_id = g.company_id
  )
  SELECT * FROM final;

DROP TABLE IF EXISTS social_page_daily, search_console_daily;
DELETE FROM integration_credentials WHERE source IN ('gsc', 'meta_pages', 'x');
DO $$
DECLARE
  v_allowed text[];
BEGIN
  -- the quoted literals of the definition, as a list ('a', 'b') or an array literal '{a,b}'
  SELECT array_agg(DISTINCT v ORDER BY v) INTO v_allowed
  FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([^'']*)''', 'g') AS m,
    regexp_split_to_table(m[1], '[{},[:space:]]+') AS v
  WHERE v <> '' AND c.conrelid = 'integration_credentials'::regclass AND c.conname = 'integration_credentials_source_check';
  ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
  EXECUTE format('ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check CHECK (source = ANY (%L::text[]))',
    array_remove(array_remove(array_remove(v_allowed, 'gsc'), 'meta_pages'), 'x'));
END
$$;
