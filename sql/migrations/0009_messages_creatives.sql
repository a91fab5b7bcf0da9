-- Up Migration
--
-- Owned channels (email and SMS) and creative analytics. Definitions in words: docs/messages.md and
-- docs/creatives.md.
--
--   message_sends        derived: one row per send (Mailgun message, Twilio message, a first-party SMTP
--                        send logged through POST /m/send-log). Upserted from whichever record names the
--                        send first (a send-log entry, a provider event); sent_at is the earliest known.
--   message_events       raw, append-only: what happened to a send (delivered, opened, clicked, bounced,
--                        failed, unsubscribed, complained, opted_out, replied). Unique per provider event id,
--                        so a webhook redelivery or a retried pixel hit never counts twice.
--   message_links        the short links of SMS messages (/m/s/<code>): the signed URL they redirect to.
--   agg_daily_messages   derived rollup per company-local day, channel, provider and campaign.
--   creatives            one row per (platform, creative): name, ad, concept angle, first impression day.
--   agg_daily_creatives  derived rollup per company-local day and creative.
--   creative_fatigue     derived: the fatigue status of each creative as of the latest rolled-up day.

-- section: integration credentials for the messaging providers ----------------------------------------------
ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check
  CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'gohighlevel', 'google_ads', 'meta', 'tiktok', 'mailgun', 'twilio'));

-- section: sends ------------------------------------------------------------------------------------------------
CREATE TABLE message_sends (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  -- mailgun, twilio, smtp (first-party send log), or any other ESP's name given to the send log
  provider        text NOT NULL CHECK (provider ~ '^[a-z0-9_-]{1,40}$'),
  -- the provider's id of this one send (Mailgun Message-Id, Twilio MessageSid, the sender's own id)
  send_id         text NOT NULL CHECK (length(send_id) BETWEEN 1 AND 300),
  channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
  campaign_id     text CHECK (length(campaign_id) <= 200),
  -- the message (template / variant) sent, and the creative inside it
  message_id      text CHECK (length(message_id) <= 200),
  creative_id     text CHECK (length(creative_id) <= 128),
  concept_angle   text CHECK (length(concept_angle) <= 100),
  -- SHA-256 of the normalised email (lib/enrichment/privacy) or of the E.164 phone number; never in clear
  recipient_hash  text CHECK (recipient_hash ~ '^[0-9a-f]{64}$'),
  sent_at         timestamptz NOT NULL,
  -- first 24 hex of SHA-256("<provider>:<send_id>") (lib/messages/links.ts linkRef): the lux_mid parameter the
  -- click redirect adds to the landing URL, so the landing session names the send without an email-like id
  link_ref        text NOT NULL CHECK (link_ref ~ '^[0-9a-f]{24}$'),
  -- which record created the row: send_log or webhook
  recorded_by     text NOT NULL CHECK (recorded_by IN ('send_log', 'webhook')),
  first_stored_at timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, provider, send_id)
);
CREATE INDEX message_sends_company_sent_idx ON message_sends (company_id, sent_at);
CREATE INDEX message_sends_company_link_ref_idx ON message_sends (company_id, link_ref);
CREATE INDEX message_sends_company_recipient_idx ON message_sends (company_id, recipient_hash, sent_at) WHERE recipient_hash IS NOT NULL;
COMMENT ON TABLE message_sends IS 'One row per email/SMS send (derived, upserted); recipient only as a SHA-256 hash.';

