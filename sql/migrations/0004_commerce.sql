-- Up Migration
--
-- Commerce: the revenue record (orders and what hangs off them), the raw webhook log they come from,
-- encrypted per-company integration credentials, and the bookkeeping of imports (cursors, rejected rows).
--
-- Layers, as everywhere: raw_webhooks is raw and append-only (like raw_events); orders, payments, ...
-- are derived from raw webhooks, import pages and storefront purchase events, and may be recomputed.
-- External records are unique on (company_id, source, external_id), so a redelivered webhook or a
-- re-import never counts twice. Money is integer minor units with an ISO currency.

-- section: append-only guard shared by raw tables -------------------------------------------------------
CREATE FUNCTION reject_append_only_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Raw records are never changed once written; correct data downstream in a derived table.';
END
$$;

-- section: integration credentials ----------------------------------------------------------------------
-- One row per (company, vendor): the credentials JSON encrypted with AES-256-GCM under LUX_CREDENTIALS_KEY
-- (lib/credentials). The company id and vendor are the associated data, so a ciphertext copied to
-- another company's row does not decrypt. key_id names the key (a hash prefix), so a wrong key fails
-- with a clear message instead of a generic authentication error.
CREATE TABLE integration_credentials (
  company_id  uuid NOT NULL REFERENCES companies (company_id),
  source      text NOT NULL CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'gohighlevel')),
  key_id      text NOT NULL,
  iv          bytea NOT NULL,
  ciphertext  bytea NOT NULL,
  auth_tag    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source)
);

-- section: raw webhooks ------------------------------------------------------------------------------------
-- Every verified delivery, byte for byte, before anything interprets it. dedupe_key identifies the vendor
-- *event* (per ../shared/REFERENCE.md rules), so a redelivery is stored once and processed once.
CREATE TABLE raw_webhooks (
  company_id   uuid NOT NULL REFERENCES companies (company_id),
  webhook_id   bigint GENERATED ALWAYS AS IDENTITY,
  source       text NOT NULL,
  topic        text NOT NULL,
  dedupe_key   text NOT NULL,
  delivery_id  text,
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- The vendor's headers that matter for audit (topic, ids, shop); never signatures or secrets.
  headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The body byte for byte, but encrypted (AES-256-GCM under LUX_CREDENTIALS_KEY, bound to company,
  -- vendor and dedupe key): vendor order payloads carry emails, names, addresses and IPs in clear, and
  -- none of that may sit readable in our database. Only the processing activity decrypts it.
  key_id           text NOT NULL,
  body_iv          bytea NOT NULL,
  body_ciphertext  bytea NOT NULL,
  body_auth_tag    bytea NOT NULL,
  body_bytes       integer NOT NULL,
  -- SHA-256 of the plaintext body: proves which bytes were received without revealing them.
  body_sha256      text NOT NULL,
  PRIMARY KEY (company_id, webhook_id),
  UNIQUE (company_id, source, dedupe_key)
);
CREATE TRIGGER raw_webhooks_no_update_delete BEFORE UPDATE OR DELETE ON raw_webhooks
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER raw_webhooks_no_truncate BEFORE TRUNCATE ON raw_webhooks
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

-- What became of each raw webhook (the raw row itself never changes).
CREATE TABLE webhook_processing (
  company_id    uuid NOT NULL REFERENCES companies (company_id),
  webhook_id    bigint NOT NULL,
  workflow_id   text,
  outcome       text NOT NULL CHECK (outcome IN ('stored', 'rejected', 'ignored')),
  records       integer NOT NULL DEFAULT 0,
  detail        text,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, webhook_id),
  FOREIGN KEY (company_id, webhook_id) REFERENCES raw_webhooks (company_id, webhook_id)
);

