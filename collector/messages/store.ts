// The collector's message queries: sends logged through POST /m/send-log, and the opens and clicks of the
// pixel and redirect endpoints. Sends and events go through the same savers as the webhook records
// (activities/messages/save-message-records.ts), so every source is stored by the same rules.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import { saveMessageEvents, saveMessageSends } from '../../activities/messages/save-message-records';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant, type TenantTransaction } from '../../lib/db/tenant';
import { messageEvent, type MessageChannel, type MessageEvent, type MessageSend } from '../../lib/messages/records';

const sendRow = z.object({
  campaign_id: z.string().nullable(),
  creative_id: z.string().nullable(),
  sent_at: z.number(),
  delivered_at: z.number().nullable(),
  // tracking off for the company, or the recipient is on the suppression list: nothing is recorded
  capture: z.boolean(),
});

export type TrackedSend = z.infer<typeof sendRow>;

/** The send a token names, with what a click or open needs; null when it was never logged. */
export async function findTrackedSend(tx: TenantTransaction, companyId: string, provider: string, sendId: string): Promise<TrackedSend | null> {
  return tx.maybeOne(sql.type(sendRow)`
    SELECT s.campaign_id, s.creative_id, s.sent_at,
      (SELECT min(e.occurred_at) FROM message_events e
       WHERE e.company_id = s.company_id AND e.provider = s.provider AND e.send_id = s.send_id AND e.event_type = 'delivered') AS delivered_at,
      (c.tracking_enabled AND NOT EXISTS (
        SELECT 1 FROM suppressions x WHERE x.company_id = s.company_id AND x.kind = 'email_hash' AND x.value = s.recipient_hash)) AS capture
    FROM message_sends s JOIN companies c ON c.company_id = s.company_id
    WHERE s.company_id = ${companyId} AND s.provider = ${provider} AND s.send_id = ${sendId}`);
}

export type FirstPartyHit = {
  companyId: string;
  provider: string;
  sendId: string;
  channel: MessageChannel;
  kind: 'opened' | 'clicked';
  url: string | null;
  proxy: { proxy: boolean; reason: string | null };
};

/** One open or click: each hit is its own event (opens_total / clicks_total); unique counts are per send. */
export async function recordFirstPartyHit(tx: TenantTransaction, hit: FirstPartyHit): Promise<void> {
  const event = messageEvent({
    provider: hit.provider,
    providerEventId: `lux-${hit.kind === 'opened' ? 'open' : 'click'}:${randomUUID()}`,
    sendId: hit.sendId,
    channel: hit.channel,
    eventType: hit.kind,
    occurredAt: new Date().toISOString(),
    recordedBy: hit.kind === 'opened' ? 'pixel' : 'redirect',
    url: hit.url,
    proxyOpen: hit.proxy.proxy,
    proxyReason: hit.proxy.reason,
  });
  await saveMessageEvents(tx, hit.companyId, [event], null);
}

export async function saveSendLog(
  pool: DatabasePool,
  companyId: string,
  sends: MessageSend[],
  events: MessageEvent[],
  links: Array<{ code: string; provider: string; sendId: string; channel: MessageChannel; url: string }>,
): Promise<{ sendsWritten: number; eventsStored: number }> {
  return withTenant(pool, companyId, async (tx) => {
    const sendsWritten = await saveMessageSends(tx, companyId, sends);
    if (links.length > 0) {
      // Codes are derived from (company, send, URL), so a re-logged send gets the same short links.
      await tx.query(sql.unsafe`
        INSERT INTO message_links (company_id, code, provider, send_id, channel, url)
        SELECT ${companyId}, code, provider, "sendId", channel, url
        FROM jsonb_to_recordset(${sql.jsonb(links)}) AS t(code text, provider text, "sendId" text, channel text, url text)
        -- a code taken by another company (odds 2^-72) fails loudly on UNIQUE (code) instead of redirecting there
        ON CONFLICT (company_id, code) DO NOTHING`);
    }
    const eventsStored = await saveMessageEvents(tx, companyId, events, null);
    return { sendsWritten, eventsStored };
  });
}

const linkRow = z.object({ company_id: z.string(), provider: z.string(), send_id: z.string(), channel: z.enum(['email', 'sms']), url: z.string() });

/** A short link's row, found before the company is known (SECURITY DEFINER resolve_message_link). */
export async function resolveShortLink(pool: DatabasePool, code: string) {
  return pool.maybeOne(sql.type(linkRow)`SELECT company_id, provider, send_id, channel, url FROM resolve_message_link(${code})`);
}
