// Signed tokens for the collector's first-party message tracking: the open pixel (/m/o/<token>.gif), the
// click redirect (/m/c/<token>) and SMS short links (/m/s/<code>.<signature>). docs/messages.md.
//
// A token is `<payload>.<signature>`: payload = base64url(JSON), signature = base64url(HMAC-SHA256(key,
// "lux-msg-v1." + payload)). Everything the collector acts on (company, send, the URL a click goes to)
// is inside the signed payload, so changing any byte of it (another URL, another send) fails the check,
// and the redirect can only ever go to the URL that was signed. Compared in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Minimum key length (config MESSAGE_LINK_SECRET): 32 characters of random secret. */
export const MIN_MESSAGE_KEY_LENGTH = 32;

const TOKEN_CONTEXT = 'lux-msg-v1.';
const SHORT_CONTEXT = 'lux-link-v1.';
/** Short-link signatures are cut to 16 base64url characters (96 bits): SMS bodies are short. */
const SHORT_SIGNATURE_LENGTH = 16;
/** Longest token accepted at all (a signed URL of 2048 characters plus the envelope). */
export const MAX_TOKEN_LENGTH = 4096;

const B64URL = /^[A-Za-z0-9_-]+$/;

export const messageTokenPayloadSchema = z
  .object({
    v: z.literal(1),
    /** o: open pixel, c: click redirect */
    k: z.enum(['o', 'c']),
    /** company id */
    c: z.string().uuid(),
    /** provider of the send */
    p: z.string().regex(/^[a-z0-9_-]{1,40}$/),
    /** send id */
    s: z.string().min(1).max(300),
    /** channel: e(mail) or s(ms) */
    ch: z.enum(['e', 's']),
    /** the URL a click goes to (clicks only) */
    u: z.string().url().max(2048).optional(),
  })
  .strict()
  .refine((t) => (t.k === 'c') === (t.u !== undefined), 'a click token carries a URL, an open token none')
  .refine((t) => t.u === undefined || /^https?:\/\//i.test(t.u), 'the URL must be http(s)');

export type MessageTokenPayload = z.infer<typeof messageTokenPayloadSchema>;

export type TokenVerification<T> = { ok: true; payload: T } | { ok: false; reason: string };

function hmac(key: string, data: string): Buffer {
  if (key.length < MIN_MESSAGE_KEY_LENGTH) throw new Error(`the message link key must be at least ${MIN_MESSAGE_KEY_LENGTH} characters`);
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Constant-time comparison of two base64url strings (different lengths are simply unequal). */
export function safeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // same amount of work either way
    return false;
  }
  return timingSafeEqual(x, y);
}

export function signMessageToken(key: string, payload: MessageTokenPayload): string {
  const checked = messageTokenPayloadSchema.parse(payload);
  const body = Buffer.from(JSON.stringify(checked), 'utf8').toString('base64url');
  return `${body}.${hmac(key, TOKEN_CONTEXT + body).toString('base64url')}`;
}

export function verifyMessageToken(key: string, token: string, expectedKind?: MessageTokenPayload['k']): TokenVerification<MessageTokenPayload> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'token is empty or too long' };
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'token is not <payload>.<signature>' };
  const body = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (!B64URL.test(body) || !B64URL.test(signature)) return { ok: false, reason: 'token is not base64url' };
  // The signature first: nothing in an unsigned payload is read.
  if (!safeEqualText(signature, hmac(key, TOKEN_CONTEXT + body).toString('base64url'))) return { ok: false, reason: 'token signature does not match' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token payload is not JSON' };
  }
  const parsed = messageTokenPayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `token payload is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
  if (expectedKind && parsed.data.k !== expectedKind) return { ok: false, reason: `expected a ${expectedKind === 'o' ? 'open' : 'click'} token` };
  return { ok: true, payload: parsed.data };
}

/** A new random short-link code (12 base64url characters, 72 random bits). */
export function newShortLinkCode(): string {
  return randomBytes(9).toString('base64url');
}

/** `<code>.<signature>` of a short link: the code names a message_links row, the signature proves we issued it. */
export function signShortLink(key: string, code: string): string {
  if (!/^[A-Za-z0-9_-]{8,32}$/.test(code)) throw new Error('a short-link code is 8-32 base64url characters');
  return `${code}.${hmac(key, SHORT_CONTEXT + code).toString('base64url').slice(0, SHORT_SIGNATURE_LENGTH)}`;
}

export function verifyShortLink(key: string, token: string): TokenVerification<{ code: string }> {
  const match = /^([A-Za-z0-9_-]{8,32})\.([A-Za-z0-9_-]{16})$/.exec(token);
  if (!match) return { ok: false, reason: 'short link is not <code>.<signature>' };
  const [, code = '', signature = ''] = match;
  const expected = hmac(key, SHORT_CONTEXT + code).toString('base64url').slice(0, SHORT_SIGNATURE_LENGTH);
  if (!safeEqualText(signature, expected)) return { ok: false, reason: 'short link signature does not match' };
  return { ok: true, payload: { code } };
}
