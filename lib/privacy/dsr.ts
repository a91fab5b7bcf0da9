// Data subject requests: export what we hold on a person, delete it, or stop capturing them. One module
// used by the CLI (`lux dsr …`, owner connection) and the admin API (`POST /admin/dsr/…`, app role);
// both run these inside withTenant, and every query also names its company (RLS is the safety net).
//
// Who "the person" is: the identifier given (email → its hash, user id, or visitor id), widened once
// through identity_links to every visitor id, user id and email hash linked to it. docs/privacy.md
// describes what each action touches and what it deliberately leaves (raw_events is append-only; order
// records stay for accounting).
import { createHash } from 'node:crypto';
import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import { suppressionInputSchema } from './suppression-input';
import { addSuppression } from './suppressions';

export const dsrActions = ['export', 'delete', 'opt_out'] as const;
export type DsrAction = (typeof dsrActions)[number];
export type DsrChannel = 'cli' | 'admin_api';

/** `{ kind, value, reason? }` as for suppressions: an email is hashed here and never kept. */
export const dsrSubjectSchema = suppressionInputSchema;
export type DsrSubject = z.output<typeof dsrSubjectSchema>;

export type DsrIdentity = { visitorIds: string[]; userIds: string[]; emailHashes: string[] };

const linkRow = z.object({ visitor_id: z.string(), user_id: z.string(), email_hash: z.string(), first_seen_at: z.coerce.number(), last_seen_at: z.coerce.number() });
const idsRow = z.object({ visitor_ids: z.array(z.string()), user_ids: z.array(z.string()), email_hashes: z.array(z.string()) });

/** The subject and everything identity_links ties to it (one step: links are stored as triples). */
export async function resolveIdentity(tx: DatabaseTransactionConnection, companyId: string, subject: DsrSubject): Promise<DsrIdentity> {
  const column = subject.kind === 'email_hash' ? sql.identifier(['email_hash']) : subject.kind === 'user_id' ? sql.identifier(['user_id']) : sql.identifier(['visitor_id']);
  const ids = await tx.one(sql.type(idsRow)`
    WITH linked AS (
      SELECT visitor_id, user_id, email_hash FROM identity_links WHERE company_id = ${companyId} AND ${column} = ${subject.value}
    ), widened AS (
      SELECT l.visitor_id, l.user_id, l.email_hash FROM identity_links l
      WHERE l.company_id = ${companyId}
        AND (l.visitor_id IN (SELECT visitor_id FROM linked)
          OR (l.user_id <> '' AND l.user_id IN (SELECT user_id FROM linked))
          OR (l.email_hash <> '' AND l.email_hash IN (SELECT email_hash FROM linked)))
    )
    SELECT coalesce(array_agg(DISTINCT visitor_id), '{}') AS visitor_ids,
           coalesce(array_agg(DISTINCT user_id) FILTER (WHERE user_id <> ''), '{}') AS user_ids,
           coalesce(array_agg(DISTINCT email_hash) FILTER (WHERE email_hash <> ''), '{}') AS email_hashes
    FROM widened`);
  const add = (list: string[], kind: DsrSubject['kind']) => (subject.kind === kind && !list.includes(subject.value) ? [...list, subject.value] : list);
  return { visitorIds: add(ids.visitor_ids, 'visitor_id'), userIds: add(ids.user_ids, 'user_id'), emailHashes: add(ids.email_hashes, 'email_hash') };
}

const arr = (values: string[]) => sql.array(values, 'text');

const sessionRow = z.object({
  session_id: z.string(), visitor_id: z.string().nullable(), user_id: z.string().nullable(), started_at: z.coerce.number(), last_seen_at: z.coerce.number(),
  landing_page: z.string().nullable(), referrer_host: z.string().nullable(), channel: z.string(), utm_source: z.string().nullable(), utm_medium: z.string().nullable(),
  utm_campaign: z.string().nullable(), event_count: z.number(), page_view_count: z.number(),
});
const eventCountRow = z.object({ event_name: z.string(), events: z.coerce.number(), first_at: z.coerce.number(), last_at: z.coerce.number() });
const orderRow = z.object({ source: z.string(), external_id: z.string(), order_number: z.string().nullable(), status: z.string(), currency: z.string(), total_minor: z.coerce.number(), created_at: z.coerce.number() });
const leadRow = z.object({ source: z.string(), kind: z.string(), external_id: z.string(), status: z.string().nullable(), created_at: z.coerce.number() });
const suppressionRow = z.object({ kind: z.string(), value: z.string(), reason: z.string(), created_at: z.coerce.number() });

const iso = (ms: number) => new Date(ms).toISOString();

