// Ingest enrichment: everything the collector derives from one raw hit before storing it. Pure and
// cheap (each URL is parsed once, no I/O), so it can run inline on every event.
// Hashing of IPs and emails is not done here because it needs a secret or an identify call; the
// collector calls hashIp/hashEmail from ./privacy directly.
import { type Campaign, parseCampaign } from './campaign';
import { type Channel, classifyChannel } from './channel';
import { scrubUrl } from './privacy';
import { isSameSite, parseUrl, referrerHost } from './referrer';
import { type Device, parseUserAgent } from './user-agent';

export type RawHit = {
  pageUrl?: string | null;
  referrer?: string | null;
  userAgent?: string | null;
};

export type EnrichedHit = {
  /** Scrubbed (no credentials, no email addresses), at most 2048 characters; undefined if absent. */
  pageUrl: string | undefined;
  /** Scrubbed like pageUrl; undefined if absent. */
  referrer: string | undefined;
  campaign: Campaign;
  /** Host of an external referrer (lower-case, no www.); undefined when absent or same-site. */
  referrerHost: string | undefined;
  channel: Channel;
  /** Description of the CHANNEL_RULES row that decided the channel. */
  channelRule: string;
  device: Device;
};

export function enrichEvent({ pageUrl, referrer, userAgent }: RawHit): EnrichedHit {
  const page = parseUrl(pageUrl);
  const ref = parseUrl(referrer);
  const campaign = parseCampaign(page);
  const refHost = referrerHost(ref);
  const sameSite = isSameSite(page, ref);
  const { channel, rule } = classifyChannel({ utm: campaign.utm, clickIds: campaign.clickIds, referrerHost: refHost, sameSite });
  return {
    pageUrl: scrubbedOrUndefined(page ?? pageUrl),
    referrer: scrubbedOrUndefined(ref ?? referrer),
    campaign,
    referrerHost: sameSite ? undefined : refHost,
    channel,
    channelRule: rule,
    device: parseUserAgent(userAgent),
  };
}

function scrubbedOrUndefined(value: URL | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const scrubbed = scrubUrl(value);
  return scrubbed.trim() === '' ? undefined : scrubbed;
}

export { campaignKey, parseCampaign, type Campaign, type ClickIds, type Utm } from './campaign';
export { CHANNEL_RULES, classifyChannel, type Channel, type ChannelInput } from './channel';
export { hashEmail, hashIp, normaliseEmail, scrubUrl } from './privacy';
export { isSameSite, referrerHost };
export { isBot, parseUserAgent, type Device, type DeviceType } from './user-agent';
