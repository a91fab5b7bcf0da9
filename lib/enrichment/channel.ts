// Marketing channel of a hit, modelled on GA4's default channel grouping. The rules are a table read
// top to bottom; the first that matches wins, so the order is part of the definition. docs/channels.md
// shows the same table for marketers; test/unit/enrichment/channel.test.ts checks the two agree.
//
// Where we differ from GA4 and why:
//  - GA4 learns the Google Ads network (Search, Display, YouTube, PMax) from the Ads link; we only see
//    the click id, so click-id rules sit after the utm-based paid rules and fill in only when the
//    utm tags do not say otherwise (see the click-id rows).
//  - Audio and Mobile Push Notifications are not channels here; such traffic is Unassigned.
import { type ClickIds, type Utm } from './campaign';

export const CHANNELS = [
  'Direct',
  'Cross-network',
  'Paid Shopping',
  'Paid Search',
  'Paid Social',
  'Paid Video',
  'Display',
  'Paid Other',
  'Organic Shopping',
  'Organic Social',
  'Organic Video',
  'Organic Search',
  'Referral',
  'Email',
  'Affiliates',
  'SMS',
  'Unassigned',
] as const;
export type Channel = (typeof CHANNELS)[number];

export type ChannelInput = {
  utm?: Utm;
  clickIds?: ClickIds;
  referrerHost?: string | undefined;
  /** The referrer is the page's own site (see isSameSite): internal navigation, not a referral. */
  sameSite?: boolean;
};

/**
 * What the rules look at: the input plus normalised values derived once per hit.
 * `source` is utm_source, or the external referrer's host when utm_source is absent (this is how
 * an untagged visit from google.com becomes Organic Search, as in GA4).
 */
export type ChannelSignals = ChannelInput & {
  source?: string;
  medium?: string;
  campaign?: string;
  /** External referrer host; undefined when there is none or it is the same site. */
  referrer?: string;
  tagged: boolean;
  clickIds: ClickIds;
};

export type ChannelRule = { channel: Channel; description: string; test: (signals: ChannelSignals) => boolean };

// ---- GA4's value lists. Curated and short on purpose: a missing site falls to Referral, not to a
// wrong paid channel. Entries are either names (utm_source values and site names such as `google`,
// which also match google.co.uk) or exact hosts (`t.co`).

const SEARCH_SITES = new Set([
  'google', 'bing', 'yahoo', 'duckduckgo', 'baidu', 'yandex', 'ecosia', 'naver', 'seznam', 'qwant',
  'startpage', 'ask', 'aol', 'brave', 'sogou', 'daum', 'kagi',
]);
/** Mail, documents and sign-in pages of search companies are not search results. */
const NON_SEARCH_SUBDOMAINS = new Set(['mail', 'docs', 'drive', 'sites', 'groups', 'accounts', 'calendar', 'meet', 'login']);

const SOCIAL_SITES = new Set([
  'facebook', 'fb', 'instagram', 'ig', 'messenger', 'threads', 'whatsapp', 'linkedin', 'lnkd.in', 'twitter',
  'x', 't.co', 'tiktok', 'pinterest', 'pin.it', 'reddit', 'snapchat', 'tumblr', 'quora', 'bsky', 'mastodon',
  'vk', 'weibo', 'discord', 'telegram', 't.me', 'nextdoor',
]);
const VIDEO_SITES = new Set(['youtube', 'youtu.be', 'vimeo', 'twitch', 'dailymotion', 'wistia']);
const SHOPPING_SITES = new Set([
  'amazon', 'ebay', 'etsy', 'walmart', 'aliexpress', 'alibaba', 'idealo', 'zalando', 'shopping.google.com',
  'google shopping', 'google_shopping', 'igshopping', 'shop.app',
]);

const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOP_CAMPAIGN = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const DISPLAY_MEDIUMS = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIUMS = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const EMAIL_VALUES = new Set(['email', 'e-mail', 'e_mail', 'e mail']);
const REFERRAL_MEDIUMS = new Set(['referral', 'app', 'link']);

/** Country second-level labels: the site in google.co.uk is `google`, not `co`. */
const COUNTRY_SECOND_LEVELS = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or']);

