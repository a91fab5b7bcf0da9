// Turns one validated event into the row we store, or a counted drop. Pure: enrichment, privacy
// decisions, hashing and clamping all happen here, so the collector route only orchestrates.
import { campaignKey } from '../enrichment/campaign';
import { enrichEvent, type EnrichedHit } from '../enrichment';
import { hashEmail, hashIp } from '../enrichment/privacy';
import { isBot } from '../enrichment/user-agent';
import { decideCapture, type CompanyTrackingSettings, type DropReason } from './company-policy';
import type { IncomingEvent } from './event-schema';
import { resolveOccurredAt } from './occurred-at';

export type RequestContext = {
  source: 'browser' | 'server';
  receivedAt: Date;
  /** Client IP as seen by the collector; only its HMAC is kept. */
  ip: string | undefined;
  userAgent: string | undefined;
  /** Sec-GPC: 1 on the request. */
  gpcHeader: boolean;
  ipHashSecret: string;
  /** Used for events without a visitor_id (returned to the sender so it can keep it). */
  fallbackVisitorId: string;
};

/** What is the same for every event of a request, worked out once per request (IP hash, bot or not). */
export type PreparedRequest = Pick<RequestContext, 'source' | 'receivedAt' | 'userAgent' | 'gpcHeader' | 'fallbackVisitorId'> & {
  ipHash: string | null;
  isBot: boolean;
};

export function prepareRequest(request: RequestContext): PreparedRequest {
  return {
    source: request.source,
    receivedAt: request.receivedAt,
    userAgent: request.userAgent,
    gpcHeader: request.gpcHeader,
    fallbackVisitorId: request.fallbackVisitorId,
    ipHash: request.ip ? hashIp(request.ip, request.ipHashSecret) : null,
    // Bots are judged by the browser's user agent; server-side senders are trusted callers.
    isBot: request.source === 'browser' && isBot(request.userAgent),
  };
}

export type CompanyContext = { trackingEnabled: boolean; settings: CompanyTrackingSettings };

/** One raw_events row (snake_case: it is handed to Postgres as JSON). */
export type RawEventRow = {
  event_id: string;
  event_name: string;
  occurred_at: string;
  client_occurred_at: string | null;
  received_at: string;
  source: 'browser' | 'server';
  visitor_id: string | null;
  session_id: string | null;
  user_id: string | null;
  page_url: string | null;
  referrer: string | null;
  properties: Record<string, unknown>;
  consent: { analytics?: boolean; marketing?: boolean };
  context: EventContext;
  ip_hash: string | null;
  email_hash: string | null;
  gpc: boolean;
  forwardable: boolean;
  creative_id: string | null;
  concept_angle: string | null;
};

export type EventContext = {
  utm: EnrichedHit['campaign']['utm'];
  click_ids: EnrichedHit['campaign']['clickIds'];
  campaign_key: string;
  referrer_host: string | null;
  channel: string;
  channel_rule: string;
  device: EnrichedHit['device'];
};

export type PreparedEvent = { store: true; row: RawEventRow } | { store: false; reason: DropReason };

export function prepareEvent(event: IncomingEvent, request: PreparedRequest, company: CompanyContext): PreparedEvent {
  const gpc = request.gpcHeader || event.gpc === true;
  const decision = decideCapture({
    trackingEnabled: company.trackingEnabled,
    settings: company.settings,
    source: request.source,
    isBot: request.isBot,
    gpc,
    consent: event.consent,
  });
  if (!decision.store) return decision;
  const anonymize = decision.anonymize;

  const hit = enrichEvent({ pageUrl: event.page_url, referrer: event.referrer, userAgent: request.userAgent });
  const { occurredAt, clientOccurredAt } = resolveOccurredAt(event.occurred_at, request.receivedAt, request.source);
  // Under the GPC "anonymize" policy no identifier of the person is kept, and the row is never forwarded.
  const identified = !anonymize;
  const row: RawEventRow = {
    event_id: event.event_id,
    event_name: event.event_name,
    occurred_at: occurredAt.toISOString(),
    client_occurred_at: clientOccurredAt ? clientOccurredAt.toISOString() : null,
    received_at: request.receivedAt.toISOString(),
    source: request.source,
    visitor_id: identified ? (event.visitor_id ?? request.fallbackVisitorId) : null,
    session_id: identified ? (event.session_id ?? null) : null,
    user_id: identified ? (event.user_id ?? null) : null,
    page_url: hit.pageUrl ?? null,
    referrer: hit.referrer ?? null,
    properties: event.properties ?? {},
    consent: event.consent ?? {},
    context: {
      utm: hit.campaign.utm,
      click_ids: identified ? hit.campaign.clickIds : {},
      campaign_key: campaignKey(hit.campaign),
      referrer_host: hit.referrerHost ?? null,
      channel: hit.channel,
      channel_rule: hit.channelRule,
      device: hit.device,
    },
    ip_hash: identified ? request.ipHash : null,
    email_hash: identified ? (hashEmail(event.email) ?? null) : null,
    gpc,
    forwardable: !anonymize,
    creative_id: event.creative_id ?? null,
    concept_angle: event.concept_angle ?? null,
  };
  return { store: true, row };
}
