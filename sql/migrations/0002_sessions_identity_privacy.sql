-- Up Migration
--
-- The collector's tables beyond raw_events: enrichment columns on raw_events, sessions (derived),
-- identity links (derived), the suppression list, and counters of events we chose not to store.

-- section: raw_events additions ---------------------------------------------------------------------
ALTER TABLE raw_events
  ADD COLUMN email_hash    text CHECK (email_hash ~ '^[0-9a-f]{64}$'),
  ADD COLUMN gpc           boolean NOT NULL DEFAULT false,
  -- false for events stored under the GPC "anonymize" policy: never sent on to ad platforms.
  ADD COLUMN forwardable   boolean NOT NULL DEFAULT true,
  ADD COLUMN creative_id   text CHECK (length(creative_id) <= 128),
  ADD COLUMN concept_angle text CHECK (length(concept_angle) <= 100);
CREATE INDEX raw_events_company_session_idx ON raw_events (company_id, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX raw_events_company_visitor_idx ON raw_events (company_id, visitor_id, occurred_at) WHERE visitor_id IS NOT NULL;

-- section: sessions (derived; kept current from each committed batch) ------------------------------
CREATE TABLE sessions (
  company_id       uuid NOT NULL REFERENCES companies (company_id),
  session_id       text NOT NULL,
  visitor_id       text,
  user_id          text,
  started_at       timestamptz NOT NULL,
  last_seen_at     timestamptz NOT NULL,
  landing_page     text,
  referrer         text,
  referrer_host    text,
  utm_source       text,
  utm_medium       text,
  utm_campaign     text,
  utm_term         text,
  utm_content      text,
  click_ids        jsonb NOT NULL DEFAULT '{}'::jsonb,
  channel          text NOT NULL,
  channel_rule     text NOT NULL,
  -- utm source|medium|campaign + click-id kinds of the landing; a different one starts a new session.
  campaign_key     text NOT NULL DEFAULT '',
  device_type      text,
  browser          text,
  os               text,
  event_count      integer NOT NULL DEFAULT 0,
  page_view_count  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (company_id, session_id)
);
CREATE INDEX sessions_company_started_idx ON sessions (company_id, started_at);
CREATE INDEX sessions_company_visitor_idx ON sessions (company_id, visitor_id, last_seen_at);
COMMENT ON TABLE sessions IS 'Derived from raw_events: landing page, source and counts per session. Recomputable.';

-- section: identity links (derived) -------------------------------------------------------------------
-- visitor ↔ user (and hashed email) seen together on identify/signup/login or any event with a user_id.
CREATE TABLE identity_links (
  company_id    uuid NOT NULL REFERENCES companies (company_id),
  visitor_id    text NOT NULL,
  user_id       text NOT NULL DEFAULT '',
  email_hash    text NOT NULL DEFAULT '' CHECK (email_hash = '' OR email_hash ~ '^[0-9a-f]{64}$'),
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  PRIMARY KEY (company_id, visitor_id, user_id, email_hash)
);
CREATE INDEX identity_links_user_idx ON identity_links (company_id, user_id) WHERE user_id <> '';
CREATE INDEX identity_links_email_idx ON identity_links (company_id, email_hash) WHERE email_hash <> '';

-- section: suppression list ------------------------------------------------------------------------------
-- A person asked not to be tracked: nothing more is captured for these ids (nor for visitors linked to them).
CREATE TABLE suppressions (
  company_id uuid NOT NULL REFERENCES companies (company_id),
  kind       text NOT NULL CHECK (kind IN ('visitor_id', 'user_id', 'email_hash')),
  value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
  reason     text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, kind, value)
);

-- section: events not stored, counted -------------------------------------------------------------------
-- "Not stored" never means "silently lost": every drop is counted per company-local day and reason.
CREATE TABLE ingest_drops (
  company_id uuid NOT NULL REFERENCES companies (company_id),
  day        date NOT NULL,
  reason     text NOT NULL CHECK (reason IN ('bot', 'gpc', 'consent_denied', 'consent_missing', 'tracking_disabled', 'suppressed')),
  events     bigint NOT NULL CHECK (events >= 0),
  PRIMARY KEY (company_id, day, reason)
);

-- section: row level security -------------------------------------------------------------------------------
-- One helper so every tenant table gets exactly the same policy as those of migration 0001.
CREATE FUNCTION enable_tenant_isolation(p_table regclass) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company())',
    p_table);
END
$$;
REVOKE ALL ON FUNCTION enable_tenant_isolation(regclass) FROM PUBLIC;

SELECT enable_tenant_isolation('sessions');
SELECT enable_tenant_isolation('identity_links');
SELECT enable_tenant_isolation('suppressions');
SELECT enable_tenant_isolation('ingest_drops');

GRANT SELECT, INSERT, UPDATE ON sessions, identity_links, ingest_drops TO lux_app;
GRANT SELECT, INSERT, DELETE ON suppressions TO lux_app;

-- Down Migration
DROP FUNCTION IF EXISTS enable_tenant_isolation(regclass);
DROP TABLE IF EXISTS ingest_drops;
DROP TABLE IF EXISTS suppressions;
DROP TABLE IF EXISTS identity_links;
DROP TABLE IF EXISTS sessions;
DROP INDEX IF EXISTS raw_events_company_visitor_idx;
DROP INDEX IF EXISTS raw_events_company_session_idx;
ALTER TABLE raw_events
  DROP COLUMN IF EXISTS concept_angle,
  DROP COLUMN IF EXISTS creative_id,
  DROP COLUMN IF EXISTS forwardable,
  DROP COLUMN IF EXISTS gpc,
  DROP COLUMN IF EXISTS email_hash;
