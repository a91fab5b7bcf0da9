-- Up Migration
--
-- The attribution backfill's write input as ONE binary parameter (issue 5, backfill throughput;
-- docs/benchmarks.md § Attribution, run 4).
--
-- Until now a batch's results travelled as one JSON document whose path fields were Postgres array
-- literals: json_to_recordset parsed the document and array_in parsed every literal, about a third of the
-- write statement's time. Now the activity sends `attribution_write_row[]` in Postgres's binary format
-- (lib/db/pg-binary.ts): the server receives integers, timestamps and arrays as they are stored, with no
-- text to parse. This type is that parameter's shape, one element per changed order: the order_attribution
-- fields, then the path (one array per attribution_paths column, element i = touch i + 1), then the digest
-- of the path. It is not stored anywhere; the write statement unnests it.
--
-- The activity's path digest is now computed over the binary path, so the first backfill after this
-- migration rewrites each order once with the same content (computed_at moves to that run); later
-- re-runs write nothing again.
CREATE TYPE attribution_write_row AS (
  source                       text,
  external_id                  text,
  rule_version                 text,
  last_touch_rule              text,
  purchased_at                 timestamptz,
  currency                     text,
  revenue_minor                bigint,
  order_updated_at             timestamptz,
  touch_count                  integer,
  first_touch_session_id       text,
  first_touch_at               timestamptz,
  first_touch_channel          text,
  first_touch_source           text,
  first_touch_medium           text,
  first_touch_campaign         text,
  first_touch_reason           text,
  last_touch_session_id        text,
  last_touch_at                timestamptz,
  last_touch_channel           text,
  last_touch_source            text,
  last_touch_medium            text,
  last_touch_campaign          text,
  last_touch_reason            text,
  session_id                   text[],
  visitor_id                   text[],
  matched_by                   text[],
  started_at_us                bigint[],
  channel                      text[],
  touch_source                 text[],
  touch_medium                 text[],
  campaign                     text[],
  role                         text[],
  reason                       text[],
  credit_first_touch_minor     bigint[],
  credit_last_touch_minor      bigint[],
  credit_linear_minor          bigint[],
  credit_position_based_minor  bigint[],
  credit_time_decay_minor      bigint[],
  path_digest                  text
);
COMMENT ON TYPE attribution_write_row IS 'The attribution backfill''s write input (one element per changed order, sent as one binary attribution_write_row[] parameter); not stored.';

-- Down Migration
DROP TYPE attribution_write_row;
