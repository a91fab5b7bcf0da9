-- Up Migration
--
-- Alerts and insights (issue 8). After each daily rollup, evaluateAlertsWorkflow reads the rollup tables
-- for one company-local day, runs the pure rules of lib/alerts/ and keeps what fired here; the digest of a
-- company's open alerts is then mailed once (docs/alerts.md).
--
--   alert_settings    per company: who gets the emails, threshold overrides (merged over the defaults of
--                     lib/alerts/thresholds.ts), the cooldown, and an on/off switch.
--   alerts            derived: one row per condition that fired, unique per (company, dedupe key), so a
--                     retried or repeated evaluation of a day updates its row instead of adding one.
--   alert_deliveries  one row per digest (company, evaluation): the deterministic Message-ID, recipients,
--                     status and attempts. The claim-send-mark protocol of sendAlertDigest runs on it.

-- section: settings -------------------------------------------------------------------------------------------
CREATE TABLE alert_settings (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  enabled        boolean NOT NULL DEFAULT true,
  recipients     text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recipients) <= 50),
  -- partial overrides, e.g. {"cpa": {"maxIncrease": 0.3}}; validated by lib/alerts/thresholds.ts on write and read
  thresholds     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(thresholds) = 'object'),
  -- the same rule + dimension is not mailed again within this many days of a sent alert
  cooldown_days  integer NOT NULL DEFAULT 7 CHECK (cooldown_days BETWEEN 0 AND 90),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id)
);
COMMENT ON TABLE alert_settings IS 'Per-company alert recipients, threshold overrides and cooldown (lux alerts recipients|thresholds).';

-- section: deliveries ------------------------------------------------------------------------------------------
CREATE TABLE alert_deliveries (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  delivery_id    bigint GENERATED ALWAYS AS IDENTITY,
  -- the evaluation that produced the digest: `<workflow id>:<run id>` of evaluateAlertsWorkflow
  evaluation_id  text NOT NULL CHECK (length(evaluation_id) BETWEEN 1 AND 500),
  day            date NOT NULL,
  channel        text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'slack')),
  -- deterministic, derived from company + evaluation (lib/alerts/digest.ts): a re-send carries the same id
  message_id     text NOT NULL,
  recipients     text[] NOT NULL DEFAULT '{}',
  alert_count    integer NOT NULL DEFAULT 0,
  -- pending: claimed, not yet accepted by the SMTP server; sent: accepted; no_recipients: nothing to send to;
  -- nothing_to_send: every alert of the day was already sent or suppressed
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'no_recipients', 'nothing_to_send')),
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text CHECK (length(last_error) <= 2000),
  smtp_response  text CHECK (length(smtp_response) <= 2000),
  claimed_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz,
  PRIMARY KEY (company_id, delivery_id),
  UNIQUE (company_id, evaluation_id, channel)
);

-- section: alerts ----------------------------------------------------------------------------------------------
CREATE TABLE alerts (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  alert_id           bigint GENERATED ALWAYS AS IDENTITY,
  rule               text NOT NULL CHECK (rule ~ '^[a-z_]{1,60}$'),
  -- the company-local day evaluated when the alert first fired
  day                date NOT NULL,
  dimension_kind     text NOT NULL CHECK (dimension_kind IN ('overall', 'channel', 'campaign', 'step', 'creative')),
  dimension_value    text NOT NULL CHECK (length(dimension_value) <= 500),
  severity           text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  -- the numbers: current vs baseline, change = (current - baseline) / baseline; unit says how to read them
  unit               text NOT NULL CHECK (unit IN ('money_minor', 'rate', 'count')),
  current_value      numeric NOT NULL,
  baseline_value     numeric NOT NULL,
  change             numeric NOT NULL,
  contributors       jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(contributors) = 'array'),
  details            jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
  title              text NOT NULL,
  explanation        text NOT NULL,
  explanation_html   text NOT NULL,
  -- rule|dimension kind|dimension value|day (or the episode, for creative fatigue): lib/alerts/evaluate.ts
  dedupe_key         text NOT NULL CHECK (length(dedupe_key) <= 700),
  -- open: to be mailed; sent: in a digest the SMTP server accepted; suppressed_cooldown: the same rule +
  -- dimension was mailed within the cooldown; resolved: a re-evaluation of its day no longer fires it
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'suppressed_cooldown', 'resolved')),
  delivery_id        bigint,
  delivery_attempts  integer NOT NULL DEFAULT 0,
  first_sent_at      timestamptz,
  evaluation_id      text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, alert_id),
  UNIQUE (company_id, dedupe_key),
  FOREIGN KEY (company_id, delivery_id) REFERENCES alert_deliveries (company_id, delivery_id)
);
CREATE INDEX alerts_company_day_idx ON alerts (company_id, day);
-- the cooldown lookup: the latest sent alert of a rule + dimension
CREATE INDEX alerts_company_rule_dimension_idx ON alerts (company_id, rule, dimension_kind, dimension_value, day) WHERE status = 'sent';
COMMENT ON TABLE alerts IS 'Alerts fired by the rules of lib/alerts (derived; one row per dedupe key). docs/alerts.md.';

-- section: row level security and grants ------------------------------------------------------------------------
SELECT enable_tenant_isolation('alert_settings');
SELECT enable_tenant_isolation('alert_deliveries');
SELECT enable_tenant_isolation('alerts');
GRANT SELECT, INSERT, UPDATE ON alert_settings, alert_deliveries, alerts TO lux_app;

-- Down Migration
DROP TABLE IF EXISTS alerts, alert_deliveries, alert_settings;
