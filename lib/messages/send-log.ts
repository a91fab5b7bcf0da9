// The provider-agnostic send log (POST /m/send-log, docs/messages.md): what a sender (a plain SMTP
// mailer, an ESP without a LUX integration, an SMS gateway) tells us about its sends and their outcomes.
// Recipients arrive in clear and are hashed before anything else sees them.
import { z } from 'zod';
import { hashEmail } from '../enrichment/privacy';
import { hashPhone, MESSAGE_CHANNELS, providerSchema } from './records';

const optionalLabel = (max: number) => z.string().trim().min(1).max(max).optional();
const instant = z.union([z.string().datetime({ offset: true, message: 'expected an ISO 8601 time with an offset' }), z.number().int().positive()]);
const httpUrl = z.string().max(2048).url('expected an http(s) URL').refine((u) => /^https?:\/\//i.test(u), 'expected an http(s) URL');

export const SEND_LOG_MAX_ITEMS = 1000;
export const SEND_LOG_MAX_LINKS = 50;

export const sendLogEntrySchema = z
  .object({
    provider: providerSchema.default('smtp'),
    send_id: z.string().trim().min(1).max(300),
    channel: z.enum(MESSAGE_CHANNELS),
    campaign_id: optionalLabel(200),
    message_id: optionalLabel(200),
    creative_id: optionalLabel(128),
    concept_angle: optionalLabel(100),
    /** The recipient's email (email) or E.164 phone number (sms): hashed at once, never stored. */
    recipient: z.string().trim().min(3).max(320).optional(),
    /** Already hashed (SHA-256 hex of the normalised email / E.164 phone), instead of recipient. */
    recipient_hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest').optional(),
    sent_at: instant.optional(),
    /** URLs in the message to turn into tracked links (email: /m/c/<token>; sms: short /m/s/<code>). */
    links: z.array(httpUrl).max(SEND_LOG_MAX_LINKS).optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.recipient !== undefined && entry.recipient_hash !== undefined) ctx.addIssue({ code: 'custom', path: ['recipient_hash'], message: 'give recipient or recipient_hash, not both' });
    if (entry.recipient !== undefined) {
      const hash = entry.channel === 'sms' ? hashPhone(entry.recipient) : hashEmail(entry.recipient);
      if (!hash) ctx.addIssue({ code: 'custom', path: ['recipient'], message: entry.channel === 'sms' ? 'expected an E.164 phone number (+4915112345678)' : 'expected an email address' });
    }
  });

export const SEND_LOG_EVENT_TYPES = ['delivered', 'opened', 'clicked', 'bounced', 'failed', 'unsubscribed', 'complained', 'opted_out', 'replied'] as const;

export const sendLogEventSchema = z
  .object({
    provider: providerSchema.default('smtp'),
    /** The sender's own unique id of this event: a retry with the same id is stored once. */
    event_id: z.string().trim().min(1).max(200),
    send_id: z.string().trim().min(1).max(300),
    channel: z.enum(MESSAGE_CHANNELS),
    event_type: z.enum(SEND_LOG_EVENT_TYPES),
    occurred_at: instant,
    severity: z.enum(['permanent', 'temporary']).optional(),
    reason: z.string().max(500).optional(),
    url: httpUrl.optional(),
  })
  .strict();

export const sendLogBodySchema = z
  .object({
    sends: z.array(sendLogEntrySchema).max(SEND_LOG_MAX_ITEMS).default([]),
    events: z.array(sendLogEventSchema).max(SEND_LOG_MAX_ITEMS).default([]),
  })
  .strict()
  .refine((b) => b.sends.length + b.events.length > 0, 'expected at least one of sends[] or events[]');

export type SendLogBody = z.infer<typeof sendLogBodySchema>;
export type SendLogEntry = z.infer<typeof sendLogEntrySchema>;

export const toIso = (value: string | number | undefined, fallback: Date): string => (value === undefined ? fallback.toISOString() : new Date(value).toISOString());

export function recipientHashOf(entry: SendLogEntry): string | null {
  if (entry.recipient_hash) return entry.recipient_hash;
  if (!entry.recipient) return null;
  return (entry.channel === 'sms' ? hashPhone(entry.recipient) : hashEmail(entry.recipient)) ?? null;
}
