// API keys. Site keys (lux_pk_…) are public and identify a storefront; secret keys (lux_sk_…) are
// shown once and stored only as SHA-256. Both carry 192+ bits of randomness.
import { createHash, randomBytes } from 'node:crypto';

export const SITE_KEY_PREFIX = 'lux_pk_';
export const SECRET_KEY_PREFIX = 'lux_sk_';

export function generateSiteKey(): string {
  return SITE_KEY_PREFIX + randomBytes(24).toString('base64url');
}

export type GeneratedSecretKey = { key: string; hash: string; prefix: string };

export function hashSecretKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateSecretKey(): GeneratedSecretKey {
  const key = SECRET_KEY_PREFIX + randomBytes(32).toString('base64url');
  // The prefix lets a person tell keys apart in a list without revealing them.
  return { key, hash: hashSecretKey(key), prefix: key.slice(0, 12) };
}

export function looksLikeSecretKey(value: string): boolean {
  return value.startsWith(SECRET_KEY_PREFIX);
}
