-- Up Migration
--
-- Admin and dashboard access: per-company users with a role, and the audit log of admin actions.
--
--   * admin_users: people who sign in (POST /admin/login) and get a signed session token
--     (lib/auth/session-token.ts). role admin: everything; analyst: read-only (dashboards). Passwords are
--     scrypt hashes (lib/auth/passwords.ts), never stored in clear. Created by the owner through
--     `npm run lux -- users add`; the app role only reads them.
--   * audit_log: one row per admin action (every POST/PUT/PATCH/DELETE under /admin, logins included),
--     with who (a secret key's prefix or a user id), what, the answer's status. Append-only: the
--     app role may insert and read, triggers reject UPDATE, DELETE and TRUNCATE for everyone.

CREATE TABLE admin_users (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  user_id        uuid NOT NULL DEFAULT gen_random_uuid(),
  login          text NOT NULL CHECK (login ~ '^[a-z0-9][a-z0-9._@+-]{0,99}$'),
  password_hash  text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
  role           text NOT NULL CHECK (role IN ('admin', 'analyst')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz,
  PRIMARY KEY (company_id, user_id),
  UNIQUE (company_id, login)
);
COMMENT ON TABLE admin_users IS 'People with admin (everything) or analyst (read-only) access to one company; scrypt password hashes.';

CREATE TABLE audit_log (
  company_id  uuid NOT NULL REFERENCES companies (company_id),
  audit_id    uuid NOT NULL DEFAULT gen_random_uuid(),
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_kind  text NOT NULL CHECK (actor_kind IN ('secret_key', 'user', 'anonymous')),
  -- secret key: its non-secret prefix (lux_sk_xxxxx); user: the user id; anonymous: the login tried
  actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 200),
  target      text CHECK (length(target) <= 500),
  status      integer NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
  PRIMARY KEY (company_id, audit_id)
);
CREATE INDEX audit_log_company_at_idx ON audit_log (company_id, at);
COMMENT ON TABLE audit_log IS 'Every admin action: who, what, when, outcome. Append-only (triggers reject UPDATE, DELETE, TRUNCATE).';
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

SELECT enable_tenant_isolation('admin_users');
SELECT enable_tenant_isolation('audit_log');
GRANT SELECT ON admin_users TO lux_app;
GRANT SELECT, INSERT ON audit_log TO lux_app;

-- Down Migration
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS admin_users;
