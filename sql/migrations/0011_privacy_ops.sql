-- Up Migration
--
-- Privacy operations: the log of data subject requests (export, delete, opt-out) and the grants the
-- deletion needs (lib/privacy/dsr.ts; docs/privacy.md says what each request does and does not touch).
--
-- The person is never stored here in clear: subject_digest is SHA-256 of "<kind>:<value>" (for an email,
-- of its normalised hash), so the log proves a request was handled without keeping who asked.

CREATE TABLE dsr_requests (
  company_id      uuid NOT NULL REFERENCES companies (company_id),
  request_id      uuid NOT NULL DEFAULT gen_random_uuid(),
  action          text NOT NULL CHECK (action IN ('export', 'delete', 'opt_out')),
  subject_kind    text NOT NULL CHECK (subject_kind IN ('email_hash', 'user_id', 'visitor_id')),
  subject_digest  text NOT NULL CHECK (subject_digest ~ '^[0-9a-f]{64}$'),
  requested_via   text NOT NULL CHECK (requested_via IN ('cli', 'admin_api')),
  reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  -- what was found / changed, as counts per table (never the rows themselves)
  counts          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(counts) = 'object'),
  requested_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, request_id)
);
CREATE INDEX dsr_requests_company_subject_idx ON dsr_requests (company_id, subject_digest);
COMMENT ON TABLE dsr_requests IS 'Data subject requests handled (export, delete, opt-out): who (as a digest), what, when, counts. Append-only for the app.';

SELECT enable_tenant_isolation('dsr_requests');
GRANT SELECT, INSERT ON dsr_requests TO lux_app;
-- A deletion removes a person's derived rows through the app role (POST /admin/dsr/delete).
GRANT DELETE ON sessions, identity_links TO lux_app;

-- Down Migration
REVOKE DELETE ON sessions, identity_links FROM lux_app;
DROP TABLE IF EXISTS dsr_requests;
