// The normalised message records every messaging source produces (Mailgun and Twilio webhooks, the
// first-party send log, pixel and redirect hits). Stored by activities/messages/save-message-records.ts:
// sends are upserted on (company, provider, send id), events inserted once per (company, provider,
// provider event id). Recipients only as SHA-256 hashes (emails: lib/enrichment/privacy hashEmail;
// phones: hashPhone below), so no address reaches Temporal's history or our tables in clear.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const MESSAGE_CHANNELS = ['email', 'sms'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export const MESSAGE_EVENT_TYPES = ['accepted', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'failed', 'unsubscribed', 'complained', 'opted_out', 'replied'] as const;
export type MessageEventType = (typeof MESSAGE_EVENT_TYPES)[number];

const isoTime = z.string().datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');
export const providerSchema = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'expected a provider name of 1-40 of a-z 0-9 _ -');
const label = (max: number) => z.string().trim().min(1).max(max).nullable();

export const messageSendSchema = z.object({
  provider: providerSchema,
  sendId: z.string().min(1).max(300),
  channel: z.enum(MESSAGE_CHANNELS),
  campaignId: label(200),
  messageId: label(200),
  creativeId: label(128),
  conceptAngle: label(100),
  recipientHash: sha256Hex.nullable(),
  /** The send time, or the earliest time known (a later record with an earlier time moves it back). */
  sentAt: isoTime,
  recordedBy: z.enum(['send_log', 'webhook']),
});
export type MessageSend = z.infer<typeof messageSendSchema>;

export const messageEventSchema = z.object({
  provider: providerSchema,
  providerEventId: z.string().min(1).max(300),
  /** null: an inbound reply to be matched to the latest SMS send to the same number (matchLatestSmsSend). */
  sendId: z.string().min(1).max(300).nullable(),
  channel: z.enum(MESSAGE_CHANNELS),
  eventType: z.enum(MESSAGE_EVENT_TYPES),
  occurredAt: isoTime,
  recipientHash: sha256Hex.nullable(),
  severity: z.enum(['permanent', 'temporary']).nullable(),
  reason: z.string().max(500).nullable(),
  url: z.string().max(2048).nullable(),
  proxyOpen: z.boolean(),
  proxyReason: z.string().max(200).nullable(),
  recordedBy: z.enum(['webhook', 'pixel', 'redirect', 'send_log']),
  /** Inbound SMS replies: credit the latest SMS send to recipientHash within this many days (else no send). */
  matchLatestSmsSendDays: z.number().int().min(1).max(90).nullable(),
});
export type MessageEvent = z.infer<typeof messageEventSchema>;

/** An event with the defaults most sources leave empty. */
export function messageEvent(fields: Pick<MessageEvent, 'provider' | 'providerEventId' | 'sendId' | 'channel' | 'eventType' | 'occurredAt' | 'recordedBy'> & Partial<MessageEvent>): MessageEvent {
  return { recipientHash: null, severity: null, reason: null, url: null, proxyOpen: false, proxyReason: null, matchLatestSmsSendDays: null, ...fields };
}

/**
 * A phone number in E.164 (+ and digits only, as Twilio sends it), SHA-256 hex; undefined when it is not
 * a plausible E.164 number. Spaces, dashes, dots and brackets are removed first.
 */
export function hashPhone(phone: string | null | undefined): string | undefined {
  if (!phone) return undefined;
  const cleaned = phone.trim().replace(/[\s().-]/g, '');
  if (!/^\+[1-9]\d{6,14}$/.test(cleaned)) return undefined;
  return createHash('sha256').update(cleaned, 'utf8').digest('hex');
}

/** Email or phone → hash, by what the value looks like. */
export function hashRecipient(channel: MessageChannel, value: string | null | undefined, hashEmail: (e: string) => string | undefined): string | undefined {
  if (!value) return undefined;
  return channel === 'sms' ? hashPhone(value) : hashEmail(value);
}
