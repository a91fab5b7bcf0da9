-- Up Migration
--
-- Server-side conversion forwarding (docs/forwarding.md) and the integration status view
-- (docs/integrations.md#integration-status).
--
--   conversion_forwarding_settings  tenant config: per company and destination, whether conversions are
--                                   forwarded (off unless a row says enabled) and the destination's
--                                   non-secret settings (conversion action id, pixel id, ...). Secrets stay
--                                   in integration_credentials.
--   conversion_outbox               derived bookkeeping: one row per order × destination with the decision
--                                   (forward or not, and why), the exact payload and its SHA-256, the
--                                   delivery status, attempts and what the vendor answered. The
--                                   forwardConversion workflow writes it; re-runs are idempotent on the
--                                   payload hash and never re-send what a vendor already accepted.
--   v_integration_status            per company × known integration: configured, last successful sync,
--                                   last error, rows imported, the metrics it unlocks and those that stay
--                                   empty because it is missing.

-- section: GA4 credentials (measurement id + Measurement Protocol API secret) ----------------------------
-- Other migrations extend this CHECK too (0007, 0009, ...): keep whatever values are allowed now and add
-- ga4, instead of restating a list that another migration may have changed.
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
    array_append(array_remove(v_allowed, 'ga4'), 'ga4'));
END
$$;

-- section: forwarding settings -------------------------------------------------------------------------
-- Forwarding is off by default: a company forwards to a destination only with a row here that says
-- enabled = true (`lux forwarding enable <destination> --company <id> ...`).
CREATE TABLE conversion_forwarding_settings (
  company_id   uuid NOT NULL REFERENCES companies (company_id),
  destination  text NOT NULL CHECK (destination IN ('google_ads', 'meta', 'tiktok', 'ga4')),
  enabled      boolean NOT NULL DEFAULT false,
  -- google_ads: {customerId?, conversionActionId}; meta: {pixelId, testEventCode?}; tiktok: {pixelCode};
  -- ga4: {} (measurement id and API secret are credentials). Validated by lib/forwarding/settings.ts.
  config       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, destination)
);

-- section: the outbox ----------------------------------------------------------------------------------
CREATE TABLE conversion_outbox (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  source             text NOT NULL,
  external_id        text NOT NULL,
  -- 'none' records the decision for an order that no ad platform brought (nothing to send)
  destination        text NOT NULL CHECK (destination IN ('google_ads', 'meta', 'tiktok', 'ga4', 'none')),
  -- pending: to send; sent: the vendor accepted it; partial_failure: Google accepted the request but
  -- rejected the conversion (details in partial_failure); failed: a permanent vendor error or retries
  -- exhausted; expired: too old for the vendor (Meta: 7 days); skipped: the gate said no (reason).
  status             text NOT NULL CHECK (status IN ('pending', 'sent', 'partial_failure', 'failed', 'expired', 'skipped')),
  forward            boolean NOT NULL,
  -- why: 'ok', 'gpc', 'no_ads_consent', 'suppressed', 'forwarding_disabled', ... (lib/forwarding/gate.ts)
  reason             text NOT NULL,
  -- the vendor's own identifiers of this conversion (Meta/TikTok event_id, Google order id)
  event_id           text,
  event_time         timestamptz,
  payload            jsonb,
  payload_sha256     text CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
  attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_attempt_at    timestamptz,
  last_error         text,
  vendor_response    jsonb,
  partial_failure    jsonb,
  sent_at            timestamptz,
  decided_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id, destination),
  CHECK ((payload IS NULL) = (payload_sha256 IS NULL)),
  CHECK (forward OR status = 'skipped')
);
CREATE INDEX conversion_outbox_company_status_idx ON conversion_outbox (company_id, status, updated_at);
COMMENT ON TABLE conversion_outbox IS 'One row per order × destination: the forwarding decision and reason, payload + SHA-256, delivery status, attempts and vendor answers.';

-- section: integration status ----------------------------------------------------------------------------
-- The map of what each integration unlocks (docs/integrations.md). A metric stays empty only when no
-- configured integration of the company unlocks it: metrics_missing lists those, for the ones not configured.
CREATE VIEW v_integration_status WITH (security_barrier = true, security_invoker = true) AS
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
COMMENT ON VIEW v_integration_status IS 'Per company × known integration: configured, last successful sync, last error, rows imported, metrics unlocked and metrics that stay empty without it.';

-- section: row level security and grants ---------------------------------------------------------------
SELECT enable_tenant_isolation('conversion_forwarding_settings');
SELECT enable_tenant_isolation('conversion_outbox');
GRANT SELECT, INSERT, UPDATE, DELETE ON conversion_forwarding_settings TO lux_app;
GRANT SELECT, INSERT, UPDATE ON conversion_outbox TO lux_app;
GRANT SELECT ON v_integration_status TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS v_integration_status;
DROP TABLE IF EXISTS conversion_outbox, conversion_forwarding_settings;
DELETE FROM integration_credentials WHERE source = 'ga4';
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
    array_remove(v_allowed, 'ga4'));
END
$$;
