// Whether one order's conversion may be forwarded to one destination, and why (the reason is stored in
// conversion_outbox.reason either way). Pure: the activity gathers the facts, this decides.
//
// Privacy first, in this order, so the strongest reason is the one recorded:
//   1. gpc              an event linked to the order was captured under Global Privacy Control: never sent,
//                       whatever the company's settings (CCPA: the signal covers the browser and the profile)
//   2. not_forwardable  an event linked to the order was stored under the GPC "anonymize" policy
//   3. suppressed       the person (visitor, user id or email hash) is on the suppression list
//   4. forwarding_disabled  the company has not enabled this destination (the default)
//   5. not_configured   enabled, but credentials or required settings (pixel id, conversion action) missing
//   6. no_linked_event  no collector event is linked to the order: nobody can have consented
//   7. ads_consent_denied / no_ads_consent  the newest linked event that states marketing consent says no,
//                       or none states it (an order without an event with ads consent is not forwarded)
//   8. no_identifier    nothing the destination can match on (click id, hashed email, client id)
// Orders that no longer count (a provisional order taken over by the platform's record) are skipped
// before any of this: reason order_merged (the platform's order is forwarded instead).
import type { Destination } from './destinations';

export type LinkedEvent = {
  occurredAt: number;
  gpc: boolean;
  forwardable: boolean;
  /** raw_events.consent.marketing: true, false, or not stated (null) */
  adsConsent: boolean | null;
};

export type GateInput = {
  destination: Destination;
  merged: boolean;
  events: LinkedEvent[];
  suppressed: boolean;
  enabled: boolean;
  configured: boolean;
  hasIdentifier: boolean;
};

export const GATE_REASONS = [
  'ok',
  'order_merged',
  'gpc',
  'not_forwardable',
  'suppressed',
  'forwarding_disabled',
  'not_configured',
  'no_linked_event',
  'ads_consent_denied',
  'no_ads_consent',
  'no_identifier',
  // recorded by prepareConversion, outside the per-destination gate:
  'no_ad_platform_touch',
  'sent_as_provisional_order',
] as const;
export type GateReason = (typeof GATE_REASONS)[number];

export type GateDecision = { forward: boolean; reason: GateReason };

const no = (reason: GateReason): GateDecision => ({ forward: false, reason });

/** The consent the person gave for ads: the newest linked event that states it decides (a withdrawal wins over an older yes). */
export function adsConsentOf(events: LinkedEvent[]): boolean | null {
  let newest: LinkedEvent | null = null;
  for (const e of events) if (e.adsConsent !== null && (newest === null || e.occurredAt >= newest.occurredAt)) newest = e;
  return newest === null ? null : newest.adsConsent;
}

export function decideForwarding(input: GateInput): GateDecision {
  if (input.merged) return no('order_merged');
  if (input.events.some((e) => e.gpc)) return no('gpc');
  if (input.events.some((e) => !e.forwardable)) return no('not_forwardable');
  if (input.suppressed) return no('suppressed');
  if (!input.enabled) return no('forwarding_disabled');
  if (!input.configured) return no('not_configured');
  if (input.events.length === 0) return no('no_linked_event');
  const consent = adsConsentOf(input.events);
  if (consent === false) return no('ads_consent_denied');
  if (consent === null) return no('no_ads_consent');
  if (!input.hasIdentifier) return no('no_identifier');
  return { forward: true, reason: 'ok' };
}