/** Splits a host into its site name and the subdomain in front of it: l.facebook.com → facebook, l. */
export function siteOf(host: string): { name: string; subdomain: string } {
  const labels = host.split('.');
  let nameIndex = labels.length - 2;
  const last = labels[labels.length - 1] ?? '';
  if (labels.length >= 3 && last.length === 2 && COUNTRY_SECOND_LEVELS.has(labels[nameIndex] ?? '')) nameIndex -= 1;
  if (nameIndex < 0) return { name: host, subdomain: '' };
  return { name: labels[nameIndex] ?? host, subdomain: labels.slice(0, nameIndex).join('.') };
}

function inSiteList(source: string | undefined, sites: Set<string>, excludedSubdomains?: Set<string>): boolean {
  if (source === undefined) return false;
  if (sites.has(source)) return true;
  if (!source.includes('.')) return false;
  const { name, subdomain } = siteOf(source);
  if (!sites.has(name)) return false;
  const firstLabel = subdomain.split('.')[0] ?? '';
  return excludedSubdomains === undefined || !excludedSubdomains.has(firstLabel);
}

const isSearchSite = (source: string | undefined) => inSiteList(source, SEARCH_SITES, NON_SEARCH_SUBDOMAINS);
const isSocialSite = (source: string | undefined) => inSiteList(source, SOCIAL_SITES);
const isVideoSite = (source: string | undefined) => inSiteList(source, VIDEO_SITES);
const isShoppingSite = (source: string | undefined) => inSiteList(source, SHOPPING_SITES);
const isPaid = (medium: string | undefined) => medium !== undefined && PAID_MEDIUM.test(medium);
const isShopCampaign = (campaign: string | undefined) => campaign !== undefined && SHOP_CAMPAIGN.test(campaign);
const has = (set: Set<string>, value: string | undefined) => value !== undefined && set.has(value);
/** A click id decides only when utm_medium is absent or agrees that the click was paid. */
const mediumAllowsPaidClick = (medium: string | undefined) => medium === undefined || isPaid(medium);