-- section: events (append-only) -----------------------------------------------------------------------------
CREATE TABLE message_events (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  provider           text NOT NULL CHECK (provider ~ '^[a-z0-9_-]{1,40}$'),
  -- Mailgun event-data.id, Twilio MessageSid:MessageStatus, lux:<uuid> for first-party pixel/click hits
  provider_event_id  text NOT NULL CHECK (length(provider_event_id) BETWEEN 1 AND 300),
  -- the send it belongs to; NULL for an inbound SMS reply that matches no send
  send_id            text,
  channel            text NOT NULL CHECK (channel IN ('email', 'sms')),
  event_type         text NOT NULL CHECK (event_type IN ('accepted', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'failed',
                                                         'unsubscribed', 'complained', 'opted_out', 'replied')),
  occurred_at        timestamptz NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  recipient_hash     text CHECK (recipient_hash ~ '^[0-9a-f]{64}$'),
  -- failed: permanent | temporary (Mailgun severity); bounced is always permanent
  severity           text CHECK (severity IN ('permanent', 'temporary')),
  reason             text CHECK (length(reason) <= 500),
  -- clicked: the URL clicked (emails scrubbed)
  url                text CHECK (length(url) <= 2048),
  -- opened: machine opens by a privacy proxy (Apple Mail Privacy Protection, ...) and why we think so
  proxy_open         boolean NOT NULL DEFAULT false,
  proxy_reason       text CHECK (length(proxy_reason) <= 200),
  -- where it came from: a raw webhook, the collector's pixel / redirect, or the send-log API
  webhook_id         bigint,
  recorded_by        text NOT NULL CHECK (recorded_by IN ('webhook', 'pixel', 'redirect', 'send_log')),
  PRIMARY KEY (company_id, provider, provider_event_id)
);
CREATE INDEX message_events_company_occurred_idx ON message_events (company_id, occurred_at);
CREATE INDEX message_events_company_send_idx ON message_events (company_id, provider, send_id, event_type, occurred_at);
COMMENT ON TABLE message_events IS 'Append-only email/SMS events, unique per provider event id. UPDATE, DELETE and TRUNCATE are rejected by triggers.';
CREATE TRIGGER message_events_no_update_delete BEFORE UPDATE OR DELETE ON message_events
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER message_events_no_truncate BEFORE TRUNCATE ON message_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

-- section: SMS short links -----------------------------------------------------------------------------------
-- /m/s/<code>.<signature>: the code names this row (the signature, an HMAC of the code, proves we issued
-- it). Codes are globally unique so the collector can find the company before it knows it.
CREATE TABLE message_links (
  company_id  uuid NOT NULL REFERENCES companies (company_id),
  code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{8,32}$'),
  provider    text NOT NULL,
  send_id     text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  url         text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, code),
  UNIQUE (code)
);

