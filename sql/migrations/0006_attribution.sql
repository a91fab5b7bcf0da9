-- Up Migration
--
-- Attribution V1 (rules: lib/attribution/rules.ts, in words: docs/attribution.md). Derived tables,
-- recomputable at any time: the attributeOrder and attributeOrders workflows (re)write them
-- idempotently from orders, sessions and identity links.
--
--   order_attribution    one row per attributed order: first/last touch (channel, source/medium,
--                        campaign, session), the reasons, rule version and when it was computed.
--   attribution_touches  the full path: every candidate session of the order, in order, with its role,
--                        the reason it was or was not chosen, and the revenue each model credits it
--                        (per model, the credits of one order sum to order_attribution.revenue_minor).

-- section: one row per order ----------------------------------------------------------------------------
CREATE TABLE order_attribution (
  company_id            uuid NOT NULL,
  source                text NOT NULL,
  external_id           text NOT NULL,
  rule_version          text NOT NULL,
  last_touch_rule       text NOT NULL CHECK (last_touch_rule IN ('last_non_direct', 'last_touch')),
  -- the order as it was when attributed: purchase instant (orders.created_at), gross revenue, and its
  -- updated_at (an order changed since then is pending re-attribution)
  purchased_at          timestamptz NOT NULL,
  currency              char(3) NOT NULL,
  revenue_minor         bigint NOT NULL CHECK (revenue_minor >= 0),
  order_updated_at      timestamptz NOT NULL,
  touch_count           integer NOT NULL CHECK (touch_count >= 0),
  first_touch_session_id text,
  first_touch_at        timestamptz,
  first_touch_channel   text,
  first_touch_source    text,
  first_touch_medium    text,
  first_touch_campaign  text,
  first_touch_reason    text NOT NULL,
  last_touch_session_id text,
  last_touch_at         timestamptz,
  last_touch_channel    text,
  last_touch_source     text,
  last_touch_medium     text,
  last_touch_campaign   text,
  last_touch_reason     text NOT NULL,
  -- SHA-1 of the stored path (touches, roles, reasons, credits): a re-run that finds the same path and
  -- fields writes nothing, so computed_at is when this result was first computed
  path_digest           text NOT NULL,
  computed_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, source, external_id),
  FOREIGN KEY (company_id, source, external_id) REFERENCES orders (company_id, source, external_id) ON DELETE CASCADE,
  CHECK ((first_touch_session_id IS NULL) = (first_touch_reason IN ('no_identity', 'no_session_in_30d'))),
  CHECK ((last_touch_session_id IS NULL) = (last_touch_reason IN ('no_identity', 'no_session_in_30d', 'no_session_in_72h')))
);
CREATE INDEX order_attribution_company_purchased_idx ON order_attribution (company_id, purchased_at);
COMMENT ON TABLE order_attribution IS 'Derived: first/last touch of each order (Attribution V1). Recomputable; see docs/attribution.md.';

-- section: the path -------------------------------------------------------------------------------------
CREATE TABLE attribution_touches (
  company_id            uuid NOT NULL,
  source                text NOT NULL,
  external_id           text NOT NULL,
  position              integer NOT NULL CHECK (position >= 1),
  session_id            text NOT NULL,
  visitor_id            text,
  matched_by            text NOT NULL CHECK (matched_by IN ('order_visitor', 'user_id', 'email_hash')),
  started_at            timestamptz NOT NULL,
  channel               text NOT NULL,
  touch_source          text NOT NULL,
  touch_medium          text NOT NULL,
  campaign              text,
  role                  text NOT NULL CHECK (role IN ('first', 'last', 'first_last', 'assist')),
  reason                text NOT NULL,
  credit_first_touch_minor     bigint NOT NULL,
  credit_last_touch_minor      bigint NOT NULL,
  credit_linear_minor          bigint NOT NULL,
  credit_position_based_minor  bigint NOT NULL,
  credit_time_decay_minor      bigint NOT NULL,
  PRIMARY KEY (company_id, source, external_id, position),
  FOREIGN KEY (company_id, source, external_id) REFERENCES order_attribution (company_id, source, external_id) ON DELETE CASCADE
);
COMMENT ON TABLE attribution_touches IS 'Derived: every candidate touch of an attributed order, with why it was or was not chosen and its credit per model.';

-- section: what the backfill and the candidate query need ----------------------------------------------------
-- a visitor's sessions by start (the 30-day window); sessions_company_visitor_idx (0002) is on last_seen_at
CREATE INDEX sessions_company_visitor_started_idx ON sessions (company_id, visitor_id, started_at) WHERE visitor_id IS NOT NULL;

-- section: what dashboards read ----------------------------------------------------------------------------------
-- Counted orders (fct_orders) with their attribution. Refunds never change the attribution; revenue net
-- of refunds is reported beside it, from the order's current refunded total.
CREATE VIEW fct_order_attribution WITH (security_barrier = true, security_invoker = true) AS
  SELECT a.*, o.refunded_minor, greatest(o.total_minor - o.refunded_minor, 0) AS net_revenue_minor, o.total_minor <> a.revenue_minor AS revenue_changed
  FROM order_attribution a
  JOIN fct_orders o USING (company_id, source, external_id);
COMMENT ON VIEW fct_order_attribution IS 'Attributed counted orders, with refunds and net revenue reported beside the (unchanged) attribution.';

-- section: row level security and grants ----------------------------------------------------------------------------
SELECT enable_tenant_isolation('order_attribution');
SELECT enable_tenant_isolation('attribution_touches');
GRANT SELECT, INSERT, UPDATE, DELETE ON order_attribution, attribution_touches TO lux_app;
GRANT SELECT ON fct_order_attribution TO lux_app;

-- Down Migration
DROP VIEW IF EXISTS fct_order_attribution;
DROP INDEX IF EXISTS sessions_company_visitor_started_idx;
DROP TABLE IF EXISTS attribution_touches;
DROP TABLE IF EXISTS order_attribution;
