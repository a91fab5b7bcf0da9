// The exact request bodies (one conversion each) sent to each destination, built from what we hold about
// an order. Pure and deterministic: the same facts give the same payload and the same SHA-256, which is
// what makes prepareConversion idempotent. Shapes: ../shared/REFERENCE.md; hashing: ./hashing.ts.
import { createHash } from 'node:crypto';
import { minorUnitDigits } from '../commerce/money';
import { googleClickId, metaFbc, type LastTouch } from './destinations';
import { isSha256Hex } from './hashing';
import { googleConversionDateTime, unixSeconds } from './time';

export type ConversionFacts = {
  source: string;
  externalId: string;
  /** the order id the vendor sees (and dedupes on): the platform's order id / the storefront's order_id */
  orderId: string;
  /** shared with our own purchase event (raw_events.event_id) when there is one, so Meta/TikTok dedupe it with the pixel's */
  eventId: string;
  purchasedAt: Date;
  currency: string;
  valueMinor: number;
  /** our storage hash (trim + lower-case, SHA-256): Meta's and TikTok's rule; Google's except dotted gmail addresses */
  emailHash: string | null;
  userId: string | null;
  visitorId: string | null;
  /** where the purchase happened (the purchase event's page, scrubbed at ingest), else the landing page */
  pageUrl: string | null;
  lastTouch: LastTouch | null;
  timeZone: string;
};

/** Minor units → the currency's major units as a JSON number (1999 EUR → 19.99, 500 JPY → 500). */
export function majorUnits(valueMinor: number, currency: string): number {
  const digits = minorUnitDigits(currency);
  return Number((valueMinor / 10 ** digits).toFixed(digits));
}

/** Keys sorted at every level, so the digest does not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const payloadSha256 = (payload: unknown): string => createHash('sha256').update(canonicalJson(payload)).digest('hex');

const hashedEmail = (facts: ConversionFacts): string | null => (facts.emailHash !== null && isSha256Hex(facts.emailHash) ? facts.emailHash : null);

// section: Google Ads uploadClickConversions -------------------------------------------------------------------
export type GoogleAdsTarget = { customerId: string; conversionActionId: string };

/** The body of POST /v{N}/customers/{cid}:uploadClickConversions for one conversion (null: no click id). */
export function googleAdsPayload(facts: ConversionFacts, target: GoogleAdsTarget): Record<string, unknown> | null {
  const click = facts.lastTouch ? googleClickId(facts.lastTouch.clickIds) : null;
  if (click === null) return null;
  const email = hashedEmail(facts);
  return {
    conversions: [
      {
        [click.kind]: click.value,
        conversionAction: `customers/${target.customerId}/conversionActions/${target.conversionActionId}`,
        conversionDateTime: googleConversionDateTime(facts.purchasedAt, facts.timeZone),
        conversionValue: majorUnits(facts.valueMinor, facts.currency),
        currencyCode: facts.currency,
        orderId: facts.orderId,
        // Google does not take user identifiers together with gbraid/wbraid (iOS app-campaign clicks).
        ...(email !== null && click.kind === 'gclid' ? { userIdentifiers: [{ hashedEmail: email }] } : {}),
        // Only orders whose person consented to ads get here (lib/forwarding/gate.ts); EEA traffic needs it said.
        consent: { adUserData: 'GRANTED' },
      },
    ],
    partialFailure: true,
  };
}

// section: Meta Conversions API ----------------------------------------------------------------------------------
export type MetaTarget = { testEventCode?: string | undefined };

export function metaPayload(facts: ConversionFacts, target: MetaTarget): Record<string, unknown> | null {
  const email = hashedEmail(facts);
  const fbclid = facts.lastTouch?.clickIds.fbclid;
  const fbc = fbclid !== undefined && facts.lastTouch ? metaFbc(fbclid, facts.lastTouch.startedAt) : null;
  if (email === null && fbc === null) return null;
  const userData: Record<string, unknown> = {};
  if (email !== null) userData.em = [email];
  if (fbc !== null) userData.fbc = fbc;
  if (facts.userId !== null) userData.external_id = [sha(facts.userId)];
  return {
    data: [
      {
        event_name: 'Purchase',
        event_time: unixSeconds(facts.purchasedAt),
        event_id: facts.eventId,
        action_source: 'website',
        ...(facts.pageUrl !== null ? { event_source_url: facts.pageUrl } : {}),
        user_data: userData,
        custom_data: { currency: facts.currency, value: majorUnits(facts.valueMinor, facts.currency), order_id: facts.orderId },
      },
    ],
    ...(target.testEventCode !== undefined ? { test_event_code: target.testEventCode } : {}),
  };
}

// section: TikTok Events API 2.0 ----------------------------------------------------------------------------------
export type TikTokTarget = { pixelCode: string };

export function tiktokPayload(facts: ConversionFacts, target: TikTokTarget): Record<string, unknown> | null {
  const email = hashedEmail(facts);
  const ttclid = facts.lastTouch?.clickIds.ttclid;
  if (email === null && ttclid === undefined) return null;
  const user: Record<string, unknown> = {};
  if (email !== null) user.email = [email];
  if (ttclid !== undefined) user.ttclid = ttclid;
  if (facts.userId !== null) user.external_id = [sha(facts.userId)];
  return {
    event_source: 'web',
    event_source_id: target.pixelCode,
    data: [
      {
        event: 'CompletePayment',
        event_time: unixSeconds(facts.purchasedAt),
        event_id: facts.eventId,
        user,
        properties: { currency: facts.currency, value: majorUnits(facts.valueMinor, facts.currency), order_id: facts.orderId, content_type: 'product' },
        ...(facts.pageUrl !== null ? { page: { url: facts.pageUrl } } : {}),
      },
    ],
  };
}

// section: GA4 Measurement Protocol ------------------------------------------------------------------------------
/** GA4 purchase for the secondary view; client_id is our first-party visitor id (no GA cookie exists: no GA script runs). */
export function ga4Payload(facts: ConversionFacts): Record<string, unknown> | null {
  if (facts.visitorId === null) return null;
  return {
    client_id: facts.visitorId,
    ...(facts.userId !== null ? { user_id: facts.userId } : {}),
    timestamp_micros: facts.purchasedAt.getTime() * 1000,
    non_personalized_ads: true,
    events: [{ name: 'purchase', params: { transaction_id: facts.orderId, value: majorUnits(facts.valueMinor, facts.currency), currency: facts.currency } }],
  };
}

/** external_id: a stable id of ours, hashed like the other identifiers (never sent in clear). */
const sha = (value: string): string => createHash('sha256').update(value.trim().toLowerCase()).digest('hex');
