// Where a visit came from, as far as the browser's Referer tells us. Pure: no DNS, no public-suffix
// download. Everything here tolerates garbage because page URLs and referrers arrive from browsers
// we do not control.

/** A string we accept or an already parsed URL (enrichEvent parses each URL once and passes it on). */
export type UrlInput = string | URL | undefined | null;

/**
 * Parses an absolute URL; anything else (relative paths, empty strings, junk) is undefined rather
 * than an exception, because one malformed event must never fail a whole batch.
 */
export function parseUrl(value: UrlInput): URL | undefined {
  if (value instanceof URL) return value;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  try {
    return new URL(trimmed);
  } catch {
    return undefined;
  }
}

/**
 * Lower-case host without a leading `www.` (and without the trailing dot of a fully qualified name),
 * or undefined when there is no usable host (relative URL, `about:blank`, empty Referer).
 */
export function referrerHost(referrer: UrlInput): string | undefined {
  const url = parseUrl(referrer);
  if (!url) return undefined;
  let host = url.hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('www.')) host = host.slice(4);
  return host === '' ? undefined : host;
}

/**
 * True when the referrer is the page's own site: the same host once `www.` is ignored. That is
 * internal navigation, not a referral.
 *
 * Deliberately exact rather than "same registrable domain": without the public-suffix list we cannot
 * tell that a.myshopify.com and b.myshopify.com are different shops, and calling a real referral
 * internal would hide it. The price is that a sibling subdomain (checkout.example.com) counts as an
 * external site.
 */
export function isSameSite(pageUrl: UrlInput, referrer: UrlInput): boolean {
  const pageHost = referrerHost(pageUrl);
  return pageHost !== undefined && pageHost === referrerHost(referrer);
}
