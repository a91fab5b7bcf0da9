// Campaign tags (utm_*) and ad-platform click ids from the landing page's query string.
// The page URL is written by whoever built the link (and sometimes by bots), so every value is
// trimmed, bounded and cleaned here, once, before anything stores or compares it.
import { scrubEmails, stripControlCharacters } from './privacy';
import { parseUrl, type UrlInput } from './referrer';

export type Utm = {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
  id?: string;
};

export const CLICK_ID_NAMES = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'ttclid', 'msclkid', 'li_fat_id', 'twclid'] as const;
export type ClickIdName = (typeof CLICK_ID_NAMES)[number];
export type ClickIds = Partial<Record<ClickIdName, string>>;

export type Campaign = { utm: Utm; clickIds: ClickIds };

const UTM_FIELDS: Record<string, keyof Utm> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'campaign',
  utm_term: 'term',
  utm_content: 'content',
  utm_id: 'id',
};

/** utm values are labels: longer ones are truncated. */
export const MAX_UTM_LENGTH = 200;

/**
 * Click ids are opaque tokens the ad platform must get back byte for byte, so they are never
 * truncated: an over-long or oddly shaped one is dropped. Real ones are URL-safe tokens well under
 * this length (gclid ~100, recent fbclid up to ~200 characters).
 */
export const MAX_CLICK_ID_LENGTH = 500;
const CLICK_ID_SHAPE = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * Reads utm_* and click ids from the page URL. Parameter names are case-insensitive (UTM_Source
 * works); the first non-empty occurrence wins. Source and medium are lower-cased, as GA4 treats
 * them case-insensitively and `Google` and `google` must not split a report; campaign, term,
 * content and id keep their case. Email-like text in utm values becomes `[email]` (ESP merge tags
 * sometimes put the subscriber's address there). A relative or invalid URL yields an empty result.
 */
export function parseCampaign(pageUrl: UrlInput): Campaign {
  const result: Campaign = { utm: {}, clickIds: {} };
  const url = parseUrl(pageUrl);
  if (!url) return result;

  for (const [rawName, rawValue] of url.searchParams) {
    const name = rawName.trim().toLowerCase();
    const utmField = UTM_FIELDS[name];
    if (utmField !== undefined) {
      if (result.utm[utmField] !== undefined) continue;
      const value = cleanUtmValue(rawValue, utmField);
      if (value !== undefined) result.utm[utmField] = value;
    } else if (isClickIdName(name)) {
      if (result.clickIds[name] !== undefined) continue;
      const value = cleanClickId(rawValue);
      if (value !== undefined) result.clickIds[name] = value;
    }
  }
  return result;
}

function isClickIdName(name: string): name is ClickIdName {
  return (CLICK_ID_NAMES as readonly string[]).includes(name);
}

function cleanUtmValue(raw: string, field: keyof Utm): string | undefined {
  const value = scrubEmails(stripControlCharacters(raw).trim()).slice(0, MAX_UTM_LENGTH).trim();
  if (value === '') return undefined;
  return field === 'source' || field === 'medium' ? value.toLowerCase() : value;
}

function cleanClickId(raw: string): string | undefined {
  const value = raw.trim();
  if (value.length > MAX_CLICK_ID_LENGTH || !CLICK_ID_SHAPE.test(value)) return undefined;
  return value;
}

/** The click-id parameter names present, in CLICK_ID_NAMES order. */
export function clickIdTypes(clickIds: ClickIds): ClickIdName[] {
  return CLICK_ID_NAMES.filter((name) => clickIds[name] !== undefined);
}

/**
 * A stable string naming the campaign a hit arrived with: source|medium|campaign|click-id types,
 * or '' when the hit carries no campaign at all. Sessionisation compares keys: a non-empty key that
 * differs from the session's starts a new session; '' (an untagged hit) never does.
 *
 * Click-id values are left out on purpose: every ad click gets a fresh gclid, and reloading a
 * landing page must not split the session. The parts are URI-encoded so a `|` inside a value
 * cannot make two different campaigns collide.
 */
export function campaignKey(campaign: Campaign): string {
  const { source, medium, campaign: name } = campaign.utm;
  const types = clickIdTypes(campaign.clickIds);
  if (source === undefined && medium === undefined && name === undefined && types.length === 0) return '';
  return [source, medium, name].map((part) => encodeURIComponent(part ?? '')).concat(types.join('+')).join('|');
}
