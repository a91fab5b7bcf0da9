-- Up Migration
--
-- Attribution paths stored as one row per order (issue 5, backfill throughput; docs/benchmarks.md § Attribution).
--
-- Until now every candidate touch was its own row of attribution_touches: ~7.5 rows per order, each with a
-- heap tuple, a four-column primary-key entry and a foreign-key check. Writing those rows was two thirds
-- of a backfill's time. Now an order's path is ONE row of attribution_paths holding one typed array per
-- field (element i of every array is touch i + 1 of the path), and attribution_touches is a view that
-- unnests those arrays WITH ORDINALITY, so every reader (dashboards, docs SQL, `lux attribution explain`,
-- conversion forwarding, DSR deletion, tests) sees exactly the columns and rows it saw before.
--
-- started_at is stored as microseconds since the Unix epoch (bigint), the exact value of the session's
-- timestamptz: the backfill reads and writes it as an integer, without timestamp text formatting and
-- parsing (≈ 1.5 µs per touch); the view turns it back into the timestamptz.
--
-- Existing rows are carried over (derived data, converted as it is; raw tables are not touched). The
-- activity's path digest is now computed over the new layout, so the first backfill after this
-- migration rewrites each order once with the same content (computed_at moves to that run); later
-- re-runs write nothing again.

