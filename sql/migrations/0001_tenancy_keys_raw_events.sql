-- Up Migration
--
-- Foundation schema: tenants (companies), their keys, and the append-only raw event log.
--
-- Who can do what:
--   * the migration role (owner of every table) bypasses Row Level Security; it runs migrations and
--     admin commands only;
--   * lux_app (collector, workers, dashboards) is NOT an owner, so RLS applies to it. It sees only the
--     rows of the company named by the per-transaction setting app.company_id (see lib/db/tenant.ts).

-- section: the application role -------------------------------------------------------------------
-- Roles are cluster-wide, so a second database (tests create one per file) finds it already there.
DO $$
BEGIN
  CREATE ROLE lux_app LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO lux_app;

-- section: the tenant of the current transaction ----------------------------------------------------
-- NULL when unset, so a query outside withTenant() sees no tenant rows at all (fails closed).
CREATE FUNCTION app_current_company() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.company_id', true), '')::uuid $$;

-- section: companies ------------------------------------------------------------------------------
CREATE TABLE companies (
  company_id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  time_zone          text NOT NULL,
  reporting_currency char(3) NOT NULL CHECK (reporting_currency ~ '^[A-Z]{3}$'),
  settings           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
  tracking_enabled   boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE companies IS 'Tenants. Days are reported in time_zone; money in reporting_currency (ISO 4217).';

-- A CHECK constraint cannot consult pg_timezone_names (not immutable), so a trigger validates it.
CREATE FUNCTION companies_validate() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
    RAISE EXCEPTION 'companies.time_zone: "%" is not an IANA time zone known to this server', NEW.time_zone
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER companies_validate BEFORE INSERT OR UPDATE ON companies
  FOR EACH ROW EXECUTE FUNCTION companies_validate();

-- section: keys -----------------------------------------------------------------------------------
-- Site keys are public (they sit in the storefront's HTML); they only allow sending events.
CREATE TABLE site_keys (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  site_key        text NOT NULL CHECK (site_key ~ '^lux_pk_[A-Za-z0-9_-]{16,64}$'),
  label           text NOT NULL DEFAULT 'default',
  -- Storefront origins allowed by CORS; empty means any origin (the key is public anyway).
  allowed_origins text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz,
  PRIMARY KEY (company_id, site_key),
  UNIQUE (site_key)
);

-- Secret keys are shown once at creation; only their SHA-256 is stored. They are 32 random bytes,
-- so a fast hash is enough (nothing to brute-force), and lookups stay O(1) by hash.
CREATE TABLE secret_keys (
  company_id  uuid NOT NULL REFERENCES companies (company_id),
  key_id      uuid NOT NULL DEFAULT gen_random_uuid(),
  key_hash    text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix  text NOT NULL CHECK (length(key_prefix) BETWEEN 8 AND 16),
  label       text NOT NULL DEFAULT 'default',
  scopes      text[] NOT NULL DEFAULT '{ingest}' CHECK (scopes <@ ARRAY['ingest', 'admin']::text[]),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (company_id, key_id),
  UNIQUE (key_hash)
);

-- section: raw events (append-only) ------------------------------------------------------------------
CREATE TABLE raw_events (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  event_id           uuid NOT NULL,
  event_name         text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 100),
  -- occurred_at is the client's time clamped to a sane window around received_at;
  -- client_occurred_at keeps what the client said, for audits.
  occurred_at        timestamptz NOT NULL,
  client_occurred_at timestamptz,
  received_at        timestamptz NOT NULL DEFAULT now(),
  source             text NOT NULL CHECK (source IN ('browser', 'server')),
  visitor_id         text,
  session_id         text,
  user_id            text,
  page_url           text,
  referrer           text,
  properties         jsonb NOT NULL DEFAULT '{}'::jsonb,
  consent            jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Enrichment computed at ingest (UTMs, click ids, channel, device); never raw IPs or emails.
  context            jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip_hash            text,
  PRIMARY KEY (company_id, event_id)
);
CREATE INDEX raw_events_company_occurred_idx ON raw_events (company_id, occurred_at);
COMMENT ON TABLE raw_events IS 'Append-only event log: the truth layer. UPDATE, DELETE and TRUNCATE are rejected by triggers.';

CREATE FUNCTION reject_raw_event_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'raw_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Raw events are never changed once written; correct data downstream in a derived table.';
END
$$;
CREATE TRIGGER raw_events_no_update_delete BEFORE UPDATE OR DELETE ON raw_events
  FOR EACH ROW EXECUTE FUNCTION reject_raw_event_change();
CREATE TRIGGER raw_events_no_truncate BEFORE TRUNCATE ON raw_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_raw_event_change();

-- section: stack checks (a derived table written by the stack self-check workflow) ------------------
CREATE TABLE stack_checks (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  workflow_id     text NOT NULL,
  raw_event_count bigint NOT NULL,
  checked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, workflow_id)
);

