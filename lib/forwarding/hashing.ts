// Identifier normalisation and hashing per ad platform (../shared/REFERENCE.md "Hashing identifiers").
// Two rules exist and they differ: our storage rule (trim + lower-case, SHA-256 hex: lib/enrichment) is
// also Meta's and TikTok's; Google additionally removes dots from the local part of gmail.com /
// googlemail.com addresses. Phones: E.164 for Google ("+4915123456789"), digits only with the country code
// for Meta and TikTok ("4915123456789"), both hashed after normalising.
//
// We never store raw emails, only our storage hash (email_hash). For Meta and TikTok that hash *is* the
// vendor's hash. For Google it is the vendor's hash for every address except gmail/googlemail addresses
// with dots in the local part, which we cannot recognise from the hash: those do not match at Google (a
// miss, never a wrong match). The functions below take a raw value for callers that hold one (tests, a
// future ingest that keeps a Google-normalised hash too).
import { createHash } from 'node:crypto';

export type Vendor = 'google_ads' | 'meta' | 'tiktok';

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** A stored hash (or a vendor's): 64 lower-case hex digits. */
export const isSha256Hex = (value: string): boolean => /^[0-9a-f]{64}$/.test(value);

/** Our storage rule and Meta's/TikTok's: trimmed, lower-cased. Null when it is not an email at all. */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}

/** Google's rule: the storage rule, then no dots in the local part of gmail.com / googlemail.com addresses. */
export function normaliseEmailForGoogle(raw: string): string | null {
  const email = normaliseEmail(raw);
  if (email === null) return null;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  return domain === 'gmail.com' || domain === 'googlemail.com' ? `${local.replace(/\./g, '')}@${domain}` : email;
}

export function hashEmailFor(vendor: Vendor, raw: string): string | null {
  const normalised = vendor === 'google_ads' ? normaliseEmailForGoogle(raw) : normaliseEmail(raw);
  return normalised === null ? null : sha256Hex(normalised);
}

/**
 * E.164: "+" and 8–15 digits, the first not 0. Accepts spaces, dashes, dots, brackets and a leading "00"
 * international prefix; a number without its country code cannot be normalised (null): we never guess one.
 */
export function normalisePhoneE164(raw: string): string | null {
  let value = raw.trim().replace(/[\s\-().]/g, '');
  if (value.startsWith('00')) value = `+${value.slice(2)}`;
  if (!/^\+[1-9]\d{7,14}$/.test(value)) return null;
  return value;
}

/** Google: E.164 with "+"; Meta and TikTok: the same digits without "+". */
export function hashPhoneFor(vendor: Vendor, raw: string): string | null {
  const e164 = normalisePhoneE164(raw);
  if (e164 === null) return null;
  return sha256Hex(vendor === 'google_ads' ? e164 : e164.slice(1));
}
