// Stateless admin/dashboard session tokens: a compact JWT (HS256) signed with ADMIN_SESSION_SECRET.
// Claims: sub (admin user id), cid (company id), role, iat, exp. The collector also re-reads the user on
// every request, so disabling a user or changing the role takes effect before the token expires.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const SESSION_TOKEN_TTL_SECONDS = 8 * 60 * 60;
export const ROLES = ['admin', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

const claimsSchema = z.object({
  sub: z.string().uuid(),
  cid: z.string().uuid(),
  role: z.enum(ROLES),
  iat: z.number().int(),
  exp: z.number().int(),
  typ: z.literal('lux-session'),
});
export type SessionClaims = z.infer<typeof claimsSchema>;

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const sign = (input: string, secret: string): Buffer => createHmac('sha256', secret).update(input).digest();

export function signSessionToken(
  claims: { userId: string; companyId: string; role: Role },
  secret: string,
  options: { now?: number; ttlSeconds?: number } = {},
): { token: string; expiresAt: Date } {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = iat + (options.ttlSeconds ?? SESSION_TOKEN_TTL_SECONDS);
  const payload = Buffer.from(JSON.stringify({ sub: claims.userId, cid: claims.companyId, role: claims.role, iat, exp, typ: 'lux-session' })).toString('base64url');
  const input = `${HEADER}.${payload}`;
  return { token: `${input}.${sign(input, secret).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

export type VerifyResult = { ok: true; claims: SessionClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifySessionToken(token: string, secret: string, now = Date.now()): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsSchema.safeParse(parsed);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  if (claims.data.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: claims.data };
}

/** Secret keys start with lux_sk_; anything with two dots is a session token. */
export const looksLikeSessionToken = (value: string): boolean => value.split('.').length === 3;
