// Attribution of a batch of orders, set-based: one statement reads the batch's orders, every candidate
// session of all of them (linked visitors by the order's visitor id, and identity links by user id and
// email hash) and what is stored for them; the rules (lib/attribution/rules.ts) run in memory; and one
// statement writes the orders whose result changed: the order_attribution upsert and, in the same
// statement, the upsert of each order's path as ONE attribution_paths row (typed arrays, one per touch
// field; the attribution_touches view unnests them, migration 0017). A single order is a batch of one.
//
// Throughput (docs/benchmarks.md, Attribution): data crosses the wire in columns on the way in (one JSON
// array per field); on the way back the changed orders travel as ONE binary parameter, an
// attribution_write_row[] (migration 0022) in Postgres's binary format (lib/db/pg-binary.ts), so the
// server parses no text at all; timestamps travel as integer microseconds both ways (exact, and no
// timestamp text to format and parse); orders whose stored result is unchanged are dropped before anything
// is sent.
//
// Idempotent: an order is written only when its result differs from the stored one (path_digest covers
// the path); the upsert repeats that comparison, so a re-run with the same data changes nothing,
// computed_at included. The upsert locks each order's row first (in key order), so two runs for the same
// order never interleave their paths.
import { createHash } from 'node:crypto';
import { sql, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { attributeOrder, lastTouchRuleFromSettings, MATCHED_BY, type CandidateSession, type MatchedBy, type Touch } from '../../lib/attribution/rules';
import { sourceMedium } from '../../lib/attribution/source-medium';
import { PgCompositeArrayWriter, type PgBinaryWriter } from '../../lib/db/pg-binary';
import type { TenantTransaction } from '../../lib/db/tenant';

export type OrderRef = { source: string; externalId: string };
export type OrderCursor = { createdAt: string; source: string; externalId: string };

export type AttributionCounts = {
  /** orders read from fct_orders */
  ordersRead: number;
  /** orders whose stored attribution was created or changed */
  ordersWritten: number;
  /** touches written for those orders */
  touchesWritten: number;
  /** stale attribution rows removed (the order no longer counts: taken over by the platform's record, or gone) */
  ordersRemoved: number;
};

export const emptyAttributionCounts = (): AttributionCounts => ({ ordersRead: 0, ordersWritten: 0, touchesWritten: 0, ordersRemoved: 0 });

// section: read ------------------------------------------------------------------------------------------------
// Columns, not rows: one JSON array per field keeps a 5,000-order batch's result small and cheap to parse.
// The arrays are checked element by element with plain type tests: zod's generic array parsing cost
// ~1 µs per element, seconds per 100k orders.
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isSafeInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const column = <T>(isElement: (v: unknown) => v is T, what: string) =>
  z.custom<T[]>((v) => Array.isArray(v) && v.every((e) => isElement(e)), { message: `expected an array of ${what}` });
const intColumn = (min: number, max: number) =>
  z.custom<number[]>((v) => Array.isArray(v) && v.every((e) => Number.isInteger(e) && (e as number) >= min && (e as number) <= max), {
    message: `expected an array of integers in [${min}, ${max}]`,
  });

const storedFields = z.tuple([
  z.string(), // path_digest
  z.number().int(), // order_updated_at, µs since the epoch
  z.number().int(), // purchased_at, µs since the epoch
  z.number(), // revenue_minor
  z.string(), // currency
  z.string(), // first_touch_reason
  z.string(), // last_touch_reason
  z.number().int().nullable(), // first_touch_at, µs since the epoch
  z.number().int().nullable(), // last_touch_at, µs since the epoch
]);
const orderColumns = z.object({
  source: column(isString, 'strings'),
  external_id: column(isString, 'strings'),
  created_us: column(isSafeInteger, 'integers'), // created_at, µs since the epoch (exact)
  created_text: column(isString, 'strings'), // created_at as text (the keyset cursor)
  updated_us: column(isSafeInteger, 'integers'), // updated_at, µs since the epoch (exact)
  total_minor: column(isSafeInteger, 'integers'),
  currency: column(isString, 'strings'),
  has_identity: column(isBoolean, 'booleans'),
  // what is stored for the order (null: never attributed): the fields the upsert compares (one per order)
  stored: z.array(storedFields.nullable()),
});
const sessionColumns = z.object({
  idx: intColumn(1, Number.MAX_SAFE_INTEGER), // the order's position in the batch, 1-based
  session_id: column(isString, 'strings'),
  visitor_id: column(isStringOrNull, 'strings or nulls'),
  strength: intColumn(1, 3), // link strength: 1 order visitor, 2 user id, 3 email hash
  started_us: column(isSafeInteger, 'integers'), // started_at, µs since the epoch (exact)
  channel: column(isString, 'strings'),
  utm_source: column(isStringOrNull, 'strings or nulls'),
  utm_medium: column(isStringOrNull, 'strings or nulls'),
  utm_campaign: column(isStringOrNull, 'strings or nulls'),
  referrer_host: column(isStringOrNull, 'strings or nulls'),
});
const batchRow = z.object({ orders: orderColumns, sessions: sessionColumns, settings: z.unknown() });
type Batch = z.infer<typeof batchRow> & {
  /** pg_type OID of attribution_write_row (migration 0022): the binary write parameter names its element type */
  writeRowOid: number;
};

/** µs since the epoch of a timestamptz expression, exactly (timestamptz is integer µs; fits a double below 2^53). */
const epochMicros = (expression: FragmentSqlToken) => sql.fragment`(extract(epoch FROM ${expression}) * 1000000)::int8`;

/** Orders, their candidate sessions and their stored attribution; `selection` yields fct_orders rows. */
async function readBatch(tx: TenantTransaction, companyId: string, selection: FragmentSqlToken): Promise<Batch> {
  // The planner's cost estimate for this statement is high (it cannot know how few rows a batch links),
  // high enough for JIT compilation, which costs more than the whole query; this transaction does without.
  // The same round trip looks up the write parameter's element type, per batch rather than cached: a
  // re-created type (a migration while workers run) then costs nothing but a new lookup.
  const writeRowOid = await tx.oneFirst(sql.type(z.object({ oid: z.number().int().positive() }))`
    SELECT 'attribution_write_row'::regtype::oid::int AS oid FROM (SELECT set_config('jit', 'off', true)) AS jit_off`);
  const batch = await tx.one(sql.type(batchRow)`
    WITH batch AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY o.created_at, o.source, o.external_id)::int AS idx, o.source, o.external_id, o.created_at,
        o.updated_at, o.total_minor, o.currency, nullif(o.visitor_id, '') AS visitor_id, nullif(o.user_id, '') AS user_id,
        nullif(o.email_hash, '') AS email_hash
      FROM (${selection}) o
    ),
    -- The lookups below are LATERAL subqueries with OFFSET 0 (which keeps them from being flattened into
    -- joins): one index probe per order or visitor. As plain joins the planner, which cannot see how few
    -- rows a batch links, scanned and sorted all of identity_links three times per batch.
    -- the customer's identifiers: the order's own, and those linked to the order's visitor
    idents AS (
      SELECT idx, user_id, email_hash FROM batch WHERE user_id IS NOT NULL OR email_hash IS NOT NULL
      UNION
      SELECT b.idx, nullif(l.user_id, ''), nullif(l.email_hash, '') FROM batch b
      CROSS JOIN LATERAL (
        SELECT l.user_id, l.email_hash FROM identity_links l WHERE l.company_id = ${companyId} AND l.visitor_id = b.visitor_id OFFSET 0
      ) l
    ),
    linked AS (
      SELECT idx, visitor_id, 1 AS strength FROM batch WHERE visitor_id IS NOT NULL
      UNION ALL
      SELECT i.idx, l.visitor_id, 2 FROM idents i
      CROSS JOIN LATERAL (
        SELECT l.visitor_id FROM identity_links l WHERE l.company_id = ${companyId} AND l.user_id = i.user_id AND l.user_id <> '' OFFSET 0
      ) l
      WHERE i.user_id IS NOT NULL
      UNION ALL
      SELECT i.idx, l.visitor_id, 3 FROM idents i
      CROSS JOIN LATERAL (
        SELECT l.visitor_id FROM identity_links l WHERE l.company_id = ${companyId} AND l.email_hash = i.email_hash AND l.email_hash <> '' OFFSET 0
      ) l
      WHERE i.email_hash IS NOT NULL
    ),
    visitors AS (SELECT idx, visitor_id, min(strength) AS strength FROM linked GROUP BY idx, visitor_id),
    -- one range of sessions_company_visitor_started_idx per (order, visitor).
    -- 720 hours, not '30 days': interval days follow the session time zone's DST, hours are elapsed time
    candidates AS (
      SELECT v.idx, s.session_id, s.visitor_id, v.strength, s.started_at, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.referrer_host
      FROM visitors v JOIN batch b USING (idx)
      CROSS JOIN LATERAL (
        SELECT s.session_id, s.visitor_id, s.started_at, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.referrer_host
        FROM sessions s
        WHERE s.company_id = ${companyId} AND s.visitor_id = v.visitor_id
          AND s.started_at >= b.created_at - interval '720 hours' AND s.started_at <= b.created_at
        OFFSET 0
      ) s
    ),
    stored AS (
      SELECT b.idx, a.fields FROM batch b
      CROSS JOIN LATERAL (
        SELECT json_build_array(a.path_digest, ${epochMicros(sql.fragment`a.order_updated_at`)}, ${epochMicros(sql.fragment`a.purchased_at`)}, a.revenue_minor, a.currency, a.first_touch_reason,
          a.last_touch_reason, ${epochMicros(sql.fragment`a.first_touch_at`)}, ${epochMicros(sql.fragment`a.last_touch_at`)}) AS fields
        FROM order_attribution a WHERE a.company_id = ${companyId} AND a.source = b.source AND a.external_id = b.external_id OFFSET 0
      ) a
    )
    SELECT
      (SELECT json_build_object(
         'source', coalesce(json_agg(b.source ORDER BY b.idx), '[]'),
         'external_id', coalesce(json_agg(b.external_id ORDER BY b.idx), '[]'),
         'created_us', coalesce(json_agg(${epochMicros(sql.fragment`b.created_at`)} ORDER BY b.idx), '[]'),
         'created_text', coalesce(json_agg(b.created_at::text ORDER BY b.idx), '[]'),
         'updated_us', coalesce(json_agg(${epochMicros(sql.fragment`b.updated_at`)} ORDER BY b.idx), '[]'),
         'total_minor', coalesce(json_agg(b.total_minor ORDER BY b.idx), '[]'),
         'currency', coalesce(json_agg(b.currency ORDER BY b.idx), '[]'),
         'has_identity', coalesce(json_agg(b.visitor_id IS NOT NULL OR b.user_id IS NOT NULL OR b.email_hash IS NOT NULL ORDER BY b.idx), '[]'),
         'stored', coalesce(json_agg(st.fields ORDER BY b.idx), '[]'))
       FROM batch b LEFT JOIN stored st USING (idx)) AS orders,
      (SELECT json_build_object(
         'idx', coalesce(json_agg(idx), '[]'),
         'session_id', coalesce(json_agg(session_id), '[]'),
         'visitor_id', coalesce(json_agg(visitor_id), '[]'),
         'strength', coalesce(json_agg(strength), '[]'),
         'started_us', coalesce(json_agg(${epochMicros(sql.fragment`started_at`)}), '[]'),
         'channel', coalesce(json_agg(channel), '[]'),
         'utm_source', coalesce(json_agg(utm_source), '[]'),
         'utm_medium', coalesce(json_agg(utm_medium), '[]'),
         'utm_campaign', coalesce(json_agg(utm_campaign), '[]'),
         'referrer_host', coalesce(json_agg(referrer_host), '[]'))
       FROM candidates) AS sessions,
      (SELECT settings FROM companies WHERE company_id = ${companyId}) AS settings`);
  return { ...batch, writeRowOid };
}

// section: compute and encode -------------------------------------------------------------------------------------
/** attribution_write_row's field count (migration 0022): what encodeResult writes per order, in the type's order. */
const WRITE_ROW_FIELDS = 39;

type EncodedBatch = {
  /** the changed orders as one attribution_write_row[] in binary format; null when none changed */
  param: Buffer | null;
  changed: number;
};

/** The candidate sessions of each order of the batch (by 0-based position), and every session's exact start. */
function candidatesByOrder(batch: Batch): { byOrder: (CandidateSession[] | undefined)[]; startedUs: Map<string, number> } {
  const { orders, sessions: s } = batch;
  const byOrder: (CandidateSession[] | undefined)[] = new Array<CandidateSession[] | undefined>(orders.source.length);
  // a session's exact start (µs) by id, for the whole batch: a session linked to two orders started once
  const startedUs = new Map<string, number>();
  // source / medium follow from four fields that repeat across sessions: computed once per combination
  const sourceMediumCache = new Map<string, { source: string; medium: string }>();
  for (let k = 0; k < s.idx.length; k++) {
    const i = (s.idx[k] ?? 0) - 1;
    const sessionId = s.session_id[k] ?? '';
    const utmSource = s.utm_source[k] ?? null;
    const utmMedium = s.utm_medium[k] ?? null;
    const referrerHost = s.referrer_host[k] ?? null;
    const channel = s.channel[k] ?? '';
    const cacheKey = `${utmSource ?? '\u0001'}\u0000${utmMedium ?? '\u0001'}\u0000${referrerHost ?? '\u0001'}\u0000${channel}`;
    let sm = sourceMediumCache.get(cacheKey);
    if (!sm) sourceMediumCache.set(cacheKey, (sm = sourceMedium({ utmSource, utmMedium, referrerHost, channel })));
    const matchedBy: MatchedBy = MATCHED_BY[(s.strength[k] ?? 3) - 1] ?? 'email_hash';
    const us = s.started_us[k] ?? 0;
    // ms as the rules take them: the exact µs divided once (the nearest double, like the decimal it stands for)
    const session: CandidateSession = {
      sessionId, visitorId: s.visitor_id[k] ?? null, matchedBy, startedAt: us / 1000, channel, source: sm.source, medium: sm.medium, campaign: s.utm_campaign[k] ?? null,
    };
    (byOrder[i] ??= []).push(session);
    startedUs.set(sessionId, us);
  }
  return { byOrder, startedUs };
}

/**
 * The path of one order as attribution_write_row's array fields (attribution_paths' columns, in order;
 * element k = touch k + 1), written straight from the touches: no intermediate arrays.
 */
function encodePath(w: PgBinaryWriter, touches: readonly Touch[], startedUs: ReadonlyMap<string, number>): void {
  const n = touches.length;
  w.fieldTextArray(n, (k) => touches[k]?.sessionId ?? '');
  w.fieldTextArray(n, (k) => touches[k]?.visitorId ?? null);
  w.fieldTextArray(n, (k) => touches[k]?.matchedBy ?? '');
  w.fieldInt8Array(n, (k) => startedUs.get(touches[k]?.sessionId ?? '') ?? 0);
  w.fieldTextArray(n, (k) => touches[k]?.channel ?? '');
  w.fieldTextArray(n, (k) => touches[k]?.source ?? '');
  w.fieldTextArray(n, (k) => touches[k]?.medium ?? '');
  w.fieldTextArray(n, (k) => touches[k]?.campaign ?? null);
  w.fieldTextArray(n, (k) => touches[k]?.role ?? '');
  w.fieldTextArray(n, (k) => touches[k]?.reason ?? '');
  w.fieldInt8Array(n, (k) => touches[k]?.credits.first_touch ?? 0);
  w.fieldInt8Array(n, (k) => touches[k]?.credits.last_touch ?? 0);
  w.fieldInt8Array(n, (k) => touches[k]?.credits.linear ?? 0);
  w.fieldInt8Array(n, (k) => touches[k]?.credits.position_based ?? 0);
  w.fieldInt8Array(n, (k) => touches[k]?.credits.time_decay ?? 0);
}

/** The first_touch_* or last_touch_* fields before the reason: session id, start, channel, source, medium, campaign (all NULL without a touch). */
function encodeChosenTouch(w: PgBinaryWriter, touch: Touch | null, atUs: number | null): void {
  w.fieldText(touch?.sessionId ?? null);
  w.fieldTimestamptzMicros(atUs);
  w.fieldText(touch?.channel ?? null);
  w.fieldText(touch?.source ?? null);
  w.fieldText(touch?.medium ?? null);
  w.fieldText(touch?.campaign ?? null);
}

/**
 * Runs the rules on every order of the batch and encodes the orders whose result differs from the stored
 * one as the write parameter. Each order is encoded first and dropped again when unchanged: the digest is
 * taken over its encoded path, the bytes the server will store.
 */
function computeAndEncode(batch: Batch): EncodedBatch {
  const rule = lastTouchRuleFromSettings(batch.settings);
  const { orders } = batch;
  const { byOrder, startedUs } = candidatesByOrder(batch);
  // sized for the batch up front (an order with a 7-touch path encodes to ~2 kB): growing the buffer by
  // doubling copied ~7 MB per 2,000-order batch
  const out = new PgCompositeArrayWriter(batch.writeRowOid, Math.max(1 << 16, orders.source.length * 2560));
  const w = out.writer;
  for (let i = 0; i < orders.source.length; i++) {
    const revenueMinor = orders.total_minor[i] ?? 0;
    const purchasedUs = orders.created_us[i] ?? 0;
    const updatedUs = orders.updated_us[i] ?? 0;
    const currency = orders.currency[i] ?? '';
    const result = attributeOrder({ purchasedAt: purchasedUs / 1000, revenueMinor, hasIdentity: orders.has_identity[i] ?? false }, byOrder[i] ?? [], rule);
    const first = result.firstTouch;
    const last = result.lastTouch;
    const firstAtUs = first ? (startedUs.get(first.sessionId) ?? null) : null;
    const lastAtUs = last ? (startedUs.get(last.sessionId) ?? null) : null;

    // attribution_write_row, field by field in the type's order
    const start = out.beginElement(WRITE_ROW_FIELDS);
    w.fieldText(orders.source[i] ?? '');
    w.fieldText(orders.external_id[i] ?? '');
    w.fieldText(result.ruleVersion);
    w.fieldText(result.lastTouchRule);
    w.fieldTimestamptzMicros(purchasedUs);
    w.fieldText(currency);
    w.fieldInt8(revenueMinor);
    w.fieldTimestamptzMicros(updatedUs);
    w.fieldInt4(result.touches.length);
    encodeChosenTouch(w, first, firstAtUs);
    w.fieldText(result.firstTouchReason);
    encodeChosenTouch(w, last, lastAtUs);
    w.fieldText(result.lastTouchReason);
    const pathStart = w.length;
    encodePath(w, result.touches, startedUs);
    const digest = createHash('sha1').update(`${result.ruleVersion}\u0000${result.lastTouchRule}\u0000`).update(w.since(pathStart)).digest('hex');

    const stored = orders.stored[i] ?? null;
    // the upsert's WHERE, compared here first: an unchanged order is not even sent
    const changed =
      stored === null ||
      stored[0] !== digest ||
      stored[1] !== updatedUs ||
      stored[2] !== purchasedUs ||
      stored[3] !== revenueMinor ||
      stored[4] !== currency ||
      stored[5] !== result.firstTouchReason ||
      stored[6] !== result.lastTouchReason ||
      stored[7] !== firstAtUs ||
      stored[8] !== lastAtUs;
    if (!changed) {
      out.discardElement(start);
      continue;
    }
    w.fieldText(digest);
    out.endElement();
  }
  return { param: out.finish(), changed: out.elements };
}

// section: write -----------------------------------------------------------------------------------------------
const writtenRow = z.object({ orders: z.number().int(), touches: z.number().int() });

async function writeResults(tx: TenantTransaction, companyId: string, encoded: EncodedBatch): Promise<{ ordersWritten: number; touchesWritten: number }> {
  if (encoded.param === null) return { ordersWritten: 0, touchesWritten: 0 };
  const written = await tx.one(sql.type(writtenRow)`
    WITH r AS MATERIALIZED (SELECT * FROM unnest(${sql.binary(encoded.param)}::attribution_write_row[])),
    attribution AS (
      INSERT INTO order_attribution AS a (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor,
        order_updated_at, touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium,
        first_touch_campaign, first_touch_reason, last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium,
        last_touch_campaign, last_touch_reason, path_digest)
      SELECT ${companyId}, r.source, r.external_id, r.rule_version, r.last_touch_rule, r.purchased_at, r.currency, r.revenue_minor, r.order_updated_at,
        r.touch_count, r.first_touch_session_id, r.first_touch_at, r.first_touch_channel, r.first_touch_source, r.first_touch_medium,
        r.first_touch_campaign, r.first_touch_reason, r.last_touch_session_id, r.last_touch_at, r.last_touch_channel, r.last_touch_source,
        r.last_touch_medium, r.last_touch_campaign, r.last_touch_reason, r.path_digest
      FROM r
      ORDER BY r.source, r.external_id -- a stable lock order between concurrent runs
      ON CONFLICT (company_id, source, external_id) DO UPDATE SET
        rule_version = EXCLUDED.rule_version, last_touch_rule = EXCLUDED.last_touch_rule, purchased_at = EXCLUDED.purchased_at,
        currency = EXCLUDED.currency, revenue_minor = EXCLUDED.revenue_minor, order_updated_at = EXCLUDED.order_updated_at,
        touch_count = EXCLUDED.touch_count, first_touch_session_id = EXCLUDED.first_touch_session_id, first_touch_at = EXCLUDED.first_touch_at,
        first_touch_channel = EXCLUDED.first_touch_channel, first_touch_source = EXCLUDED.first_touch_source,
        first_touch_medium = EXCLUDED.first_touch_medium, first_touch_campaign = EXCLUDED.first_touch_campaign,
        first_touch_reason = EXCLUDED.first_touch_reason, last_touch_session_id = EXCLUDED.last_touch_session_id,
        last_touch_at = EXCLUDED.last_touch_at, last_touch_channel = EXCLUDED.last_touch_channel, last_touch_source = EXCLUDED.last_touch_source,
        last_touch_medium = EXCLUDED.last_touch_medium, last_touch_campaign = EXCLUDED.last_touch_campaign,
        last_touch_reason = EXCLUDED.last_touch_reason, path_digest = EXCLUDED.path_digest, computed_at = now()
      WHERE (a.purchased_at, a.currency, a.revenue_minor, a.order_updated_at, a.path_digest, a.first_touch_reason, a.last_touch_reason, a.first_touch_at, a.last_touch_at)
        IS DISTINCT FROM (EXCLUDED.purchased_at, EXCLUDED.currency, EXCLUDED.revenue_minor, EXCLUDED.order_updated_at, EXCLUDED.path_digest,
          EXCLUDED.first_touch_reason, EXCLUDED.last_touch_reason, EXCLUDED.first_touch_at, EXCLUDED.last_touch_at)
      RETURNING a.source, a.external_id, a.touch_count
    ),
    -- the path of exactly the orders written above (one row each, replaced whole); a data-modifying CTE
    -- runs even though nothing reads it, and its foreign key sees the order_attribution rows written above
    paths AS (
      INSERT INTO attribution_paths AS p (company_id, source, external_id, session_id, visitor_id, matched_by, started_at_us, channel, touch_source,
        touch_medium, campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor, credit_position_based_minor,
        credit_time_decay_minor)
      SELECT ${companyId}, r.source, r.external_id, r.session_id, r.visitor_id, r.matched_by, r.started_at_us, r.channel, r.touch_source,
        r.touch_medium, r.campaign, r.role, r.reason, r.credit_first_touch_minor, r.credit_last_touch_minor, r.credit_linear_minor,
        r.credit_position_based_minor, r.credit_time_decay_minor
      FROM r JOIN attribution USING (source, external_id)
      ORDER BY r.source, r.external_id
      ON CONFLICT (company_id, source, external_id) DO UPDATE SET
        session_id = EXCLUDED.session_id, visitor_id = EXCLUDED.visitor_id, matched_by = EXCLUDED.matched_by, started_at_us = EXCLUDED.started_at_us,
        channel = EXCLUDED.channel, touch_source = EXCLUDED.touch_source, touch_medium = EXCLUDED.touch_medium, campaign = EXCLUDED.campaign,
        role = EXCLUDED.role, reason = EXCLUDED.reason, credit_first_touch_minor = EXCLUDED.credit_first_touch_minor,
        credit_last_touch_minor = EXCLUDED.credit_last_touch_minor, credit_linear_minor = EXCLUDED.credit_linear_minor,
        credit_position_based_minor = EXCLUDED.credit_position_based_minor, credit_time_decay_minor = EXCLUDED.credit_time_decay_minor
    )
    SELECT count(*)::int AS orders, coalesce(sum(touch_count), 0)::int AS touches FROM attribution`);
  return { ordersWritten: written.orders, touchesWritten: written.touches };
}

// section: the two entry points ------------------------------------------------------------------------------------
/** Attributes the given orders. Refs that are not counted orders (merged, or unknown) lose any stored attribution. */
export async function attributeOrderRefs(tx: TenantTransaction, companyId: string, refs: OrderRef[]): Promise<AttributionCounts> {
  if (refs.length === 0) return emptyAttributionCounts();
  const sources = sql.array(refs.map((r) => r.source), 'text');
  const ids = sql.array(refs.map((r) => r.externalId), 'text');
  const batch = await readBatch(tx, companyId, sql.fragment`
    SELECT o.* FROM fct_orders o JOIN unnest(${sources}::text[], ${ids}::text[]) AS k(source, external_id)
      ON o.source = k.source AND o.external_id = k.external_id
    WHERE o.company_id = ${companyId}`);
  const counts = await writeResults(tx, companyId, computeAndEncode(batch));
  const found = new Set(batch.orders.source.map((source, i) => `${source}\u0000${batch.orders.external_id[i] ?? ''}`));
  const missing = refs.filter((r) => !found.has(`${r.source}\u0000${r.externalId}`));
  let ordersRemoved = 0;
  if (missing.length > 0) {
    const removed = await tx.query(sql.unsafe`
      DELETE FROM order_attribution a
      USING unnest(${sql.array(missing.map((r) => r.source), 'text')}::text[], ${sql.array(missing.map((r) => r.externalId), 'text')}::text[]) AS k(source, external_id)
      WHERE a.company_id = ${companyId} AND a.source = k.source AND a.external_id = k.external_id`);
    ordersRemoved = removed.rowCount;
  }
  return { ordersRead: batch.orders.source.length, ...counts, ordersRemoved };
}

export type RangeBatchInput = {
  /** ISO instants; null = unbounded */
  from: string | null;
  to: string | null;
  /** keyset cursor: the last order of the previous batch */
  after: OrderCursor | null;
  limit: number;
  /** only orders never attributed, or changed since their attribution */
  pendingOnly: boolean;
};

/** Attributes the next `limit` counted orders created in [from, to), in (created_at, source, external_id) order. */
export async function attributeOrderRange(tx: TenantTransaction, companyId: string, input: RangeBatchInput): Promise<AttributionCounts & { next: OrderCursor | null }> {
  const after = input.after ?? { createdAt: '-infinity', source: '', externalId: '' };
  const pending = input.pendingOnly
    ? sql.fragment`AND NOT EXISTS (SELECT 1 FROM order_attribution a WHERE a.company_id = o.company_id AND a.source = o.source
        AND a.external_id = o.external_id AND a.order_updated_at >= o.updated_at)`
    : sql.fragment``;
  // orders, not the fct_orders view, with the view's condition (merged_into_external_id IS NULL): the
  // view is a security barrier, and through it the planner sorted every order of the company per batch
  // instead of walking orders_company_created_idx from the cursor (the repeated created_at bound).
  const batch = await readBatch(tx, companyId, sql.fragment`
    SELECT o.* FROM orders o
    WHERE o.company_id = ${companyId} AND o.merged_into_external_id IS NULL
      AND o.created_at >= ${input.from ?? '-infinity'}::timestamptz AND o.created_at < ${input.to ?? 'infinity'}::timestamptz
      AND o.created_at >= ${after.createdAt}::timestamptz
      AND (o.created_at, o.source, o.external_id) > (${after.createdAt}::timestamptz, ${after.source}, ${after.externalId})
      ${pending}
    ORDER BY o.created_at, o.source, o.external_id
    LIMIT ${input.limit}`);
  const counts = await writeResults(tx, companyId, computeAndEncode(batch));
  const n = batch.orders.source.length;
  const next =
    n > 0 && n >= input.limit ? { createdAt: batch.orders.created_text[n - 1] ?? '', source: batch.orders.source[n - 1] ?? '', externalId: batch.orders.external_id[n - 1] ?? '' } : null;
  return { ordersRead: n, ...counts, ordersRemoved: 0, next };
}
