// Attribution of a batch of orders, set-based: one statement reads the batch's orders, every candidate
// session of all of them (linked visitors by the order's visitor id, and identity links by user id and
// email hash) and what is stored for them; the rules (lib/attribution/rules.ts) run in memory; and at
// most three statements write the results of the orders whose result changed (one upsert of
// order_attribution, one delete of the old touches of orders that had some, one insert of the new
// touches). A single order is a batch of one.
//
// Throughput (docs/benchmarks.md, Attribution): data crosses the wire in columns (one JSON array per
// field on the way in, typed arrays unnested on the way back), never as one object per row; orders whose
// stored result is unchanged are dropped before anything is sent.
//
// Idempotent: an order is written only when its result differs from the stored one (path_digest covers
// the touches); the upsert repeats that comparison, so a re-run with the same data changes nothing,
// computed_at included. The upsert locks each order's row first (in key order), so two runs for the same
// order never interleave their touches.
import { createHash } from 'node:crypto';
import { sql, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { attributeOrder, lastTouchRuleFromSettings, MATCHED_BY, type AttributionResult, type CandidateSession, type MatchedBy, type Touch } from '../../lib/attribution/rules';
import { sourceMedium } from '../../lib/attribution/source-medium';
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
const storedFields = z.tuple([
  z.string(), // path_digest
  z.string(), // order_updated_at as text
  z.string(), // purchased_at as text
  z.number(), // revenue_minor
  z.string(), // currency
  z.string(), // first_touch_reason
  z.string(), // last_touch_reason
  z.string().nullable(), // first_touch_at as text
  z.string().nullable(), // last_touch_at as text
]);
const orderColumns = z.object({
  source: z.array(z.string()),
  external_id: z.array(z.string()),
  created_ms: z.array(z.number()), // created_at, ms since the epoch
  created_text: z.array(z.string()), // created_at as text (exact: cursors and storage)
  updated_text: z.array(z.string()), // updated_at as text
  total_minor: z.array(z.number()),
  currency: z.array(z.string()),
  has_identity: z.array(z.boolean()),
  // what is stored for the order (null: never attributed): the fields the upsert compares
  stored: z.array(storedFields.nullable()),
});
const sessionColumns = z.object({
  idx: z.array(z.number().int().min(1)), // the order's position in the batch, 1-based
  session_id: z.array(z.string()),
  visitor_id: z.array(z.string().nullable()),
  strength: z.array(z.number().int().min(1).max(3)), // link strength: 1 order visitor, 2 user id, 3 email hash
  started_ms: z.array(z.number()),
  started_text: z.array(z.string()),
  channel: z.array(z.string()),
  utm_source: z.array(z.string().nullable()),
  utm_medium: z.array(z.string().nullable()),
  utm_campaign: z.array(z.string().nullable()),
  referrer_host: z.array(z.string().nullable()),
});
const batchRow = z.object({ orders: orderColumns, sessions: sessionColumns, settings: z.unknown() });
type Batch = z.infer<typeof batchRow>;

/** Orders, their candidate sessions and their stored attribution; `selection` yields fct_orders rows. */
async function readBatch(tx: TenantTransaction, companyId: string, selection: FragmentSqlToken): Promise<Batch> {
  // The planner's cost estimate for this statement is high (it cannot know how few rows a batch links),
  // high enough for JIT compilation, which costs more than the whole query; this transaction does without.
  await tx.query(sql.unsafe`SELECT set_config('jit', 'off', true)`);
  return tx.one(sql.type(batchRow)`
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
        SELECT json_build_array(a.path_digest, a.order_updated_at::text, a.purchased_at::text, a.revenue_minor, a.currency, a.first_touch_reason,
          a.last_touch_reason, a.first_touch_at::text, a.last_touch_at::text) AS fields
        FROM order_attribution a WHERE a.company_id = ${companyId} AND a.source = b.source AND a.external_id = b.external_id OFFSET 0
      ) a
    )
    SELECT
      (SELECT json_build_object(
         'source', coalesce(json_agg(b.source ORDER BY b.idx), '[]'),
         'external_id', coalesce(json_agg(b.external_id ORDER BY b.idx), '[]'),
         'created_ms', coalesce(json_agg(extract(epoch FROM b.created_at) * 1000 ORDER BY b.idx), '[]'),
         'created_text', coalesce(json_agg(b.created_at::text ORDER BY b.idx), '[]'),
         'updated_text', coalesce(json_agg(b.updated_at::text ORDER BY b.idx), '[]'),
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
         'started_ms', coalesce(json_agg(extract(epoch FROM started_at) * 1000), '[]'),
         'started_text', coalesce(json_agg(started_at::text), '[]'),
         'channel', coalesce(json_agg(channel), '[]'),
         'utm_source', coalesce(json_agg(utm_source), '[]'),
         'utm_medium', coalesce(json_agg(utm_medium), '[]'),
         'utm_campaign', coalesce(json_agg(utm_campaign), '[]'),
         'referrer_host', coalesce(json_agg(referrer_host), '[]'))
       FROM candidates) AS sessions,
      (SELECT settings FROM companies WHERE company_id = ${companyId}) AS settings`);
}

// section: compute ---------------------------------------------------------------------------------------------
type ComputedOrder = {
  /** 0-based position in the batch's columns */
  i: number;
  result: AttributionResult;
  startedText: Map<string, string>;
  digest: string;
  /** the stored attribution differs, or there is none: write this order */
  changed: boolean;
  /** an attribution (and so maybe touches) was stored when the batch was read */
  hadStored: boolean;
};

function compute(batch: Batch): ComputedOrder[] {
  const rule = lastTouchRuleFromSettings(batch.settings);
  const { orders, sessions: s } = batch;
  const count = orders.source.length;
  const byOrder: (CandidateSession[] | undefined)[] = new Array<CandidateSession[] | undefined>(count);
  const textByOrder: (Map<string, string> | undefined)[] = new Array<Map<string, string> | undefined>(count);
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
    const session: CandidateSession = {
      sessionId, visitorId: s.visitor_id[k] ?? null, matchedBy, startedAt: s.started_ms[k] ?? 0, channel, source: sm.source, medium: sm.medium, campaign: s.utm_campaign[k] ?? null,
    };
    (byOrder[i] ??= []).push(session);
    (textByOrder[i] ??= new Map<string, string>()).set(sessionId, s.started_text[k] ?? '');
  }
  const computed: ComputedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const revenueMinor = orders.total_minor[i] ?? 0;
    const result = attributeOrder({ purchasedAt: orders.created_ms[i] ?? 0, revenueMinor, hasIdentity: orders.has_identity[i] ?? false }, byOrder[i] ?? [], rule);
    const startedText = textByOrder[i] ?? new Map<string, string>();
    const digest = createHash('sha1').update(JSON.stringify([result.ruleVersion, result.lastTouchRule, result.touches])).digest('hex');
    const stored = orders.stored[i] ?? null;
    // the upsert's WHERE, compared here first: an unchanged order is not even sent
    const changed =
      stored === null ||
      stored[0] !== digest ||
      stored[1] !== orders.updated_text[i] ||
      stored[2] !== orders.created_text[i] ||
      stored[3] !== revenueMinor ||
      stored[4] !== orders.currency[i] ||
      stored[5] !== result.firstTouchReason ||
      stored[6] !== result.lastTouchReason ||
      stored[7] !== (result.firstTouch ? (startedText.get(result.firstTouch.sessionId) ?? null) : null) ||
      stored[8] !== (result.lastTouch ? (startedText.get(result.lastTouch.sessionId) ?? null) : null);
    computed.push({ i, result, startedText, digest, changed, hadStored: stored !== null });
  }
  return computed;
}