-- section: orders ------------------------------------------------------------------------------------------
-- source 'storefront' rows are provisional: created by a purchase event before (or without) the
-- platform's record. When the platform's record of the same order arrives (matched by order id or
-- number), it takes over: the provisional row is marked merged_into_* and stops counting, its
-- visitor/session/user links are copied over, and the platform's amounts win. fct_orders is the set to
-- count revenue from.
CREATE TABLE orders (
  company_id            uuid NOT NULL REFERENCES companies (company_id),
  source                text NOT NULL CHECK (source IN ('woocommerce', 'shopify', 'stripe', 'storefront')),
  external_id           text NOT NULL,
  order_number          text,
  -- lower-cased id/number without a leading '#': what a storefront purchase event's order_id is matched on
  order_key             text NOT NULL,
  number_key            text,
  status                text NOT NULL,
  source_status         text NOT NULL,
  currency              char(3) NOT NULL,
  total_minor           bigint NOT NULL CHECK (total_minor >= 0),
  subtotal_minor        bigint,
  tax_minor             bigint,
  shipping_minor        bigint,
  discount_minor        bigint,
  refunded_minor        bigint NOT NULL DEFAULT 0,
  customer_external_id  text,
  email_hash            text,
  created_at            timestamptz NOT NULL,
  paid_at               timestamptz,
  source_updated_at     timestamptz,
  visitor_id            text,
  session_id            text,
  user_id               text,
  -- the storefront purchase event that created or completed this order, when there was one
  purchase_event_id     uuid,
  provisional           boolean NOT NULL DEFAULT false,
  merged_into_source    text,
  merged_into_external_id text,
  merged_at             timestamptz,
  first_stored_at       timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id)
);
CREATE INDEX orders_company_created_idx ON orders (company_id, created_at);
CREATE INDEX orders_company_order_key_idx ON orders (company_id, order_key);
CREATE INDEX orders_company_number_key_idx ON orders (company_id, number_key);
CREATE INDEX orders_company_visitor_idx ON orders (company_id, visitor_id) WHERE visitor_id IS NOT NULL;
CREATE INDEX orders_company_email_idx ON orders (company_id, email_hash) WHERE email_hash IS NOT NULL;

CREATE TABLE order_items (
  company_id         uuid NOT NULL,
  source             text NOT NULL,
  order_external_id  text NOT NULL,
  external_id        text NOT NULL,
  product_id         text,
  sku                text,
  name               text,
  quantity           integer NOT NULL,
  unit_price_minor   bigint NOT NULL,
  total_minor        bigint NOT NULL,
  PRIMARY KEY (company_id, source, order_external_id, external_id),
  FOREIGN KEY (company_id, source, order_external_id) REFERENCES orders (company_id, source, external_id)
);

CREATE TABLE refunds (
  company_id           uuid NOT NULL REFERENCES companies (company_id),
  source               text NOT NULL,
  external_id          text NOT NULL,
  order_external_id    text,
  payment_external_id  text,
  amount_minor         bigint NOT NULL CHECK (amount_minor >= 0),
  currency             char(3) NOT NULL,
  reason               text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id)
);
CREATE INDEX refunds_company_order_idx ON refunds (company_id, source, order_external_id);

CREATE TABLE payments (
  company_id             uuid NOT NULL REFERENCES companies (company_id),
  source                 text NOT NULL,
  external_id            text NOT NULL,
  order_external_id      text,
  invoice_id             text,
  subscription_id        text,
  customer_external_id   text,
  email_hash             text,
  amount_minor           bigint NOT NULL CHECK (amount_minor >= 0),
  amount_refunded_minor  bigint NOT NULL DEFAULT 0,
  currency               char(3) NOT NULL,
  status                 text NOT NULL,
  source_status          text NOT NULL,
  created_at             timestamptz NOT NULL,
  visitor_id             text,
  session_id             text,
  user_id                text,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id)
);

CREATE TABLE disputes (
  company_id           uuid NOT NULL REFERENCES companies (company_id),
  source               text NOT NULL,
  external_id          text NOT NULL,
  payment_external_id  text,
  amount_minor         bigint NOT NULL CHECK (amount_minor >= 0),
  currency             char(3) NOT NULL,
  status               text NOT NULL,
  reason               text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id)
);

CREATE TABLE subscriptions (
  company_id            uuid NOT NULL REFERENCES companies (company_id),
  source                text NOT NULL,
  external_id           text NOT NULL,
  customer_external_id  text,
  status                text NOT NULL,
  currency              char(3) NOT NULL,
  mrr_minor             bigint NOT NULL CHECK (mrr_minor >= 0),
  started_at            timestamptz NOT NULL,
  canceled_at           timestamptz,
  ended_at              timestamptz,
  current_period_end    timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id)
);