export const CHANNEL_RULES: readonly ChannelRule[] = [
  {
    channel: 'Direct',
    description: 'no utm_source, utm_medium, utm_campaign, click id or external referrer (or utm_source is "(direct)" with no medium other than "(none)"/"(not set)")',
    test: (s) =>
      (!s.tagged && s.campaign === undefined && Object.keys(s.clickIds).length === 0 && s.referrer === undefined) ||
      (s.source === '(direct)' && (s.medium === undefined || s.medium === '(none)' || s.medium === '(not set)')),
  },
  {
    channel: 'Cross-network',
    description: 'utm_campaign contains "cross-network"',
    test: (s) => s.campaign !== undefined && s.campaign.includes('cross-network'),
  },
  {
    channel: 'Paid Shopping',
    description: 'source is a shopping site, or utm_campaign matches ^(.*(([^a-df-z]|^)shop|shopping).*)$, and utm_medium is paid (^(.*cp.*|ppc|retargeting|paid.*)$)',
    test: (s) => (isShoppingSite(s.source) || isShopCampaign(s.campaign)) && isPaid(s.medium),
  },
  {
    channel: 'Paid Search',
    description: 'source is a search engine and utm_medium is paid',
    test: (s) => isSearchSite(s.source) && isPaid(s.medium),
  },
  {
    channel: 'Paid Social',
    description: 'source is a social site and utm_medium is paid',
    test: (s) => isSocialSite(s.source) && isPaid(s.medium),
  },
  {
    channel: 'Paid Video',
    description: 'source is a video site and utm_medium is paid',
    test: (s) => isVideoSite(s.source) && isPaid(s.medium),
  },
  {
    channel: 'Display',
    description: 'utm_medium is display, banner, expandable, interstitial or cpm',
    test: (s) => has(DISPLAY_MEDIUMS, s.medium),
  },
  {
    channel: 'Paid Search',
    description: 'Google Ads (gclid, gbraid, wbraid) or Microsoft Ads (msclkid) click id, and utm_medium is absent or paid',
    test: (s) =>
      (s.clickIds.gclid !== undefined || s.clickIds.gbraid !== undefined || s.clickIds.wbraid !== undefined || s.clickIds.msclkid !== undefined) &&
      mediumAllowsPaidClick(s.medium),
  },
  {
    channel: 'Paid Social',
    description: 'TikTok (ttclid), LinkedIn (li_fat_id) or X/Twitter (twclid) click id and utm_medium is absent or paid; or Meta click id (fbclid) and utm_medium is paid',
    test: (s) =>
      ((s.clickIds.ttclid !== undefined || s.clickIds.li_fat_id !== undefined || s.clickIds.twclid !== undefined) && mediumAllowsPaidClick(s.medium)) ||
      (s.clickIds.fbclid !== undefined && isPaid(s.medium)),
  },
  {
    channel: 'Paid Other',
    description: 'utm_medium is paid',
    test: (s) => isPaid(s.medium),
  },
  {
    channel: 'Organic Shopping',
    description: 'source is a shopping site, or utm_campaign matches the shop pattern',
    test: (s) => isShoppingSite(s.source) || isShopCampaign(s.campaign),
  },
  {
    channel: 'Organic Social',
    description: 'source is a social site, or utm_medium is social, social-network, social-media, sm, "social network" or "social media", or a Meta click id (fbclid) with no utm_medium',
    test: (s) => isSocialSite(s.source) || has(SOCIAL_MEDIUMS, s.medium) || (s.clickIds.fbclid !== undefined && s.medium === undefined),
  },
  {
    channel: 'Organic Video',
    description: 'source is a video site, or utm_medium contains "video"',
    test: (s) => isVideoSite(s.source) || (s.medium !== undefined && s.medium.includes('video')),
  },
  {
    channel: 'Organic Search',
    description: 'source is a search engine, or utm_medium is organic',
    test: (s) => isSearchSite(s.source) || s.medium === 'organic',
  },
  {
    channel: 'Referral',
    description: 'utm_medium is referral, app or link, or an untagged visit (no utm_source/utm_medium) from another website',
    test: (s) => has(REFERRAL_MEDIUMS, s.medium) || (!s.tagged && s.referrer !== undefined),
  },
  {
    channel: 'Email',
    description: 'utm_source or utm_medium is email, e-mail, e_mail or "e mail"',
    test: (s) => has(EMAIL_VALUES, s.source) || has(EMAIL_VALUES, s.medium),
  },
  {
    channel: 'Affiliates',
    description: 'utm_medium is affiliate',
    test: (s) => s.medium === 'affiliate',
  },
  {
    channel: 'SMS',
    description: 'utm_source or utm_medium is sms',
    test: (s) => s.source === 'sms' || s.medium === 'sms',
  },
  {
    channel: 'Unassigned',
    description: 'no rule above matches (e.g. an unrecognised utm_medium, or utm_campaign alone)',
    test: () => true,
  },
];

export function channelSignals(input: ChannelInput): ChannelSignals {
  const utmSource = normalise(input.utm?.source);
  const medium = normalise(input.utm?.medium);
  const referrer = input.sameSite ? undefined : normaliseHost(input.referrerHost);
  return {
    ...input,
    source: utmSource ?? referrer,
    medium,
    campaign: normalise(input.utm?.campaign),
    referrer,
    tagged: utmSource !== undefined || medium !== undefined,
    clickIds: presentClickIds(input.clickIds ?? {}),
  };
}

/** Classifies one hit. `rule` is the matching rule's description, stored for auditability. */
export function classifyChannel(input: ChannelInput): { channel: Channel; rule: string } {
  const signals = channelSignals(input);
  for (const rule of CHANNEL_RULES) {
    if (rule.test(signals)) return { channel: rule.channel, rule: rule.description };
  }
  // Unreachable: the last rule always matches. Kept so the type checker needs no assertion.
  return { channel: 'Unassigned', rule: 'no rule matched' };
}

function normalise(value: string | undefined): string | undefined {
  const trimmed = value?.trim().toLowerCase();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function normaliseHost(host: string | undefined): string | undefined {
  const value = normalise(host);
  return value?.startsWith('www.') ? value.slice(4) : value;
}

/** Drops empty click ids, so `gclid=` on its own does not make a hit paid. */
function presentClickIds(clickIds: ClickIds): ClickIds {
  return Object.fromEntries(Object.entries(clickIds).filter(([, value]) => typeof value === 'string' && value.trim() !== ''));
}