// section: write -----------------------------------------------------------------------------------------------
const writtenRow = z.object({ source: z.string(), external_id: z.string(), updated: z.boolean() });

/** The first or the last touch of each order, as column arrays. */
function touchColumns(list: readonly ComputedOrder[], pick: (r: AttributionResult) => Touch | null) {
  const sessionId: (string | null)[] = [];
  const at: (string | null)[] = [];
  const channel: (string | null)[] = [];
  const source: (string | null)[] = [];
  const medium: (string | null)[] = [];
  const campaign: (string | null)[] = [];
  for (const c of list) {
    const t = pick(c.result);
    sessionId.push(t?.sessionId ?? null);
    at.push(t ? (c.startedText.get(t.sessionId) ?? null) : null);
    channel.push(t?.channel ?? null);
    source.push(t?.source ?? null);
    medium.push(t?.medium ?? null);
    campaign.push(t?.campaign ?? null);
  }
  return {
    sessionId: sql.array(sessionId, 'text'),
    at: sql.array(at, 'timestamptz'),
    channel: sql.array(channel, 'text'),
    source: sql.array(source, 'text'),
    medium: sql.array(medium, 'text'),
    campaign: sql.array(campaign, 'text'),
  };
}

/** The touches of the given orders, as column arrays (one entry per touch). */
function touchRows(batch: Batch, list: readonly ComputedOrder[]) {
  const t = {
    source: [] as string[], externalId: [] as string[], position: [] as number[], sessionId: [] as string[], visitorId: [] as (string | null)[],
    matchedBy: [] as string[], startedAt: [] as string[], channel: [] as string[], touchSource: [] as string[], touchMedium: [] as string[],
    campaign: [] as (string | null)[], role: [] as string[], reason: [] as string[], first: [] as number[], last: [] as number[],
    linear: [] as number[], positionBased: [] as number[], timeDecay: [] as number[],
  };
  for (const c of list) {
    const source = batch.orders.source[c.i] ?? '';
    const externalId = batch.orders.external_id[c.i] ?? '';
    for (const touch of c.result.touches) {
      t.source.push(source);
      t.externalId.push(externalId);
      t.position.push(touch.position);
      t.sessionId.push(touch.sessionId);
      t.visitorId.push(touch.visitorId);
      t.matchedBy.push(touch.matchedBy);
      t.startedAt.push(c.startedText.get(touch.sessionId) ?? '');
      t.channel.push(touch.channel);
      t.touchSource.push(touch.source);
      t.touchMedium.push(touch.medium);
      t.campaign.push(touch.campaign);
      t.role.push(touch.role);
      t.reason.push(touch.reason);
      t.first.push(touch.credits.first_touch);
      t.last.push(touch.credits.last_touch);
      t.linear.push(touch.credits.linear);
      t.positionBased.push(touch.credits.position_based);
      t.timeDecay.push(touch.credits.time_decay);
    }
  }
  return t;
}