CREATE TABLE leads (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  source             text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('contact', 'opportunity')),
  external_id        text NOT NULL,
  email_hash         text,
  status             text,
  value_minor        bigint,
  currency           char(3),
  pipeline_stage     text,
  created_at         timestamptz NOT NULL,
  source_updated_at  timestamptz,
  visitor_id         text,
  session_id         text,
  user_id            text,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, kind, external_id)
);

-- section: import bookkeeping -------------------------------------------------------------------------------
-- One cursor per (company, vendor, stream), written in the same transaction as the page it follows, so an
-- import killed mid-way resumes exactly after the last page stored.
CREATE TABLE import_cursors (
  company_id         uuid NOT NULL REFERENCES companies (company_id),
  source             text NOT NULL,
  stream             text NOT NULL,
  cursor             jsonb NOT NULL,
  -- running: a run is in progress and cursor points inside it; completed: cursor starts the next run
  state              text NOT NULL CHECK (state IN ('running', 'completed')),
  run_started_at     timestamptz NOT NULL,
  pages              integer NOT NULL DEFAULT 0,
  rows_read          bigint NOT NULL DEFAULT 0,
  rows_stored        bigint NOT NULL DEFAULT 0,
  rows_rejected      bigint NOT NULL DEFAULT 0,
  last_completed_at  timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, stream)
);

-- A vendor row (import or webhook) that could not be normalised: recorded with the reason, never
-- silently skipped. Unique per (row content, reason), so a retried page records it once.
CREATE TABLE rejected_rows (
  company_id    uuid NOT NULL REFERENCES companies (company_id),
  rejected_id   bigint GENERATED ALWAYS AS IDENTITY,
  source        text NOT NULL,
  stream        text NOT NULL,
  external_id   text,
  reason        text NOT NULL,
  raw           jsonb,
  row_sha256    text NOT NULL,
  webhook_id    bigint,
  rejected_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, rejected_id),
  UNIQUE (company_id, source, stream, row_sha256)
);

-- section: what revenue is counted from -----------------------------------------------------------------------
CREATE VIEW fct_orders WITH (security_barrier = true, security_invoker = true) AS
  SELECT * FROM orders WHERE merged_into_external_id IS NULL;
COMMENT ON VIEW fct_orders IS 'One row per real order: provisional storefront orders that a platform order took over are excluded.';

-- section: row level security and grants --------------------------------------------------------------------
SELECT enable_tenant_isolation('integration_credentials');
SELECT enable_tenant_isolation('raw_webhooks');
SELECT enable_tenant_isolation('webhook_processing');
SELECT enable_tenant_isolation('orders');
SELECT enable_tenant_isolation('order_items');
SELECT enable_tenant_isolation('refunds');
SELECT enable_tenant_isolation('payments');
SELECT enable_tenant_isolation('disputes');
SELECT enable_tenant_isolation('subscriptions');
SELECT enable_tenant_isolation('leads');
SELECT enable_tenant_isolation('import_cursors');
SELECT enable_tenant_isolation('rejected_rows');

GRANT SELECT, INSERT, UPDATE, DELETE ON integration_credentials TO lux_app;
GRANT SELECT, INSERT ON raw_webhooks TO lux_app; -- never UPDATE, DELETE or TRUNCATE
GRANT SELECT, INSERT, UPDATE ON webhook_processing TO lux_app;
GRANT SELECT, INSERT, UPDATE ON orders, refunds, payments, disputes, subscriptions, leads, import_cursors TO lux_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON order_items TO lux_app; -- an order's items are replaced as a whole
GRANT SELECT, INSERT ON rejected_rows TO lux_app;
GRANT SELECT ON fct_orders TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS fct_orders;
DROP TABLE IF EXISTS rejected_rows, import_cursors, leads, subscriptions, disputes, payments, refunds, order_items,
  orders, webhook_processing, raw_webhooks, integration_credentials;
DROP FUNCTION IF EXISTS reject_append_only_change();
