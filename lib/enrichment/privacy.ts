// What we do to personal data before it is stored: emails are hashed, IPs are keyed-hashed, and
// URLs lose anything that looks like an email address. docs/channels.md explains the choices for a
// security reviewer; keep the two in step.
import { createHash, createHmac } from 'node:crypto';
import { parseUrl } from './referrer';

/** Longest URL we store (page URL and referrer), measured after scrubbing. */
export const MAX_URL_LENGTH = 2048;

/**
 * How much of an incoming string we scan at all. The email pattern is linear per position but we
 * still refuse to run it over megabytes of attacker-supplied text; anything past this point could
 * not survive the MAX_URL_LENGTH cap anyway.
 */
const MAX_SCAN_LENGTH = 4 * MAX_URL_LENGTH;

export const EMAIL_PLACEHOLDER = '[email]';

/**
 * An email address inside a larger string, in plain (`@`), URL-encoded (`%40`) or double-encoded
 * (`%2540`) form. The local part allows `%` so encoded characters such as `%2B` (+tags) are caught.
 * The bounded local part keeps the scan cheap on long inputs without an `@`.
 */
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]{1,64}(?:@|%40|%2540)(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/gi;

/**
 * Parameters whose value is an email by name, whatever the value looks like (an ESP merge tag may
 * put a half-typed or unusual address there). Matched in the query string, the fragment and
 * `;matrix` parameters. Keys are kept and values replaced, so reports still show that the link
 * carried one.
 */
const EMAIL_PARAMETER = /([?&#;])(email|e-mail|e_mail|mail|user_email|email_address)=[^&#]+/gi;

/** Postgres text cannot hold NUL, and no control character belongs in a label or URL we store. */
const CONTROL_CHARACTERS = /\p{Cc}/gu;

/** A plausible single email address (after normaliseEmail); not an RFC 5322 parser. */
const EMAIL_ADDRESS = /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/** Replaces every email-like substring (plain or URL-encoded) with `[email]`. */
export function scrubEmails(text: string): string {
  return text.replace(EMAIL_IN_TEXT, EMAIL_PLACEHOLDER);
}

/**
 * Trim and lower-case, nothing more. This is the rule Meta's Conversions API and the Google Ads API
 * (enhanced conversions) both state. We do not remove dots or +tags from gmail.com/googlemail.com
 * addresses: that would merge addresses the shop sees as different, and only some Google products
 * (Campaign Manager 360) ask for it — an uploader that needs it must apply it to the plaintext.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Hex SHA-256 of the normalised email, or undefined when the input is not an email address. */
export function hashEmail(email: string | undefined | null): string | undefined {
  if (typeof email !== 'string') return undefined;
  const normalised = normaliseEmail(email);
  if (normalised.length > 254 || !EMAIL_ADDRESS.test(normalised)) return undefined;
  return createHash('sha256').update(normalised, 'utf8').digest('hex');
}

/**
 * Hex HMAC-SHA256 of the IP under a server secret. Keyed, because the IPv4 space is small enough to
 * reverse a plain hash by brute force. This is pseudonymisation, not anonymisation: whoever holds
 * the secret can test a guessed IP.
 */
export function hashIp(ip: string, secret: string): string {
  if (secret === '') throw new Error('hashIp needs a non-empty secret (IP_HASH_SECRET)');
  return createHmac('sha256', secret).update(normaliseIp(ip), 'utf8').digest('hex');
}

/**
 * One spelling per address, so the same visitor hashes the same way: IPv6 in its canonical
 * compressed lower-case form, and IPv4-mapped IPv6 (`::ffff:1.2.3.4`, which dual-stack sockets
 * report for IPv4 clients) as plain IPv4. Anything unparseable is only trimmed and lower-cased.
 */
export function normaliseIp(ip: string): string {
  const value = ip.trim().toLowerCase();
  if (!value.includes(':')) return value;
  const canonical = canonicalIpv6(value) ?? value;
  // The URL serialiser writes the embedded IPv4 of a mapped address as two hex groups.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const high = parseInt(mapped[1] ?? '0', 16);
  const low = parseInt(mapped[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** The WHATWG URL host parser is a complete IPv6 parser and serialiser (RFC 5952 form). */
function canonicalIpv6(value: string): string | undefined {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * A URL safe to store: user:password removed, email-named parameters' values replaced with
 * `[email]`, every other email-like substring (path, query, fragment; plain or %40-encoded)
 * replaced with `[email]`, control characters dropped, at most MAX_URL_LENGTH characters. Never
 * throws: a string that is not an absolute URL is scrubbed the same way as text.
 */
export function scrubUrl(url: string | URL): string {
  const parsed = parseUrl(url);
  const text = parsed ? withoutCredentials(parsed) : String(url);
  const scanned = stripControlCharacters(scanPrefix(text));
  const scrubbed = scrubEmails(scanned.replace(EMAIL_PARAMETER, `$1$2=${EMAIL_PLACEHOLDER}`));
  return scrubbed.slice(0, MAX_URL_LENGTH);
}

/** Any character an email-like match can contain, in plain or %-encoded form. */
const EMAIL_CHARACTER = /[A-Za-z0-9._%+@-]/;

/**
 * The first MAX_SCAN_LENGTH characters, cut back to a character that cannot belong to an address:
 * a cut through the middle of one would leave a fragment the pattern no longer recognises.
 */
function scanPrefix(text: string): string {
  if (text.length <= MAX_SCAN_LENGTH) return text;
  let end = MAX_SCAN_LENGTH;
  while (end > 0 && EMAIL_CHARACTER.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  // Copy: the caller may still be reading the URL it passed in.
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
