// planAudienceSync: decides what the next sync of one audience sends and writes it down before anything
// is sent (the outbox step). Postgres only (analytics queue).
//   * an unfinished sync of the audience is resumed, never planned twice (one pending sync per audience,
//     enforced by a unique index; planning holds the settings row's lock);
//   * the segment's people and their consent/GPC/suppression facts are read in one query, then
//     lib/audiences decides who should be on the list and what differs from what LUX put there;
//   * the diff is stored as pending operations on audience_members (which rows, add or remove) and one
//     audience_syncs row with the counts and the reasons people were left out;
//   * a disabled audience is emptied: everyone LUX put on the list is removed, so turning it off (or an
//     opt-out after that) never leaves a person's hash at Google.
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant, type TenantTransaction } from '../../lib/db/tenant';
import { diffAudience } from '../../lib/audiences/diff';
import { desiredMembers, EXCLUSION_REASONS, type ExclusionReason, type PersonFacts } from '../../lib/audiences/segments';
import { audienceConfigSchema, type Audience, type AudienceDestination } from '../../lib/audiences/settings';

export type PlanInput = {
  companyId: string;
  destination: AudienceDestination;
  audience: Audience;
  workflowId: string | null;
  /** identifiers per addOperations request (Google recommends ≤ 10,000) */
  batchSize: number;
  /** identifiers per job (Google takes more; 100,000 keeps one job's processing time reasonable) */
  maxPerJob: number;
};

export type PlanStatus = 'planned' | 'resumed' | 'no_changes' | 'disabled' | 'not_configured' | 'not_found';
export type PlanResult = {
  status: PlanStatus;
  syncId: string | null;
  adds: number;
  removes: number;
  refreshes: number;
  deferred: number;
  excluded: Record<ExclusionReason, number> | null;
};

const settingsRow = z.object({ enabled: z.boolean(), config: z.record(z.unknown()) });
const syncRow = z.object({ sync_id: z.coerce.string(), adds: z.number(), removes: z.number(), refreshes: z.number(), deferred: z.number(), excluded: z.record(z.number()) });
const factsRow = z.object({
  email_hash: z.string(),
  paid_orders: z.coerce.number(),
  last_order_ms: z.coerce.number(),
  gpc: z.boolean(),
  not_forwardable: z.boolean(),
  ads_consent: z.boolean().nullable(),
  suppressed: z.boolean(),
});
const memberRow = z.object({ email_hash: z.string(), uploaded_ms: z.coerce.number() });

const none = (status: PlanStatus): PlanResult => ({ status, syncId: null, adds: 0, removes: 0, refreshes: 0, deferred: 0, excluded: null });

export async function planAudienceSync(deps: { appPool: DatabasePool }, input: PlanInput, now: number = Date.now()): Promise<PlanResult> {
  const { companyId, destination, audience } = input;
  return withTenant(deps.appPool, companyId, async (tx) => {
    const key = sql.fragment`company_id = ${companyId} AND destination = ${destination} AND audience = ${audience}`;
    const settings = await tx.maybeOne(sql.type(settingsRow)`SELECT enabled, config FROM audience_settings WHERE ${key} FOR UPDATE`);
    if (settings === null) return none('not_found');

    const pending = await tx.maybeOne(sql.type(syncRow)`
      SELECT sync_id, adds, removes, refreshes, deferred, excluded FROM audience_syncs WHERE ${key} AND status = 'pending'`);
    if (pending !== null) {
      return { status: 'resumed', syncId: pending.sync_id, adds: pending.adds, removes: pending.removes, refreshes: pending.refreshes, deferred: pending.deferred, excluded: pending.excluded };
    }

    // What a failed or abandoned sync left half-done is forgotten: additions Google may not have run are
    // planned again, removals likewise (both are idempotent at Google: a list is a set).
    await tx.query(sql.unsafe`DELETE FROM audience_members WHERE ${key} AND uploaded_at IS NULL`);
    await tx.query(sql.unsafe`UPDATE audience_members SET pending_op = NULL, pending_sync_id = NULL, refused = false WHERE ${key} AND pending_op IS NOT NULL`);

    const config = audienceConfigSchema.parse(settings.config);
    let desired: string[] = [];
    let excluded: Record<ExclusionReason, number> = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
    if (settings.enabled) {
      const configured = await tx.exists(sql.unsafe`SELECT 1 FROM integration_credentials WHERE company_id = ${companyId} AND source = ${destination}`);
      if (!configured) return none('not_configured');
      const people = await readPeople(tx, companyId);
      ({ hashes: desired, excluded } = desiredMembers(audience, people, now, config));
    }

    const current = await tx.any(sql.type(memberRow)`
      SELECT email_hash, extract(epoch FROM uploaded_at) * 1000 AS uploaded_ms FROM audience_members WHERE ${key} AND uploaded_at IS NOT NULL`);
    if (!settings.enabled && current.length === 0) return none('disabled');

    const diff = diffAudience(desired, current.map((m) => ({ emailHash: m.email_hash, uploadedAt: m.uploaded_ms })), {
      now,
      membershipLifeSpanDays: config.membershipLifeSpanDays,
      maxPerJob: input.maxPerJob,
    });
    const status = diff.adds.length + diff.removes.length === 0 ? 'no_changes' : 'pending';
    const syncId = await tx.oneFirst(sql.type(z.object({ sync_id: z.coerce.string() }))`
      INSERT INTO audience_syncs (company_id, destination, audience, status, adds, removes, refreshes, deferred, excluded, batch_size, workflow_id, finished_at)
      VALUES (${companyId}, ${destination}, ${audience}, ${status}, ${diff.adds.length}, ${diff.removes.length}, ${diff.refreshes}, ${diff.deferred},
        ${sql.jsonb(excluded)}, ${input.batchSize}, ${input.workflowId}, ${status === 'no_changes' ? sql.fragment`now()` : null})
      RETURNING sync_id`);
    if (status === 'no_changes') return { status: 'no_changes', syncId: null, adds: 0, removes: 0, refreshes: 0, deferred: diff.deferred, excluded };

    await tx.query(sql.unsafe`
      INSERT INTO audience_members (company_id, destination, audience, email_hash, pending_op, pending_sync_id)
      SELECT ${companyId}, ${destination}, ${audience}, h, 'add', ${syncId} FROM unnest(${sql.array(diff.adds, 'text')}) AS h
      ON CONFLICT (company_id, destination, audience, email_hash) DO UPDATE SET pending_op = 'add', pending_sync_id = EXCLUDED.pending_sync_id`);
    await tx.query(sql.unsafe`
      UPDATE audience_members SET pending_op = 'remove', pending_sync_id = ${syncId}
      WHERE ${key} AND email_hash = ANY(${sql.array(diff.removes, 'text')})`);
    return { status: 'planned', syncId, adds: diff.adds.length, removes: diff.removes.length, refreshes: diff.refreshes, deferred: diff.deferred, excluded };
  });
}

