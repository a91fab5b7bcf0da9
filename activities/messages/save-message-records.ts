// Stores message records (lib/messages/records.ts) inside a tenant transaction: sends upserted on
// (company, provider, send id), events inserted once per (company, provider, provider event id) into the
// append-only message_events (a redelivery or retry inserts nothing). Set-based: one statement each for
// however many records a page or webhook brings.
import { sql } from 'slonik';
import { z } from 'zod';
import type { TenantTransaction } from '../../lib/db/tenant';
import { linkRef } from '../../lib/messages/links';
import type { MessageEvent, MessageSend } from '../../lib/messages/records';

const countRow = z.object({ n: z.coerce.number() });

/**
 * A send already stored keeps what it knows (campaign, message, creative, recipient) unless the new record
 * knows more; sent_at moves only earlier (a provider event's time is an upper bound of the send time).
 */
export async function saveMessageSends(tx: TenantTransaction, companyId: string, sends: MessageSend[]): Promise<number> {
  if (sends.length === 0) return 0;
  const rows = sends.map((s) => ({ ...s, linkRef: linkRef(s.provider, s.sendId) }));
  return tx.oneFirst(sql.type(countRow)`
    WITH input AS (
      SELECT DISTINCT ON (provider, "sendId") * FROM jsonb_to_recordset(${sql.jsonb(rows)}) AS t(
        provider text, "sendId" text, channel text, "campaignId" text, "messageId" text, "creativeId" text,
        "conceptAngle" text, "recipientHash" text, "sentAt" timestamptz, "recordedBy" text, "linkRef" text)
      ORDER BY provider, "sendId", "sentAt"
    ),
    upserted AS (
      INSERT INTO message_sends AS s (company_id, provider, send_id, channel, campaign_id, message_id, creative_id, concept_angle,
        recipient_hash, sent_at, link_ref, recorded_by)
      SELECT ${companyId}, provider, "sendId", channel, "campaignId", "messageId", "creativeId", "conceptAngle", "recipientHash",
        "sentAt", "linkRef", "recordedBy"
      FROM input
      ON CONFLICT (company_id, provider, send_id) DO UPDATE SET
        campaign_id = coalesce(EXCLUDED.campaign_id, s.campaign_id), message_id = coalesce(EXCLUDED.message_id, s.message_id),
        creative_id = coalesce(EXCLUDED.creative_id, s.creative_id), concept_angle = coalesce(EXCLUDED.concept_angle, s.concept_angle),
        recipient_hash = coalesce(s.recipient_hash, EXCLUDED.recipient_hash), sent_at = least(s.sent_at, EXCLUDED.sent_at),
        updated_at = now()
      WHERE (s.campaign_id, s.message_id, s.creative_id, s.concept_angle, s.recipient_hash, s.sent_at)
        IS DISTINCT FROM (coalesce(EXCLUDED.campaign_id, s.campaign_id), coalesce(EXCLUDED.message_id, s.message_id),
          coalesce(EXCLUDED.creative_id, s.creative_id), coalesce(EXCLUDED.concept_angle, s.concept_angle),
          coalesce(s.recipient_hash, EXCLUDED.recipient_hash), least(s.sent_at, EXCLUDED.sent_at))
      RETURNING 1
    )
    SELECT count(*) AS n FROM upserted`);
}

/**
 * Inserts the events not stored yet; returns how many were new. An inbound reply without a send id is
 * credited to the latest SMS send of the same provider to the same recipient hash within its window (or
 * stays unmatched).
 */
export async function saveMessageEvents(tx: TenantTransaction, companyId: string, events: MessageEvent[], webhookId: number | null): Promise<number> {
  if (events.length === 0) return 0;
  return tx.oneFirst(sql.type(countRow)`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${sql.jsonb(events)}) AS t(
        provider text, "providerEventId" text, "sendId" text, channel text, "eventType" text, "occurredAt" timestamptz,
        "recipientHash" text, severity text, reason text, url text, "proxyOpen" boolean, "proxyReason" text, "recordedBy" text,
        "matchLatestSmsSendDays" integer)
    ),
    matched AS (
      SELECT i.*, coalesce(i."sendId", m.send_id) AS send_id
      FROM input i
      LEFT JOIN LATERAL (
        SELECT s.send_id FROM message_sends s
        WHERE i."sendId" IS NULL AND i."matchLatestSmsSendDays" IS NOT NULL AND i."recipientHash" IS NOT NULL
          AND s.company_id = ${companyId} AND s.provider = i.provider AND s.channel = 'sms' AND s.recipient_hash = i."recipientHash"
          AND s.sent_at <= i."occurredAt" AND s.sent_at > i."occurredAt" - make_interval(days => i."matchLatestSmsSendDays")
        ORDER BY s.sent_at DESC, s.send_id DESC LIMIT 1
      ) m ON true
    ),
    inserted AS (
      INSERT INTO message_events (company_id, provider, provider_event_id, send_id, channel, event_type, occurred_at, recipient_hash,
        severity, reason, url, proxy_open, proxy_reason, webhook_id, recorded_by)
      SELECT ${companyId}, provider, "providerEventId", send_id, channel, "eventType", "occurredAt", "recipientHash",
        severity, reason, url, coalesce("proxyOpen", false), "proxyReason", ${webhookId}::bigint, "recordedBy"
      FROM matched
      ON CONFLICT (company_id, provider, provider_event_id) DO NOTHING
      RETURNING 1
    )
    SELECT count(*) AS n FROM inserted`);
}