async function writeResults(tx: TenantTransaction, companyId: string, batch: Batch, computed: readonly ComputedOrder[]): Promise<{ ordersWritten: number; touchesWritten: number }> {
  const changed = computed.filter((c) => c.changed);
  if (changed.length === 0) return { ordersWritten: 0, touchesWritten: 0 };
  const { orders } = batch;
  const text = (pick: (c: ComputedOrder) => string) => sql.array(changed.map(pick), 'text');
  const first = touchColumns(changed, (r) => r.firstTouch);
  const last = touchColumns(changed, (r) => r.lastTouch);
  const written = await tx.any(sql.type(writtenRow)`
    INSERT INTO order_attribution AS a (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor,
      order_updated_at, touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium,
      first_touch_campaign, first_touch_reason, last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium,
      last_touch_campaign, last_touch_reason, path_digest)
    SELECT ${companyId}, r.*
    FROM unnest(
      ${text((c) => orders.source[c.i] ?? '')}, ${text((c) => orders.external_id[c.i] ?? '')}, ${text((c) => c.result.ruleVersion)},
      ${text((c) => c.result.lastTouchRule)}, ${sql.array(changed.map((c) => orders.created_text[c.i] ?? ''), 'timestamptz')},
      ${text((c) => orders.currency[c.i] ?? '')}, ${sql.array(changed.map((c) => orders.total_minor[c.i] ?? 0), 'int8')},
      ${sql.array(changed.map((c) => orders.updated_text[c.i] ?? ''), 'timestamptz')}, ${sql.array(changed.map((c) => c.result.touches.length), 'int4')},
      ${first.sessionId}, ${first.at}, ${first.channel}, ${first.source}, ${first.medium}, ${first.campaign}, ${text((c) => c.result.firstTouchReason)},
      ${last.sessionId}, ${last.at}, ${last.channel}, ${last.source}, ${last.medium}, ${last.campaign}, ${text((c) => c.result.lastTouchReason)},
      ${text((c) => c.digest)}
    ) AS r(source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor, order_updated_at, touch_count,
      first_session_id, first_at, first_channel, first_source, first_medium, first_campaign, first_reason,
      last_session_id, last_at, last_channel, last_source, last_medium, last_campaign, last_reason, path_digest)
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
    RETURNING a.source, a.external_id, a.xmax <> 0 AS updated`);
  if (written.length === 0) return { ordersWritten: 0, touchesWritten: 0 };

  const key = (c: ComputedOrder) => `${orders.source[c.i] ?? ''}\u0000${orders.external_id[c.i] ?? ''}`;
  const updatedByKey = new Map(written.map((w) => [`${w.source}\u0000${w.external_id}`, w.updated]));
  const toWrite = changed.filter((c) => updatedByKey.has(key(c)));
  // Old touches can exist only for rows that were there before: rows the upsert updated (xmax set) and,
  // whatever xmax says, rows the read found stored. A first backfill deletes nothing.
  const replaced = toWrite.filter((c) => c.hadStored || updatedByKey.get(key(c)) === true);
  if (replaced.length > 0) {
    await tx.query(sql.unsafe`
      DELETE FROM attribution_touches t
      USING unnest(${sql.array(replaced.map((c) => orders.source[c.i] ?? ''), 'text')}, ${sql.array(replaced.map((c) => orders.external_id[c.i] ?? ''), 'text')}) AS k(source, external_id)
      WHERE t.company_id = ${companyId} AND t.source = k.source AND t.external_id = k.external_id`);
  }
  const t = touchRows(batch, toWrite);
  if (t.position.length === 0) return { ordersWritten: written.length, touchesWritten: 0 };
  const inserted = await tx.query(sql.unsafe`
    INSERT INTO attribution_touches (company_id, source, external_id, position, session_id, visitor_id, matched_by, started_at, channel,
      touch_source, touch_medium, campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor,
      credit_position_based_minor, credit_time_decay_minor)
    SELECT ${companyId}, u.*
    FROM unnest(${sql.array(t.source, 'text')}, ${sql.array(t.externalId, 'text')}, ${sql.array(t.position, 'int4')}, ${sql.array(t.sessionId, 'text')},
      ${sql.array(t.visitorId, 'text')}, ${sql.array(t.matchedBy, 'text')}, ${sql.array(t.startedAt, 'timestamptz')}, ${sql.array(t.channel, 'text')},
      ${sql.array(t.touchSource, 'text')}, ${sql.array(t.touchMedium, 'text')}, ${sql.array(t.campaign, 'text')}, ${sql.array(t.role, 'text')},
      ${sql.array(t.reason, 'text')}, ${sql.array(t.first, 'int8')}, ${sql.array(t.last, 'int8')}, ${sql.array(t.linear, 'int8')},
      ${sql.array(t.positionBased, 'int8')}, ${sql.array(t.timeDecay, 'int8')}) AS u`);
  return { ordersWritten: written.length, touchesWritten: inserted.rowCount };
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
  const computed = compute(batch);
  const counts = await writeResults(tx, companyId, batch, computed);
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
  const computed = compute(batch);
  const counts = await writeResults(tx, companyId, batch, computed);
  const n = batch.orders.source.length;
  const next =
    n > 0 && n >= input.limit ? { createdAt: batch.orders.created_text[n - 1] ?? '', source: batch.orders.source[n - 1] ?? '', externalId: batch.orders.external_id[n - 1] ?? '' } : null;
  return { ordersRead: n, ...counts, ordersRemoved: 0, next };
}