-- section: row level security ------------------------------------------------------------------------
-- Every tenant table: RLS on, one policy keyed on app_current_company() for reads and writes.
-- test/integration/tenant-isolation.test.ts enumerates tables, so a new table without this fails.
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON companies
  USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company());
ALTER TABLE site_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON site_keys
  USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company());
ALTER TABLE secret_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON secret_keys
  USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company());
ALTER TABLE raw_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON raw_events
  USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company());
ALTER TABLE stack_checks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON stack_checks
  USING (company_id = app_current_company()) WITH CHECK (company_id = app_current_company());

-- section: grants for the application role ---------------------------------------------------------------
GRANT SELECT, UPDATE (name, time_zone, reporting_currency, settings, tracking_enabled) ON companies TO lux_app;
GRANT SELECT, INSERT, UPDATE (label, allowed_origins, revoked_at) ON site_keys TO lux_app;
GRANT SELECT, INSERT, UPDATE (label, revoked_at) ON secret_keys TO lux_app;
GRANT SELECT, INSERT ON raw_events TO lux_app; -- never UPDATE, DELETE or TRUNCATE
GRANT SELECT, INSERT, UPDATE ON stack_checks TO lux_app;

-- section: key resolution ------------------------------------------------------------------------------
-- A request arrives with a key before anyone knows its company. These two functions are the only way
-- round RLS: SECURITY DEFINER, returning just the owning company of a live key.
CREATE FUNCTION resolve_site_key(p_site_key text)
  RETURNS TABLE (company_id uuid, tracking_enabled boolean, settings jsonb, allowed_origins text[])
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.company_id, c.tracking_enabled, c.settings, k.allowed_origins
    FROM site_keys k JOIN companies c USING (company_id)
    WHERE k.site_key = p_site_key AND k.revoked_at IS NULL
  $$;

CREATE FUNCTION resolve_secret_key(p_key_hash text)
  RETURNS TABLE (company_id uuid, key_id uuid, scopes text[], tracking_enabled boolean, settings jsonb)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.company_id, k.key_id, k.scopes, c.tracking_enabled, c.settings
    FROM secret_keys k JOIN companies c USING (company_id)
    WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
  $$;

REVOKE ALL ON FUNCTION resolve_site_key(text), resolve_secret_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_site_key(text), resolve_secret_key(text) TO lux_app;
GRANT EXECUTE ON FUNCTION app_current_company() TO lux_app;

-- Down Migration
DROP FUNCTION IF EXISTS resolve_secret_key(text);
DROP FUNCTION IF EXISTS resolve_site_key(text);
DROP TABLE IF EXISTS stack_checks;
DROP TABLE IF EXISTS raw_events;
DROP FUNCTION IF EXISTS reject_raw_event_change();
DROP TABLE IF EXISTS secret_keys;
DROP TABLE IF EXISTS site_keys;
DROP TABLE IF EXISTS companies;
DROP FUNCTION IF EXISTS companies_validate();
DROP FUNCTION IF EXISTS app_current_company();
-- The lux_app role is cluster-wide and may serve other databases; it is left in place.