CREATE FUNCTION resolve_message_link(p_code text)
  RETURNS TABLE (company_id uuid, provider text, send_id text, channel text, url text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT l.company_id, l.provider, l.send_id, l.channel, l.url FROM message_links l WHERE l.code = p_code
  $$;
REVOKE ALL ON FUNCTION resolve_message_link(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_message_link(text) TO lux_app;

-- section: per-send metrics ------------------------------------------------------------------------------------
-- One row per send with what happened to it (a send counts once per kind, however many events).
CREATE VIEW fct_message_sends WITH (security_barrier = true, security_invoker = true) AS
  SELECT s.company_id, s.provider, s.send_id, s.channel, s.campaign_id, s.message_id, s.creative_id, s.sent_at,
    -- section: outcomes
    bool_or(e.event_type = 'delivered') IS TRUE AS delivered,
    bool_or(e.event_type = 'bounced' OR (e.event_type = 'failed' AND e.severity = 'permanent')) IS TRUE AS bounced,
    bool_or(e.event_type = 'opened') IS TRUE AS opened,
    bool_or(e.event_type = 'opened' AND NOT e.proxy_open) IS TRUE AS opened_by_person,
    (bool_or(e.event_type = 'opened') AND NOT bool_or(e.event_type = 'opened' AND NOT e.proxy_open)) IS TRUE AS proxy_open_only,
    bool_or(e.event_type = 'clicked') IS TRUE AS clicked,
    bool_or(e.event_type = 'unsubscribed') IS TRUE AS unsubscribed,
    bool_or(e.event_type = 'complained') IS TRUE AS complained,
    bool_or(e.event_type = 'opted_out') IS TRUE AS opted_out,
    bool_or(e.event_type = 'replied') IS TRUE AS replied,
    count(*) FILTER (WHERE e.event_type = 'clicked') AS clicks
  FROM message_sends s
  LEFT JOIN message_events e ON e.company_id = s.company_id AND e.provider = s.provider AND e.send_id = s.send_id
  GROUP BY s.company_id, s.provider, s.send_id;
COMMENT ON VIEW fct_message_sends IS 'One row per send with delivered/opened/clicked/... flags (docs/messages.md).';

-- section: message rollup -------------------------------------------------------------------------------------
-- Written by rollupMessagesDay (delete + insert per company and day, one transaction). Counts are distinct
-- sends whose *first* event of a kind fell on this day, so summing days gives each send once; sends on
-- their send day; attributed orders on their purchase day (docs/messages.md).
CREATE TABLE agg_daily_messages (
  company_id             uuid NOT NULL REFERENCES companies (company_id),
  day                    date NOT NULL,
  channel                text NOT NULL CHECK (channel IN ('email', 'sms')),
  provider               text NOT NULL,
  -- '' when the send names no campaign
  campaign_id            text NOT NULL,
  sends                  integer NOT NULL DEFAULT 0,
  delivered              integer NOT NULL DEFAULT 0,
  bounced                integer NOT NULL DEFAULT 0,
  failed                 integer NOT NULL DEFAULT 0,
  -- sends opened (first open on this day), of which by a person (at least one non-proxy open) and proxy only
  opened                 integer NOT NULL DEFAULT 0,
  opened_by_person       integer NOT NULL DEFAULT 0,
  proxy_opens            integer NOT NULL DEFAULT 0,
  clicked                integer NOT NULL DEFAULT 0,
  clicks_total           integer NOT NULL DEFAULT 0,
  unsubscribed           integer NOT NULL DEFAULT 0,
  complained             integer NOT NULL DEFAULT 0,
  opted_out              integer NOT NULL DEFAULT 0,
  responses              integer NOT NULL DEFAULT 0,
  attributed_orders      integer NOT NULL DEFAULT 0,
  -- in the company's reporting currency; orders without an FX rate are counted in revenue_fx_missing and left out
  currency               char(3) NOT NULL,
  attributed_revenue_minor bigint NOT NULL DEFAULT 0,
  revenue_fx_missing     integer NOT NULL DEFAULT 0,
  computed_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, day, channel, provider, campaign_id)
);

-- Which message each order is credited to (last message click within 5 days before the purchase by the
-- same person), written with the rollup of the order's purchase day.
CREATE TABLE message_order_attribution (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  order_source    text NOT NULL,
  order_external_id text NOT NULL,
  day             date NOT NULL,
  provider        text NOT NULL,
  send_id         text NOT NULL,
  channel         text NOT NULL,
  campaign_id     text NOT NULL,
  clicked_at      timestamptz NOT NULL,
  purchased_at    timestamptz NOT NULL,
  -- recipient_hash: the send's recipient is the order's email; landing_session: the click's landing session
  -- (lux_mid in its landing page) belongs to the order's visitor
  matched_by      text NOT NULL CHECK (matched_by IN ('recipient_hash', 'landing_session')),
  currency        char(3) NOT NULL,
  revenue_minor   bigint NOT NULL,
  revenue_reporting_minor bigint,
  PRIMARY KEY (company_id, order_source, order_external_id)
);
CREATE INDEX message_order_attribution_day_idx ON message_order_attribution (company_id, day);

-- section: creatives ---------------------------------------------------------------------------------------------
ALTER TABLE ad_spend ADD COLUMN concept_angle text CHECK (length(concept_angle) <= 100);

CREATE TABLE creatives (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  -- google_ads, meta, tiktok (from ad_spend), or web (seen only on events: snippet creative_id / utm_content)
  platform       text NOT NULL CHECK (platform ~ '^[a-z0-9_-]{1,40}$'),
  creative_id    text NOT NULL CHECK (length(creative_id) BETWEEN 1 AND 200),
  ad_id          text,
  name           text CHECK (length(name) <= 1000),
  concept_angle  text CHECK (length(concept_angle) <= 100),
  -- the first day with impressions (or, for web creatives, the first event)
  first_seen_on  date NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, platform, creative_id)
);

