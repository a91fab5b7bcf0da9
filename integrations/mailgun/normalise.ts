// Mailgun event-data → message records: the send (upserted from every event; the earliest event time is
// its sent_at) and the event itself, unique on event-data.id. Campaign, message and creative come from
// user-variables (X-Mailgun-Variables: lux_campaign_id, lux_message_id, lux_creative_id, lux_concept_angle),
// the campaign falling back to the first tag. docs/integrations/mailgun.md has the table.
import { z } from 'zod';
import type { NormaliseResult } from '../../lib/commerce/records';
import { hashEmail, scrubEmails } from '../../lib/enrichment/privacy';
import { detectProxyOpen } from '../../lib/messages/proxy-open';
import { messageEvent, type MessageEventType } from '../../lib/messages/records';

const text = z.string().max(2000);
const eventDataSchema = z
  .object({
    id: z.string().min(1).max(300),
    event: z.string().min(1).max(100),
    timestamp: z.number().positive(),
    recipient: z.string().max(500).optional(),
    severity: z.string().max(50).optional(),
    reason: z.string().max(500).optional(),
    url: text.optional(),
    tags: z.array(z.string().max(200)).optional(),
    'user-variables': z.record(z.unknown()).optional(),
    'delivery-status': z.object({ code: z.union([z.number(), z.string()]).optional(), message: text.optional(), description: text.optional() }).passthrough().optional(),
    'client-info': z
      .object({ 'user-agent': text.optional(), bot: z.string().max(100).optional(), 'is-proxy': z.boolean().optional() })
      .passthrough()
      .optional(),
    message: z.object({ headers: z.object({ 'message-id': z.string().min(1).max(300) }).passthrough() }).passthrough(),
  })
  .passthrough();

const EVENT_TYPES: Record<string, MessageEventType | 'failed?'> = {
  accepted: 'accepted',
  delivered: 'delivered',
  failed: 'failed?',
  opened: 'opened',
  clicked: 'clicked',
  unsubscribed: 'unsubscribed',
  complained: 'complained',
};

function variable(vars: Record<string, unknown> | undefined, ...names: string[]): string | null {
  for (const name of names) {
    const value = vars?.[name];
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') return String(value).trim().slice(0, 200);
  }
  return null;
}

export function normaliseMailgunWebhook(topic: string, payload: unknown): NormaliseResult {
  const body = payload as { 'event-data'?: unknown } | null;
  const parsed = eventDataSchema.safeParse(body?.['event-data']);
  if (!parsed.success) {
    return { ok: false, rejected: { externalId: null, reason: `mailgun ${topic}: ${parsed.error.issues.map((i) => `event-data.${i.path.join('.')}: ${i.message}`).join('; ')}`, raw: null } };
  }
  const e = parsed.data;
  const mapped = EVENT_TYPES[e.event];
  if (!mapped) return { ok: true, records: [] }; // stored, list events and the like: kept raw only
  const eventType: MessageEventType = mapped === 'failed?' ? (e.severity === 'permanent' ? 'bounced' : 'failed') : mapped;
  const occurredAt = new Date(Math.round(e.timestamp * 1000)).toISOString();
  const sendId = e.message.headers['message-id'].trim().replace(/^<|>$/g, '');
  const vars = e['user-variables'];
  const recipientHash = hashEmail(e.recipient) ?? null;
  const client = e['client-info'];
  const proxy = eventType === 'opened' ? detectProxyOpen({ userAgent: client?.['user-agent'] ?? null, openedAt: occurredAt, providerFlag: client?.['is-proxy'] ?? null, providerBot: client?.bot ?? null }) : { proxy: false, reason: null };
  const status = e['delivery-status'];
  const reason = e.reason ?? status?.description ?? status?.message ?? null;
  return {
    ok: true,
    records: [
      {
        kind: 'message_send',
        send: {
          provider: 'mailgun',
          sendId,
          channel: 'email',
          campaignId: variable(vars, 'lux_campaign_id', 'campaign_id') ?? e.tags?.[0]?.slice(0, 200) ?? null,
          messageId: variable(vars, 'lux_message_id', 'message_id'),
          creativeId: variable(vars, 'lux_creative_id', 'creative_id'),
          conceptAngle: variable(vars, 'lux_concept_angle', 'concept_angle'),
          recipientHash,
          sentAt: occurredAt,
          recordedBy: 'webhook',
        },
      },
      {
        kind: 'message_event',
        event: messageEvent({
          provider: 'mailgun',
          providerEventId: e.id,
          sendId,
          channel: 'email',
          eventType,
          occurredAt,
          recordedBy: 'webhook',
          recipientHash,
          severity: eventType === 'bounced' ? 'permanent' : eventType === 'failed' ? (e.severity === 'temporary' ? 'temporary' : null) : null,
          reason: reason === null ? null : scrubEmails(String(reason)).slice(0, 500),
          url: eventType === 'clicked' && e.url ? scrubEmails(e.url).slice(0, 2048) : null,
          proxyOpen: proxy.proxy,
          proxyReason: proxy.reason,
        }),
      },
    ],
  };
}