/** Everything we hold on the person, as JSON. Raw events are summarised (counts by name); they hold no IPs. */
export async function exportPersonData(tx: DatabaseTransactionConnection, companyId: string, subject: DsrSubject) {
  const who = await resolveIdentity(tx, companyId, subject);
  const links = await tx.any(sql.type(linkRow)`
    SELECT visitor_id, user_id, email_hash, first_seen_at, last_seen_at FROM identity_links
    WHERE company_id = ${companyId} AND (visitor_id = ANY(${arr(who.visitorIds)}) OR user_id = ANY(${arr(who.userIds)}) OR email_hash = ANY(${arr(who.emailHashes)}))
    ORDER BY first_seen_at`);
  const sessions = await tx.any(sql.type(sessionRow)`
    SELECT session_id, visitor_id, user_id, started_at, last_seen_at, landing_page, referrer_host, channel, utm_source, utm_medium, utm_campaign, event_count, page_view_count
    FROM sessions WHERE company_id = ${companyId} AND (visitor_id = ANY(${arr(who.visitorIds)}) OR user_id = ANY(${arr(who.userIds)}))
    ORDER BY started_at`);
  const events = await tx.any(sql.type(eventCountRow)`
    SELECT event_name, count(*) AS events, min(occurred_at) AS first_at, max(occurred_at) AS last_at FROM raw_events
    WHERE company_id = ${companyId} AND (visitor_id = ANY(${arr(who.visitorIds)}) OR user_id = ANY(${arr(who.userIds)}) OR email_hash = ANY(${arr(who.emailHashes)}))
    GROUP BY event_name ORDER BY event_name`);
  const orders = await tx.any(sql.type(orderRow)`
    SELECT source, external_id, order_number, status, currency, total_minor, created_at FROM orders
    WHERE company_id = ${companyId} AND (visitor_id = ANY(${arr(who.visitorIds)}) OR user_id = ANY(${arr(who.userIds)}) OR email_hash = ANY(${arr(who.emailHashes)}))
    ORDER BY created_at`);
  const leads = await tx.any(sql.type(leadRow)`
    SELECT source, kind, external_id, status, created_at FROM leads
    WHERE company_id = ${companyId} AND (visitor_id = ANY(${arr(who.visitorIds)}) OR user_id = ANY(${arr(who.userIds)}) OR email_hash = ANY(${arr(who.emailHashes)}))
    ORDER BY created_at`);
  const suppressions = await tx.any(sql.type(suppressionRow)`
    SELECT kind, value, reason, created_at FROM suppressions
    WHERE company_id = ${companyId} AND ((kind = 'visitor_id' AND value = ANY(${arr(who.visitorIds)})) OR (kind = 'user_id' AND value = ANY(${arr(who.userIds)})) OR (kind = 'email_hash' AND value = ANY(${arr(who.emailHashes)})))
    ORDER BY created_at`);
  const data = {
    subject: { kind: subject.kind, value: subject.value },
    identity: who,
    identity_links: links.map((l) => ({ ...l, first_seen_at: iso(l.first_seen_at), last_seen_at: iso(l.last_seen_at) })),
    sessions: sessions.map((s) => ({ ...s, started_at: iso(s.started_at), last_seen_at: iso(s.last_seen_at) })),
    raw_events_by_name: events.map((e) => ({ ...e, first_at: iso(e.first_at), last_at: iso(e.last_at) })),
    orders: orders.map((o) => ({ ...o, created_at: iso(o.created_at) })),
    leads: leads.map((l) => ({ ...l, created_at: iso(l.created_at) })),
    suppressions: suppressions.map((s) => ({ ...s, created_at: iso(s.created_at) })),
  };
  const counts = { identity_links: links.length, sessions: sessions.length, raw_events: events.reduce((n, e) => n + e.events, 0), orders: orders.length, leads: leads.length, suppressions: suppressions.length };
  return { data, counts };
}

export type DsrDeleteCounts = {
  identity_links_deleted: number;
  sessions_deleted: number;
  order_attributions_deleted: number;
  orders_unlinked: number;
  leads_unlinked: number;
  suppressions_added: number;
  raw_events_kept: number;
};

/**
 * Erases the person from derived data and stops further capture:
 *   - attribution of their orders, and of any order whose path ran through their sessions, is deleted
 *     (touches cascade); those orders are re-attributed by the pending sweep without the person;
 *   - their sessions and identity links are deleted;
 *   - their orders and leads are kept (accounting) with email_hash, visitor_id, session_id and user_id
 *     set to NULL, so nothing joins them to the person any more;
 *   - every linked visitor id, user id and email hash is suppressed, so nothing new is captured;
 *   - raw_events are append-only and are not touched: they keep pseudonymous ids only, which no longer
 *     lead to the person once the links are gone (see docs/privacy.md for what that does and does not mean).
 */
