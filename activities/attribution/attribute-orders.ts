// Attribution of a batch of orders, set-based: one statement reads the batch's orders and every candidate
// session of all of them (linked visitors by the order's visitor id, and identity links by user id and
// email hash), the rules (lib/attribution/rules.ts) run in memory, and three statements write the
// results (one upsert of order_attribution, one delete and one insert of attribution_touches, for the
// orders whose result changed only). A single order is a batch of one.
//
// Idempotent: the upsert writes only rows whose result differs from the stored one (path_digest covers
// the touches), so a re-run with the same data changes nothing, computed_at included. The upsert locks
// each order's row first (in key order), so two runs for the same order never interleave their touches.
import { createHash } from 'node:crypto';
import { sql, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { attributeOrder, lastTouchRuleFromSettings, MATCHED_BY, type AttributionResult, type CandidateSession, type Touch } from '../../lib/attribution/rules';
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
// Positional tuples keep a 5,000-order batch's JSON small; the schemas name each position.
const orderTuple = z.tuple([
  z.number().int(), // idx
  z.string(), // source
  z.string(), // external_id
  z.number(), // created_at, ms since the epoch
  z.string(), // created_at as text (exact: cursors and storage)
  z.string(), // updated_at as text
  z.number(), // total_minor
  z.string(), // currency
  z.boolean(), // has identity
]);
const sessionTuple = z.tuple([
  z.number().int(), // order idx
  z.string(), // session_id
  z.string().nullable(), // visitor_id
  z.number().int().min(1).max(3), // link strength: 1 order visitor, 2 user id, 3 email hash
  z.number(), // started_at, ms
  z.string(), // started_at as text
  z.string(), // channel
  z.string().nullable(), // utm_source
  z.string().nullable(), // utm_medium
  z.string().nullable(), // utm_campaign
  z.string().nullable(), // referrer_host
]);
const batchRow = z.object({ orders: z.array(orderTuple), sessions: z.array(sessionTuple), settings: z.unknown() });

/** Orders and candidate sessions of a batch; `selection` yields fct_orders rows. */
async function readBatch(tx: TenantTransaction, companyId: string, selection: FragmentSqlToken) {
  return tx.one(sql.type(batchRow)`
    WITH batch AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY o.created_at, o.source, o.external_id)::int AS idx, o.source, o.external_id, o.created_at,
        o.updated_at, o.total_minor, o.currency, nullif(o.visitor_id, '') AS visitor_id, nullif(o.user_id, '') AS user_id,
        nullif(o.email_hash, '') AS email_hash
      FROM (${selection}) o
    ),
    -- the customer's identifiers: the order's own, and those linked to the order's visitor
    idents AS (
      SELECT idx, user_id, email_hash FROM batch WHERE user_id IS NOT NULL OR email_hash IS NOT NULL
      UNION
      SELECT b.idx, nullif(l.user_id, ''), nullif(l.email_hash, '') FROM batch b
      JOIN identity_links l ON l.company_id = ${companyId} AND l.visitor_id = b.visitor_id
    ),
    linked AS (
      SELECT idx, visitor_id, 1 AS strength FROM batch WHERE visitor_id IS NOT NULL
      UNION ALL
      SELECT i.idx, l.visitor_id, 2 FROM idents i JOIN identity_links l ON l.company_id = ${companyId} AND l.user_id = i.user_id
      WHERE i.user_id IS NOT NULL
      UNION ALL
      SELECT i.idx, l.visitor_id, 3 FROM idents i JOIN identity_links l ON l.company_id = ${companyId} AND l.email_hash = i.email_hash
      WHERE i.email_hash IS NOT NULL
    ),
    visitors AS (SELECT idx, visitor_id, min(strength) AS strength FROM linked GROUP BY idx, visitor_id),
    -- 720 hours, not '30 days': interval days follow the session time zone's DST, hours are elapsed time
    candidates AS (
      SELECT v.idx, s.session_id, s.visitor_id, v.strength, s.started_at, s.channel, s.utm_source, s.utm_medium, s.utm_campaign, s.referrer_host
      FROM visitors v JOIN batch b USING (idx)
      JOIN sessions s ON s.company_id = ${companyId} AND s.visitor_id = v.visitor_id
        AND s.started_at >= b.created_at - interval '720 hours' AND s.started_at <= b.created_at
    )
    SELECT
      (SELECT coalesce(json_agg(json_build_array(idx, source, external_id, extract(epoch FROM created_at) * 1000, created_at::text,
         updated_at::text, total_minor, currency, visitor_id IS NOT NULL OR user_id IS NOT NULL OR email_hash IS NOT NULL) ORDER BY idx), '[]')
       FROM batch) AS orders,
      (SELECT coalesce(json_agg(json_build_array(idx, session_id, visitor_id, strength, extract(epoch FROM started_at) * 1000, started_at::text,
         channel, utm_source, utm_medium, utm_campaign, referrer_host)), '[]')
       FROM candidates) AS sessions,
      (SELECT settings FROM companies WHERE company_id = ${companyId}) AS settings`);
}

// section: compute ---------------------------------------------------------------------------------------------
type OrderTuple = z.infer<typeof orderTuple>;
type ComputedOrder = { order: OrderTuple; result: AttributionResult; startedText: Map<string, string>; digest: string };

function compute(batch: z.infer<typeof batchRow>): ComputedOrder[] {
  const rule = lastTouchRuleFromSettings(batch.settings);
  const byOrder = new Map<number, { sessions: CandidateSession[]; startedText: Map<string, string> }>();
  for (const s of batch.sessions) {
    const [idx, sessionId, visitorId, strength, startedAt, startedText, channel, utmSource, utmMedium, utmCampaign, referrerHost] = s;
    let entry = byOrder.get(idx);
    if (!entry) byOrder.set(idx, (entry = { sessions: [], startedText: new Map() }));
    const { source, medium } = sourceMedium({ utmSource, utmMedium, referrerHost, channel });
    entry.sessions.push({ sessionId, visitorId, matchedBy: MATCHED_BY[strength - 1] ?? 'email_hash', startedAt, channel, source, medium, campaign: utmCampaign });
    entry.startedText.set(sessionId, startedText);
  }
  return batch.orders.map((order) => {
    const [idx, , , purchasedAt, , , revenueMinor, , hasIdentity] = order;
    const entry = byOrder.get(idx) ?? { sessions: [], startedText: new Map<string, string>() };
    const result = attributeOrder({ purchasedAt, revenueMinor, hasIdentity }, entry.sessions, rule);
    const digest = createHash('sha1').update(JSON.stringify([result.ruleVersion, result.lastTouchRule, result.touches])).digest('hex');
    return { order, result, startedText: entry.startedText, digest };
  });
}

// section: write -----------------------------------------------------------------------------------------------
const writtenRow = z.object({ source: z.string(), external_id: z.string() });

function touchFields(prefix: 'first' | 'last', t: Touch | null, startedText: Map<string, string>) {
  return {
    [`${prefix}_session_id`]: t?.sessionId ?? null,
    [`${prefix}_at`]: t ? (startedText.get(t.sessionId) ?? null) : null,
    [`${prefix}_channel`]: t?.channel ?? null,
    [`${prefix}_source`]: t?.source ?? null,
    [`${prefix}_medium`]: t?.medium ?? null,
    [`${prefix}_campaign`]: t?.campaign ?? null,
  };
}

async function writeResults(tx: TenantTransaction, companyId: string, computed: ComputedOrder[]): Promise<{ ordersWritten: number; touchesWritten: number }> {
  if (computed.length === 0) return { ordersWritten: 0, touchesWritten: 0 };
  const rows = computed.map(({ order, result, startedText, digest }) => ({
    source: order[1],
    external_id: order[2],
    purchased_at: order[4],
    order_updated_at: order[5],
    revenue_minor: order[6],
    currency: order[7],
    rule_version: result.ruleVersion,
    last_touch_rule: result.lastTouchRule,
    touch_count: result.touches.length,
    ...touchFields('first', result.firstTouch, startedText),
    first_reason: result.firstTouchReason,
    ...touchFields('last', result.lastTouch, startedText),
    last_reason: result.lastTouchReason,
    path_digest: digest,
  }));
  const written = await tx.any(sql.type(writtenRow)`
    INSERT INTO order_attribution AS a (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor,
      order_updated_at, touch_count, first_touch_session_id, first_touch_at, first_touch_channel, first_touch_source, first_touch_medium,
      first_touch_campaign, first_touch_reason, last_touch_session_id, last_touch_at, last_touch_channel, last_touch_source, last_touch_medium,
      last_touch_campaign, last_touch_reason, path_digest)
    SELECT ${companyId}, r.source, r.external_id, r.rule_version, r.last_touch_rule, r.purchased_at, r.currency, r.revenue_minor,
      r.order_updated_at, r.touch_count, r.first_session_id, r.first_at, r.first_channel, r.first_source, r.first_medium, r.first_campaign,
      r.first_reason, r.last_session_id, r.last_at, r.last_channel, r.last_source, r.last_medium, r.last_campaign, r.last_reason, r.path_digest
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(source text, external_id text, rule_version text, last_touch_rule text,
      purchased_at timestamptz, currency text, revenue_minor bigint, order_updated_at timestamptz, touch_count integer,
      first_session_id text, first_at timestamptz, first_channel text, first_source text, first_medium text, first_campaign text, first_reason text,
      last_session_id text, last_at timestamptz, last_channel text, last_source text, last_medium text, last_campaign text, last_reason text,
      path_digest text)
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
    RETURNING a.source, a.external_id`);
  if (written.length === 0) return { ordersWritten: 0, touchesWritten: 0 };

  const changed = new Set(written.map((w) => `${w.source}\u0000${w.external_id}`));
  const changedOrders = computed.filter(({ order }) => changed.has(`${order[1]}\u0000${order[2]}`));
  await tx.query(sql.unsafe`
    DELETE FROM attribution_touches t
    USING unnest(${sql.array(changedOrders.map((c) => c.order[1]), 'text')}::text[], ${sql.array(changedOrders.map((c) => c.order[2]), 'text')}::text[]) AS k(source, external_id)
    WHERE t.company_id = ${companyId} AND t.source = k.source AND t.external_id = k.external_id`);
  // [source, external_id, position, session_id, visitor_id, matched_by, started_at, channel, source, medium, campaign, role, reason, credits × 5]
  const touches = changedOrders.flatMap(({ order, result, startedText }) =>
    result.touches.map((t) => [order[1], order[2], t.position, t.sessionId, t.visitorId, t.matchedBy, startedText.get(t.sessionId), t.channel, t.source, t.medium,
      t.campaign, t.role, t.reason, t.credits.first_touch, t.credits.last_touch, t.credits.linear, t.credits.position_based, t.credits.time_decay]),
  );
  if (touches.length === 0) return { ordersWritten: written.length, touchesWritten: 0 };
  const inserted = await tx.query(sql.unsafe`
    INSERT INTO attribution_touches (company_id, source, external_id, position, session_id, visitor_id, matched_by, started_at, channel,
      touch_source, touch_medium, campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor,
      credit_position_based_minor, credit_time_decay_minor)
    SELECT ${companyId}, t->>0, t->>1, (t->>2)::int, t->>3, t->>4, t->>5, (t->>6)::timestamptz, t->>7, t->>8, t->>9, t->>10, t->>11, t->>12,
      (t->>13)::bigint, (t->>14)::bigint, (t->>15)::bigint, (t->>16)::bigint, (t->>17)::bigint
    FROM jsonb_array_elements(${JSON.stringify(touches)}::jsonb) AS t`);
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
  const counts = await writeResults(tx, companyId, computed);
  const found = new Set(batch.orders.map((o) => `${o[1]}\u0000${o[2]}`));
  const missing = refs.filter((r) => !found.has(`${r.source}\u0000${r.externalId}`));
  let ordersRemoved = 0;
  if (missing.length > 0) {
    const removed = await tx.query(sql.unsafe`
      DELETE FROM order_attribution a
      USING unnest(${sql.array(missing.map((r) => r.source), 'text')}::text[], ${sql.array(missing.map((r) => r.externalId), 'text')}::text[]) AS k(source, external_id)
      WHERE a.company_id = ${companyId} AND a.source = k.source AND a.external_id = k.external_id`);
    ordersRemoved = removed.rowCount;
  }
  return { ordersRead: batch.orders.length, ...counts, ordersRemoved };
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
  const batch = await readBatch(tx, companyId, sql.fragment`
    SELECT o.* FROM fct_orders o
    WHERE o.company_id = ${companyId} AND o.created_at >= ${input.from ?? '-infinity'}::timestamptz AND o.created_at < ${input.to ?? 'infinity'}::timestamptz
      AND (o.created_at, o.source, o.external_id) > (${after.createdAt}::timestamptz, ${after.source}, ${after.externalId})
      ${pending}
    ORDER BY o.created_at, o.source, o.external_id
    LIMIT ${input.limit}`);
  const computed = compute(batch);
  const counts = await writeResults(tx, companyId, computed);
  const last = batch.orders.at(-1);
  const next = last && batch.orders.length >= input.limit ? { createdAt: last[4], source: last[1], externalId: last[2] } : null;
  return { ordersRead: batch.orders.length, ...counts, ordersRemoved: 0, next };
}