/**
 * Every person with a paid order, by email hash, with what decides whether they may be uploaded. A
 * person's linked events are those carrying their email hash and those of every visitor linked to it
 * (identity links, and the visitors their orders were placed from); their suppressions are those of the
 * email hash and of every visitor and user id linked to it.
 */
async function readPeople(tx: TenantTransaction, companyId: string): Promise<PersonFacts[]> {
  const rows = await tx.any(sql.type(factsRow)`
    WITH buyers AS (
      SELECT email_hash, count(*) AS paid_orders, extract(epoch FROM max(created_at)) * 1000 AS last_order_ms
      FROM stg_orders WHERE company_id = ${companyId} AND email_hash ~ '^[0-9a-f]{64}$'
      GROUP BY email_hash
    ),
    links AS (
      SELECT l.email_hash, nullif(l.visitor_id, '') AS visitor_id, nullif(l.user_id, '') AS user_id
      FROM identity_links l JOIN buyers b USING (email_hash) WHERE l.company_id = ${companyId}
      UNION
      SELECT o.email_hash, nullif(o.visitor_id, ''), nullif(o.user_id, '')
      FROM orders o JOIN buyers b USING (email_hash) WHERE o.company_id = ${companyId}
    ),
    events AS (
      SELECT k.email_hash, e.occurred_at, e.gpc, e.forwardable, e.consent
      FROM links k JOIN raw_events e ON e.company_id = ${companyId} AND e.visitor_id = k.visitor_id
      UNION ALL
      SELECT b.email_hash, e.occurred_at, e.gpc, e.forwardable, e.consent
      FROM buyers b JOIN raw_events e ON e.company_id = ${companyId} AND e.email_hash = b.email_hash
    ),
    facts AS (
      SELECT email_hash, bool_or(gpc) AS gpc, bool_or(NOT forwardable) AS not_forwardable,
        -- the newest event that states marketing consent decides (a withdrawal wins over an older yes)
        (array_agg((consent ->> 'marketing')::boolean ORDER BY occurred_at DESC) FILTER (WHERE jsonb_typeof(consent -> 'marketing') = 'boolean'))[1] AS ads_consent
      FROM events GROUP BY email_hash
    ),
    suppressed AS (
      SELECT b.email_hash FROM buyers b
      JOIN suppressions s ON s.company_id = ${companyId} AND s.kind = 'email_hash' AND s.value = b.email_hash
      UNION
      SELECT k.email_hash FROM links k
      JOIN suppressions s ON s.company_id = ${companyId}
        AND ((s.kind = 'visitor_id' AND s.value = k.visitor_id) OR (s.kind = 'user_id' AND s.value = k.user_id))
    )
    SELECT b.email_hash, b.paid_orders, b.last_order_ms, coalesce(f.gpc, false) AS gpc, coalesce(f.not_forwardable, false) AS not_forwardable,
      f.ads_consent, s.email_hash IS NOT NULL AS suppressed
    FROM buyers b
    LEFT JOIN facts f USING (email_hash)
    LEFT JOIN suppressed s USING (email_hash)`);
  return rows.map((r) => ({
    emailHash: r.email_hash,
    paidOrders: r.paid_orders,
    lastPaidOrderAt: r.last_order_ms,
    adsConsent: r.ads_consent,
    gpc: r.gpc,
    notForwardable: r.not_forwardable,
    suppressed: r.suppressed,
  }));
}
