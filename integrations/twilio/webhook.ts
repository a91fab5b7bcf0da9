// Twilio requests (status callbacks and inbound messages) are form-encoded and signed
// (../shared/REFERENCE.md): X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL including the query
// string + every POST parameter as name followed by value, sorted by name, no delimiters)). This is what
// the SDK's getExpectedTwilioSignature computes (repeated parameters: each value, sorted); it is written out
// here instead of pulling in the twilio SDK for one function, and tested against hand-built vectors.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifiedWebhook, WebhookHeaders, WebhookVerification } from '../contracts';

export type TwilioParams = Record<string, string | string[]>;

/** application/x-www-form-urlencoded → params (a repeated name becomes an array, in order). */
export function parseTwilioForm(raw: Buffer | string): TwilioParams {
  const params: TwilioParams = {};
  for (const [name, value] of new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8'))) {
    const seen = params[name];
    if (seen === undefined) params[name] = value;
    else params[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    for (const v of Array.isArray(value) ? [...value].sort() : [value]) data += name + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function header(headers: WebhookHeaders, name: string): string | null {
  const value = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(value)) return null; // a doubled signature header never verifies
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

const one = (value: string | string[] | undefined): string | null => (typeof value === 'string' && value !== '' ? value : null);

export type TwilioVerifyOptions = { authToken: string; url: string; accountSid?: string | null };

export function verifyTwilioWebhook(rawBody: Buffer, headers: WebhookHeaders, options: TwilioVerifyOptions): WebhookVerification {
  const signature = header(headers, 'x-twilio-signature');
  if (signature === null) return { ok: false, reason: 'twilio: missing X-Twilio-Signature header' };
  const params = parseTwilioForm(rawBody);
  const expected = Buffer.from(twilioSignature(options.authToken, options.url, params), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: `twilio: X-Twilio-Signature does not match the URL ${options.url} and the POST parameters` };
  }
  if (options.accountSid && one(params.AccountSid) !== options.accountSid) {
    return { ok: false, reason: `twilio: request for account ${JSON.stringify(one(params.AccountSid))}, this company is connected to ${options.accountSid}` };
  }
  const sid = one(params.MessageSid) ?? one(params.SmsSid);
  if (sid === null) return { ok: false, reason: 'twilio: no MessageSid: only messaging status callbacks and inbound messages are handled' };
  const status = one(params.MessageStatus);
  const inbound = isInbound(params);
  const webhook: VerifiedWebhook = inbound
    ? { topic: 'inbound', dedupeKey: `inbound:${sid}`, deliveryId: sid, payload: params }
    : status === null
      ? { topic: 'unknown', dedupeKey: `sha256:${createHash('sha256').update(rawBody).digest('hex')}`, deliveryId: sid, payload: params }
      : // One callback per status change; a retry of the same one carries the same sid and status.
        { topic: `status.${status}`, dedupeKey: `status:${sid}:${status}`, deliveryId: sid, payload: params };
  return { ok: true, webhook };
}

/** An inbound message webhook carries the text (Body) and SmsStatus/MessageStatus "received" (or none). */
export function isInbound(params: TwilioParams): boolean {
  const status = one(params.MessageStatus) ?? one(params.SmsStatus);
  return typeof params.Body === 'string' && (status === null || status === 'received' || status === 'receiving');
}
