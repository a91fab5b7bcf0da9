-- Up Migration
--
-- Customer Match audience uploads (docs/audiences.md): hashed emails of a segment of a company's
-- customers (purchasers, repeat purchasers, lapsed purchasers), only of people with ads consent who have
-- not opted out, kept in sync with a Google Ads customer list by daily diffs.
--
--   audience_settings  tenant config: per company, destination and audience, whether it is synced (off
--                      unless a row says enabled), its non-secret settings, and the Google user list it
--                      was created as (once; its resource name is kept so every sync reuses it).
--   audience_members   derived bookkeeping: one row per email hash LUX has put (or is putting) on the
--                      list. uploaded_at says Google has it; pending_op/pending_sync_id say which sync is
--                      adding or removing it. A removed member's row is deleted once Google has run the
--                      removal, so an opted-out or deleted person's hash is not kept longer than needed
--                      to take it off the list.
--   audience_syncs     the outbox of audience uploads: one row per planned sync with its diff (adds,
--                      removes, refreshes), why others were left out (counts per reason), and the
--                      progress of its Google offline user data jobs (job resource names, batches
--                      accepted, run requested), so a retry resumes where the last attempt stopped and
--                      never sends a batch Google already accepted.

-- section: settings --------------------------------------------------------------------------------------
CREATE TABLE audience_settings (
  company_id               uuid NOT NULL REFERENCES companies (company_id),
  destination              text NOT NULL DEFAULT 'google_ads' CHECK (destination IN ('google_ads')),
  audience                 text NOT NULL CHECK (audience IN ('purchasers', 'repeat_purchasers', 'lapsed_purchasers')),
  enabled                  boolean NOT NULL DEFAULT false,
  -- {customerId?, membershipLifeSpanDays?, lapsedAfterDays?}: validated by lib/audiences/settings.ts
  config                   jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
  -- customers/{cid}/userLists/{id}, set by the first sync that created the list
  user_list_resource_name  text CHECK (user_list_resource_name ~ '^customers/\d{10}/userLists/\d+$'),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, destination, audience)
);
COMMENT ON TABLE audience_settings IS 'Per company × destination × audience: synced or not, settings, and the user list it was created as.';

-- section: the outbox of syncs -----------------------------------------------------------------------------
CREATE TABLE audience_syncs (
  company_id          uuid NOT NULL REFERENCES companies (company_id),
  sync_id             bigint GENERATED ALWAYS AS IDENTITY,
  destination         text NOT NULL,
  audience            text NOT NULL,
  -- pending: planned, not finished (a retry resumes it); sent: every job Google was given has been run
  -- and the member rows say so; no_changes: nothing to add or remove; failed: a permanent vendor error or
  -- retries exhausted (last_error). An unfinished sync is resumed by the next plan, never replaced.
  status              text NOT NULL CHECK (status IN ('pending', 'sent', 'no_changes', 'failed')),
  adds                integer NOT NULL DEFAULT 0 CHECK (adds >= 0),
  removes             integer NOT NULL DEFAULT 0 CHECK (removes >= 0),
  -- adds that re-upload a member before its membership expires at Google (counted in adds too)
  refreshes           integer NOT NULL DEFAULT 0 CHECK (refreshes >= 0),
  -- adds left for the next sync because a job holds at most max_per_job identifiers
  deferred            integer NOT NULL DEFAULT 0 CHECK (deferred >= 0),
  -- people of the segment not uploaded, counted by reason (no_ads_consent, suppressed, gpc, ...)
  excluded            jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(excluded) = 'object'),
  batch_size          integer NOT NULL CHECK (batch_size BETWEEN 1 AND 10000),
  -- section: Google's offline user data jobs (one for removals, one for additions)
  remove_job          text,
  remove_batches_sent integer NOT NULL DEFAULT 0 CHECK (remove_batches_sent >= 0),
  remove_run_at       timestamptz,
  add_job             text,
  add_batches_sent    integer NOT NULL DEFAULT 0 CHECK (add_batches_sent >= 0),
  add_run_at          timestamptz,
  -- what Google said about operations it refused one by one (partialFailureError of addOperations): error
  -- codes and messages per job kind, never the hashes (those are flagged on audience_members.refused)
  partial_failure     jsonb,
  -- section: delivery
  attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- one sending attempt at a time: a second worker waits until the claim is released or has expired
  claimed_until       timestamptz,
  last_error          text,
  workflow_id         text,
  planned_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, sync_id),
  FOREIGN KEY (company_id, destination, audience) REFERENCES audience_settings (company_id, destination, audience)
);
CREATE INDEX audience_syncs_audience_idx ON audience_syncs (company_id, destination, audience, planned_at DESC);
-- at most one unfinished sync per audience: planning resumes it instead of starting another
CREATE UNIQUE INDEX audience_syncs_one_pending_idx ON audience_syncs (company_id, destination, audience) WHERE status = 'pending';
COMMENT ON TABLE audience_syncs IS 'One row per planned audience sync: the diff, exclusions by reason, Google job progress, attempts and errors.';

-- section: members -----------------------------------------------------------------------------------------
CREATE TABLE audience_members (
  company_id       uuid NOT NULL REFERENCES companies (company_id),
  destination      text NOT NULL,
  audience         text NOT NULL,
  -- our storage hash (trim + lower-case, SHA-256 hex), which is Google's Customer Match normalisation
  email_hash       text NOT NULL CHECK (email_hash ~ '^[0-9a-f]{64}$'),
  -- when Google last ran a job that added it; NULL while its first addition is still pending
  uploaded_at      timestamptz,
  pending_op       text CHECK (pending_op IN ('add', 'remove')),
  pending_sync_id  bigint,
  -- Google refused this member's pending operation (partialFailureError): left out when the sync commits
  refused          boolean NOT NULL DEFAULT false,
  PRIMARY KEY (company_id, destination, audience, email_hash),
  FOREIGN KEY (company_id, destination, audience) REFERENCES audience_settings (company_id, destination, audience),
  FOREIGN KEY (company_id, pending_sync_id) REFERENCES audience_syncs (company_id, sync_id),
  CHECK ((pending_op IS NULL) = (pending_sync_id IS NULL)),
  CHECK (uploaded_at IS NOT NULL OR pending_op = 'add')
);
CREATE INDEX audience_members_pending_idx ON audience_members (company_id, pending_sync_id, pending_op, email_hash) WHERE pending_sync_id IS NOT NULL;
COMMENT ON TABLE audience_members IS 'Email hashes LUX has put on (or is adding to / removing from) a destination audience; what makes a sync a diff.';

-- section: row level security and grants ---------------------------------------------------------------
SELECT enable_tenant_isolation('audience_settings');
SELECT enable_tenant_isolation('audience_syncs');
SELECT enable_tenant_isolation('audience_members');
GRANT SELECT, INSERT, UPDATE ON audience_settings TO lux_app;
GRANT SELECT, INSERT, UPDATE ON audience_syncs TO lux_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON audience_members TO lux_app;

-- Down Migration
DROP TABLE IF EXISTS audience_members, audience_syncs, audience_settings;