export async function deletePersonData(tx: DatabaseTransactionConnection, companyId: string, subject: DsrSubject, reason: string): Promise<{ identity: DsrIdentity; counts: DsrDeleteCounts }> {
  const who = await resolveIdentity(tx, companyId, subject);
  const visitors = arr(who.visitorIds);
  const users = arr(who.userIds);
  const emails = arr(who.emailHashes);
  const personOrders = sql.fragment`company_id = ${companyId} AND (visitor_id = ANY(${visitors}) OR user_id = ANY(${users}) OR email_hash = ANY(${emails}))`;
  const personSessions = sql.fragment`company_id = ${companyId} AND (visitor_id = ANY(${visitors}) OR user_id = ANY(${users}))`;

  const attributions = await tx.query(sql.unsafe`
    DELETE FROM order_attribution a
    WHERE a.company_id = ${companyId}
      AND ((a.source, a.external_id) IN (SELECT source, external_id FROM orders WHERE ${personOrders})
        OR (a.source, a.external_id) IN (
          SELECT t.source, t.external_id FROM attribution_touches t
          WHERE t.company_id = ${companyId} AND (t.visitor_id = ANY(${visitors}) OR t.session_id IN (SELECT session_id FROM sessions WHERE ${personSessions}))))`);
  const sessions = await tx.query(sql.unsafe`DELETE FROM sessions WHERE ${personSessions}`);
  const orders = await tx.query(sql.unsafe`
    UPDATE orders SET email_hash = NULL, visitor_id = NULL, session_id = NULL, user_id = NULL, updated_at = now() WHERE ${personOrders}`);
  const leads = await tx.query(sql.unsafe`
    UPDATE leads SET email_hash = NULL, visitor_id = NULL, session_id = NULL, user_id = NULL, updated_at = now() WHERE ${personOrders}`);
  const links = await tx.query(sql.unsafe`
    DELETE FROM identity_links WHERE company_id = ${companyId} AND (visitor_id = ANY(${visitors}) OR user_id = ANY(${users}) OR email_hash = ANY(${emails}))`);
  let suppressed = 0;
  const note = reason || 'data subject deletion request';
  for (const value of who.visitorIds) if (await addSuppression(tx, companyId, { kind: 'visitor_id', value, reason: note })) suppressed += 1;
  for (const value of who.userIds) if (await addSuppression(tx, companyId, { kind: 'user_id', value, reason: note })) suppressed += 1;
  for (const value of who.emailHashes) if (await addSuppression(tx, companyId, { kind: 'email_hash', value, reason: note })) suppressed += 1;
  const rawKept = await tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    SELECT count(*) AS n FROM raw_events WHERE company_id = ${companyId} AND (visitor_id = ANY(${visitors}) OR user_id = ANY(${users}) OR email_hash = ANY(${emails}))`);
  return {
    identity: who,
    counts: {
      identity_links_deleted: links.rowCount,
      sessions_deleted: sessions.rowCount,
      order_attributions_deleted: attributions.rowCount,
      orders_unlinked: orders.rowCount,
      leads_unlinked: leads.rowCount,
      suppressions_added: suppressed,
      raw_events_kept: rawKept,
    },
  };
}

/** Opt-out: the identifier is suppressed (and with it every visitor linked to it, at capture time). */
export async function optOutPerson(tx: DatabaseTransactionConnection, companyId: string, subject: DsrSubject, reason: string) {
  const added = await addSuppression(tx, companyId, { ...subject, reason: reason || 'data subject opt-out' });
  return { counts: { suppressions_added: added ? 1 : 0 } };
}

/** SHA-256 of "<kind>:<value>": the request log names the person without keeping the identifier. */
export function subjectDigest(subject: Pick<DsrSubject, 'kind' | 'value'>): string {
  return createHash('sha256').update(`${subject.kind}:${subject.value}`, 'utf8').digest('hex');
}

export async function recordDsrRequest(
  tx: DatabaseTransactionConnection,
  companyId: string,
  request: { action: DsrAction; subject: DsrSubject; via: DsrChannel; reason: string; counts: Record<string, number> },
): Promise<string> {
  return tx.oneFirst(sql.type(z.object({ request_id: z.string() }))`
    INSERT INTO dsr_requests (company_id, action, subject_kind, subject_digest, requested_via, reason, counts)
    VALUES (${companyId}, ${request.action}, ${request.subject.kind}, ${subjectDigest(request.subject)}, ${request.via}, ${request.reason.slice(0, 500)}, ${sql.jsonb(request.counts)})
    RETURNING request_id`);
}

/** One request, start to end, in the caller's tenant transaction: the action and its log row commit together. */
export async function handleDsrRequest(tx: DatabaseTransactionConnection, companyId: string, action: DsrAction, subject: DsrSubject, via: DsrChannel) {
  const reason = subject.reason;
  if (action === 'export') {
    const { data, counts } = await exportPersonData(tx, companyId, subject);
    const requestId = await recordDsrRequest(tx, companyId, { action, subject, via, reason, counts });
    return { request_id: requestId, action, counts, data };
  }
  if (action === 'delete') {
    const { counts } = await deletePersonData(tx, companyId, subject, reason);
    const requestId = await recordDsrRequest(tx, companyId, { action, subject, via, reason, counts });
    return { request_id: requestId, action, counts };
  }
  const { counts } = await optOutPerson(tx, companyId, subject, reason);
  const requestId = await recordDsrRequest(tx, companyId, { action, subject, via, reason, counts });
  return { request_id: requestId, action, counts };
}
