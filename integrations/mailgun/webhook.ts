// Mailgun event webhooks (../shared/REFERENCE.md "Webhook authenticity"): the signature is in the JSON
// body, {"signature": {"timestamp", "token", "signature"}, "event-data": {...}}, and is
// hex(HMAC-SHA256(webhook signing key, timestamp + token)), compared in constant time. The signature does
// not cover event-data, so a captured signature could be replayed with other event data: every token is
// usable once. The dedupe key is the token, so raw_webhooks' unique (company, source, dedupe_key) is the
// token cache, and the collector refuses a second delivery with the same token (refuseRedelivery).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { WebhookVerification } from '../contracts';

const envelopeSchema = z.object({
  signature: z.object({
    timestamp: z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,12}$/, 'expected unix seconds')),
    token: z.string().regex(/^[A-Za-z0-9]{10,100}$/, 'expected a token of 10-100 letters and digits'),
    signature: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters'),
  }),
  'event-data': z.object({ event: z.string().min(1).max(100), id: z.string().min(1).max(300).optional() }).passthrough(),
});

export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token, 'utf8').digest('hex');
}

export function verifyMailgunWebhook(rawBody: Buffer, signingKey: string): WebhookVerification {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'mailgun: body is not JSON (configure the webhook for JSON event data)' };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `mailgun: body has no valid signature block: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const { timestamp, token, signature } = parsed.data.signature;
  const expected = Buffer.from(mailgunSignature(signingKey, timestamp, token), 'hex');
  const given = Buffer.from(signature.toLowerCase(), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'mailgun: signature does not match timestamp + token' };
  const event = parsed.data['event-data'];
  return {
    ok: true,
    webhook: { topic: event.event, dedupeKey: `token:${token}`, deliveryId: event.id ?? null, payload: json },
  };
}