CREATE TABLE agg_daily_creatives (
  company_id              uuid NOT NULL REFERENCES companies (company_id),
  day                     date NOT NULL,
  platform                text NOT NULL,
  creative_id             text NOT NULL,
  concept_angle           text,
  impressions             bigint NOT NULL DEFAULT 0,
  clicks                  bigint NOT NULL DEFAULT 0,
  spend_reporting_minor   bigint NOT NULL DEFAULT 0,
  spend_fx_missing        integer NOT NULL DEFAULT 0,
  -- sessions that landed from this creative (snippet creative_id, properties.creative_id or utm_content)
  sessions                integer NOT NULL DEFAULT 0,
  purchases               integer NOT NULL DEFAULT 0,
  days_since_first        integer NOT NULL,
  cumulative_impressions  bigint NOT NULL,
  currency                char(3) NOT NULL,
  computed_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, day, platform, creative_id)
);
CREATE INDEX agg_daily_creatives_creative_idx ON agg_daily_creatives (company_id, platform, creative_id, day);

CREATE TABLE creative_fatigue (
  company_id             uuid NOT NULL REFERENCES companies (company_id),
  platform               text NOT NULL,
  creative_id            text NOT NULL,
  as_of                  date NOT NULL,
  status                 text NOT NULL CHECK (status IN ('fatigued', 'healthy', 'insufficient_data')),
  -- the first day the rule held (lib/creatives/fatigue.ts), NULL unless fatigued
  fatigued_since         date,
  peak_ctr               numeric,
  peak_day               date,
  current_ctr            numeric,
  -- how far the current rolling CTR is below the peak: 0.4 = 40 % lower
  drop_share             numeric,
  cumulative_impressions bigint NOT NULL,
  -- least-squares slope of daily CTR over days since first impression (CTR points per day)
  decay_slope            numeric,
  reason                 text NOT NULL,
  params                 jsonb NOT NULL,
  computed_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, platform, creative_id)
);

-- section: row level security and grants ----------------------------------------------------------------------
SELECT enable_tenant_isolation('message_sends');
SELECT enable_tenant_isolation('message_events');
SELECT enable_tenant_isolation('message_links');
SELECT enable_tenant_isolation('agg_daily_messages');
SELECT enable_tenant_isolation('message_order_attribution');
SELECT enable_tenant_isolation('creatives');
SELECT enable_tenant_isolation('agg_daily_creatives');
SELECT enable_tenant_isolation('creative_fatigue');

GRANT SELECT, INSERT, UPDATE ON message_sends TO lux_app;
GRANT SELECT, INSERT ON message_events, message_links TO lux_app; -- never UPDATE, DELETE or TRUNCATE
GRANT SELECT, INSERT, UPDATE ON creatives TO lux_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON agg_daily_messages, message_order_attribution, agg_daily_creatives, creative_fatigue TO lux_app;
GRANT SELECT ON fct_message_sends TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS fct_message_sends;
DROP FUNCTION IF EXISTS resolve_message_link(text);
DROP TABLE IF EXISTS creative_fatigue, agg_daily_creatives, creatives, message_order_attribution, agg_daily_messages,
  message_links, message_events, message_sends;
ALTER TABLE ad_spend DROP COLUMN IF EXISTS concept_angle;
ALTER TABLE integration_credentials DROP CONSTRAINT integration_credentials_source_check;
ALTER TABLE integration_credentials ADD CONSTRAINT integration_credentials_source_check
  CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'gohighlevel', 'google_ads', 'meta', 'tiktok'));
