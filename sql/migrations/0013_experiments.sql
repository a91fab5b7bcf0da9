-- Up Migration
--
-- Experiments (issue 9, the Ops velocity dashboard): one row per test a team runs (an ad creative, a
-- landing page, an email subject line), when it launched, when it was decided and how. Recorded with
-- `npm run lux -- experiments add|decide` or POST /admin/experiments (lib/experiments/experiments.ts).
-- Tenant config, not derived: nothing recomputes it.
CREATE TABLE experiments (
  company_id     uuid NOT NULL REFERENCES companies (company_id),
  experiment_id  uuid NOT NULL DEFAULT gen_random_uuid(),
  name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  hypothesis     text CHECK (length(hypothesis) <= 2000),
  -- where the test runs (a channel label as in docs/channels.md, or free text such as 'Landing page')
  channel        text CHECK (length(channel) <= 100),
  -- company-local days
  launched_on    date NOT NULL,
  decided_on     date,
  -- win: the variant beat the control and ships; loss: it did not; inconclusive: no clear result
  outcome        text CHECK (outcome IN ('win', 'loss', 'inconclusive')),
  notes          text CHECK (length(notes) <= 2000),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, experiment_id),
  UNIQUE (company_id, name),
  CHECK ((decided_on IS NULL) = (outcome IS NULL)),
  CHECK (decided_on IS NULL OR decided_on >= launched_on)
);
CREATE INDEX experiments_company_launched_idx ON experiments (company_id, launched_on);
COMMENT ON TABLE experiments IS 'Tests launched and decided (win / loss / inconclusive), for the Ops velocity dashboard.';

SELECT enable_tenant_isolation('experiments');
GRANT SELECT, INSERT, UPDATE ON experiments TO lux_app;

-- Down Migration
DROP TABLE IF EXISTS experiments;