-- section: one row per order's path ---------------------------------------------------------------------------
CREATE TABLE attribution_paths (
  company_id                   uuid NOT NULL,
  source                       text NOT NULL,
  external_id                  text NOT NULL,
  session_id                   text[] NOT NULL,
  visitor_id                   text[] NOT NULL,
  matched_by                   text[] NOT NULL,
  started_at_us                bigint[] NOT NULL, -- µs since 1970-01-01T00:00:00Z (the session's started_at, exactly)
  channel                      text[] NOT NULL,
  touch_source                 text[] NOT NULL,
  touch_medium                 text[] NOT NULL,
  campaign                     text[] NOT NULL,
  role                         text[] NOT NULL,
  reason                       text[] NOT NULL,
  credit_first_touch_minor     bigint[] NOT NULL,
  credit_last_touch_minor      bigint[] NOT NULL,
  credit_linear_minor          bigint[] NOT NULL,
  credit_position_based_minor  bigint[] NOT NULL,
  credit_time_decay_minor      bigint[] NOT NULL,
  PRIMARY KEY (company_id, source, external_id),
  FOREIGN KEY (company_id, source, external_id) REFERENCES order_attribution (company_id, source, external_id) ON DELETE CASCADE,
  -- one touch per index: every array has the path's length, and is one-dimensional (or empty)
  CHECK (array_ndims(session_id) IS NULL OR array_ndims(session_id) = 1),
  CHECK (cardinality(visitor_id) = cardinality(session_id) AND cardinality(matched_by) = cardinality(session_id)
    AND cardinality(started_at_us) = cardinality(session_id) AND cardinality(channel) = cardinality(session_id)
    AND cardinality(touch_source) = cardinality(session_id) AND cardinality(touch_medium) = cardinality(session_id)
    AND cardinality(campaign) = cardinality(session_id) AND cardinality(role) = cardinality(session_id)
    AND cardinality(reason) = cardinality(session_id) AND cardinality(credit_first_touch_minor) = cardinality(session_id)
    AND cardinality(credit_last_touch_minor) = cardinality(session_id) AND cardinality(credit_linear_minor) = cardinality(session_id)
    AND cardinality(credit_position_based_minor) = cardinality(session_id) AND cardinality(credit_time_decay_minor) = cardinality(session_id)),
  -- what attribution_touches' columns required (NOT NULL, the role and matched_by CHECKs), per element
  CHECK (matched_by <@ ARRAY['order_visitor', 'user_id', 'email_hash'] AND role <@ ARRAY['first', 'last', 'first_last', 'assist']),
  CHECK (array_position(session_id, NULL) IS NULL AND array_position(started_at_us, NULL) IS NULL AND array_position(channel, NULL) IS NULL
    AND array_position(touch_source, NULL) IS NULL AND array_position(touch_medium, NULL) IS NULL AND array_position(reason, NULL) IS NULL
    AND array_position(credit_first_touch_minor, NULL) IS NULL AND array_position(credit_last_touch_minor, NULL) IS NULL
    AND array_position(credit_linear_minor, NULL) IS NULL AND array_position(credit_position_based_minor, NULL) IS NULL
    AND array_position(credit_time_decay_minor, NULL) IS NULL)
)
-- A typical path row is 1–3 kB: kept inline and uncompressed (the default 2 kB target would compress
-- most of them on every write, for a table that is read by primary key).
WITH (toast_tuple_target = 8160);
COMMENT ON TABLE attribution_paths IS 'Derived: the path of each attributed order, one typed array per touch field (read it as the attribution_touches view).';

-- section: carry the existing touches over ----------------------------------------------------------------------
INSERT INTO attribution_paths (company_id, source, external_id, session_id, visitor_id, matched_by, started_at_us, channel, touch_source,
  touch_medium, campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor, credit_position_based_minor,
  credit_time_decay_minor)
SELECT company_id, source, external_id, array_agg(session_id ORDER BY position), array_agg(visitor_id ORDER BY position),
  array_agg(matched_by ORDER BY position), array_agg((extract(epoch FROM started_at) * 1000000)::bigint ORDER BY position),
  array_agg(channel ORDER BY position), array_agg(touch_source ORDER BY position), array_agg(touch_medium ORDER BY position),
  array_agg(campaign ORDER BY position), array_agg(role ORDER BY position), array_agg(reason ORDER BY position),
  array_agg(credit_first_touch_minor ORDER BY position), array_agg(credit_last_touch_minor ORDER BY position),
  array_agg(credit_linear_minor ORDER BY position), array_agg(credit_position_based_minor ORDER BY position),
  array_agg(credit_time_decay_minor ORDER BY position)
FROM attribution_touches
GROUP BY company_id, source, external_id;

DROP TABLE attribution_touches;

-- section: the touches, as before -------------------------------------------------------------------------------
-- Same columns, types and rows as the table it replaces. security_invoker: the caller's RLS on
-- attribution_paths applies (a company sees only its own paths); security_barrier: like every view here.
-- A filter on (company_id, source, external_id) reaches attribution_paths' primary key.
CREATE VIEW attribution_touches WITH (security_barrier = true, security_invoker = true) AS
  SELECT p.company_id, p.source, p.external_id, t.position::integer AS position, t.session_id, t.visitor_id, t.matched_by,
    -- exact: µs × 1 µs (bigint → float8 is exact below 2^53 µs, i.e. before the year 2255)
    timestamptz '1970-01-01T00:00:00Z' + t.started_at_us * interval '1 microsecond' AS started_at,
    t.channel, t.touch_source, t.touch_medium, t.campaign, t.role, t.reason, t.credit_first_touch_minor, t.credit_last_touch_minor,
    t.credit_linear_minor, t.credit_position_based_minor, t.credit_time_decay_minor
  FROM attribution_paths p
  CROSS JOIN LATERAL unnest(p.session_id, p.visitor_id, p.matched_by, p.started_at_us, p.channel, p.touch_source, p.touch_medium, p.campaign,
    p.role, p.reason, p.credit_first_touch_minor, p.credit_last_touch_minor, p.credit_linear_minor, p.credit_position_based_minor,
    p.credit_time_decay_minor) WITH ORDINALITY AS t(session_id, visitor_id, matched_by, started_at_us, channel, touch_source, touch_medium,
    campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor, credit_position_based_minor,
    credit_time_decay_minor, position);
COMMENT ON VIEW attribution_touches IS 'Derived: every candidate touch of an attributed order (one row per element of attribution_paths), with why it was or was not chosen and its credit per model.';

-- section: row level security and grants --------------------------------------------------------------------------
SELECT enable_tenant_isolation('attribution_paths');
GRANT SELECT, INSERT, UPDATE, DELETE ON attribution_paths TO lux_app;
GRANT SELECT ON attribution_touches TO lux_app;

-- Down Migration
CREATE TABLE attribution_touches_restored AS SELECT * FROM attribution_touches;
DROP VIEW attribution_touches;
DROP TABLE attribution_paths;
ALTER TABLE attribution_touches_restored RENAME TO attribution_touches;
ALTER TABLE attribution_touches
  ALTER COLUMN company_id SET NOT NULL, ALTER COLUMN source SET NOT NULL, ALTER COLUMN external_id SET NOT NULL,
  ALTER COLUMN position SET NOT NULL, ALTER COLUMN session_id SET NOT NULL, ALTER COLUMN matched_by SET NOT NULL,
  ALTER COLUMN started_at SET NOT NULL, ALTER COLUMN channel SET NOT NULL, ALTER COLUMN touch_source SET NOT NULL,
  ALTER COLUMN touch_medium SET NOT NULL, ALTER COLUMN role SET NOT NULL, ALTER COLUMN reason SET NOT NULL,
  ALTER COLUMN credit_first_touch_minor SET NOT NULL, ALTER COLUMN credit_last_touch_minor SET NOT NULL,
  ALTER COLUMN credit_linear_minor SET NOT NULL, ALTER COLUMN credit_position_based_minor SET NOT NULL,
  ALTER COLUMN credit_time_decay_minor SET NOT NULL,
  ADD CHECK (position >= 1),
  ADD CHECK (matched_by IN ('order_visitor', 'user_id', 'email_hash')),
  ADD CHECK (role IN ('first', 'last', 'first_last', 'assist')),
  ADD PRIMARY KEY (company_id, source, external_id, position),
  ADD FOREIGN KEY (company_id, source, external_id) REFERENCES order_attribution (company_id, source, external_id) ON DELETE CASCADE;
COMMENT ON TABLE attribution_touches IS 'Derived: every candidate touch of an attributed order, with why it was or was not chosen and its credit per model.';
SELECT enable_tenant_isolation('attribution_touches');
GRANT SELECT, INSERT, UPDATE, DELETE ON attribution_touches TO lux_app;
