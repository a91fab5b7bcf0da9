// Which ad platform brought an order: read from the order's last touch (Attribution V1's last non-direct
// touch, docs/attribution.md), by its click ids first and its utm source second. A click id is what the
// platform matches a click conversion on; the source alone still lets Meta and TikTok match on the
// hashed email. GA4 is not an ad platform: when a company enables it, every purchase is sent there.
export const DESTINATIONS = ['google_ads', 'meta', 'tiktok', 'ga4'] as const;
export type Destination = (typeof DESTINATIONS)[number];
export type AdDestination = Exclude<Destination, 'ga4'>;

export type LastTouch = {
  sessionId: string;
  /** sessions.click_ids: { gclid?, gbraid?, wbraid?, fbclid?, ttclid?, ... } */
  clickIds: Record<string, string>;
  /** lower-cased utm source (or referrer-derived source) and medium of the touch */
  source: string | null;
  medium: string | null;
  channel: string | null;
  startedAt: number;
};

/** Google accepts exactly one of these per click conversion; gclid wins when a landing carried several. */
export const GOOGLE_CLICK_ID_KINDS = ['gclid', 'gbraid', 'wbraid'] as const;
export type GoogleClickIdKind = (typeof GOOGLE_CLICK_ID_KINDS)[number];

const META_SOURCES = new Set(['facebook', 'fb', 'instagram', 'ig', 'meta', 'messenger']);
const TIKTOK_SOURCES = new Set(['tiktok', 'tiktok.com']);
const PAID = /^(cpc|ppc|paid|paid[_-]?social|paidsocial|cpm|display)$/;

const isPaid = (touch: LastTouch): boolean => (touch.medium !== null && PAID.test(touch.medium)) || /^Paid /.test(touch.channel ?? '');

export function googleClickId(clickIds: Record<string, string>): { kind: GoogleClickIdKind; value: string } | null {
  for (const kind of GOOGLE_CLICK_ID_KINDS) {
    const value = clickIds[kind];
    if (typeof value === 'string' && value !== '') return { kind, value };
  }
  return null;
}

/** The ad platforms the last touch came from (usually one; none for organic, direct, email, ...). */
export function adDestinationsFor(touch: LastTouch | null): AdDestination[] {
  if (touch === null) return [];
  const out: AdDestination[] = [];
  const source = touch.source?.toLowerCase() ?? null;
  if (googleClickId(touch.clickIds) !== null) out.push('google_ads');
  if (touch.clickIds.fbclid !== undefined || (source !== null && META_SOURCES.has(source) && isPaid(touch))) out.push('meta');
  if (touch.clickIds.ttclid !== undefined || (source !== null && TIKTOK_SOURCES.has(source) && isPaid(touch))) out.push('tiktok');
  return out;
}

/**
 * Meta's fbc from the landing's fbclid: "fb.1.<ms when the click was first seen>.<fbclid>" (subdomain
 * index 1 = the registrable domain, what Meta's own pixel writes on a shop's domain).
 */
export const metaFbc = (fbclid: string, firstSeenMs: number): string => `fb.1.${Math.floor(firstSeenMs)}.${fbclid}`;
