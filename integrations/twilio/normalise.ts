// Twilio status callbacks and inbound messages → message records. Status callbacks carry no time, so the
// time the delivery reached us (raw_webhooks.received_at) is the event's time. Inbound replies are hashed
// by the sender's number and credited to the latest SMS send to that number within 7 days; STOP and its
// synonyms (lib/messages/opt-out.ts) are opt-outs, anything else a response. docs/integrations/twilio.md.
import type { NormaliseResult } from '../../lib/commerce/records';
import { classifySmsReply } from '../../lib/messages/opt-out';
import { hashPhone, messageEvent, type MessageEventType } from '../../lib/messages/records';
import { isInbound, type TwilioParams } from './webhook';

/** How far back an inbound reply looks for the send it answers. */
export const REPLY_MATCH_DAYS = 7;

const STATUS_EVENTS: Record<string, MessageEventType | null> = {
  queued: 'accepted',
  accepted: 'accepted',
  scheduled: 'accepted',
  sending: null,
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
  // WhatsApp/RCS read receipts and inbound states: not SMS delivery outcomes
  read: null,
  partially_delivered: null,
  receiving: null,
  received: null,
};

const one = (value: string | string[] | undefined): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function normaliseTwilioWebhook(topic: string, payload: unknown, receivedAt: string): NormaliseResult {
  if (typeof payload !== 'object' || payload === null) return { ok: false, rejected: { externalId: null, reason: 'twilio: payload is not a parameter map', raw: null } };
  const params = payload as TwilioParams;
  const sid = one(params.MessageSid) ?? one(params.SmsSid);
  if (sid === null) return { ok: false, rejected: { externalId: null, reason: 'twilio: no MessageSid', raw: null } };

  if (isInbound(params)) {
    const from = hashPhone(one(params.From)) ?? null;
    const kind = classifySmsReply(one(params.Body));
    return {
      ok: true,
      records: [
        {
          kind: 'message_event',
          event: messageEvent({
            provider: 'twilio',
            providerEventId: `inbound:${sid}`,
            sendId: null,
            channel: 'sms',
            eventType: kind === 'opt_out' ? 'opted_out' : 'replied',
            occurredAt: receivedAt,
            recordedBy: 'webhook',
            recipientHash: from,
            // the reply text is personal: only what kind of reply it was is kept
            reason: kind === 'opt_out' ? 'opt-out keyword' : kind === 'opt_in' ? 'opt-in keyword' : kind === 'help' ? 'help keyword' : 'reply',
            matchLatestSmsSendDays: REPLY_MATCH_DAYS,
          }),
        },
      ],
    };
  }

  const status = one(params.MessageStatus) ?? one(params.SmsStatus);
  if (status === null) return { ok: true, records: [] };
  const eventType = STATUS_EVENTS[status];
  if (eventType === undefined) return { ok: false, rejected: { externalId: sid, reason: `twilio: unknown MessageStatus ${JSON.stringify(status.slice(0, 40))}`, raw: null } };
  if (eventType === null) return { ok: true, records: [] };
  const to = hashPhone(one(params.To)) ?? null;
  const errorCode = one(params.ErrorCode);
  return {
    ok: true,
    records: [
      {
        kind: 'message_send',
        send: { provider: 'twilio', sendId: sid, channel: 'sms', campaignId: null, messageId: null, creativeId: null, conceptAngle: null, recipientHash: to, sentAt: receivedAt, recordedBy: 'webhook' },
      },
      {
        kind: 'message_event',
        event: messageEvent({
          provider: 'twilio',
          providerEventId: `${sid}:${status}`,
          sendId: sid,
          channel: 'sms',
          eventType,
          occurredAt: receivedAt,
          recordedBy: 'webhook',
          recipientHash: to,
          severity: eventType === 'failed' ? 'permanent' : null,
          reason: eventType === 'failed' ? `${status}${errorCode ? ` (error ${errorCode.slice(0, 20)})` : ''}` : null,
        }),
      },
    ],
  };
}
