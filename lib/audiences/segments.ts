// Who belongs on an audience, and who of them may be uploaded. Pure: the activity reads one row of
// facts per hashed email (lib/audiences is told, it does not query), this decides.
//
// Eligibility follows the conversion-forwarding gate (lib/forwarding/gate.ts), strongest reason first:
//   gpc                 an event linked to the person was captured under Global Privacy Control (CCPA: an
//                       opt-out of sharing for the browser and the profile; a customer list is sharing)
//   not_forwardable     an event linked to the person was stored under the GPC "anonymize" policy
//   suppressed          the email hash, or a visitor/user id linked to it, is on the suppression list
//                       (DSR opt-out or deletion, `lux suppress add`)
//   ads_consent_denied  the newest linked event that states marketing consent says no
//   no_ads_consent      no linked event states it: without a yes, nobody is uploaded
import type { Audience, AudienceConfig } from './settings';

export type PersonFacts = {
  emailHash: string;
  /** paid orders (stg_orders) with this email hash */
  paidOrders: number;
  /** when the newest of them was placed (ms) */
  lastPaidOrderAt: number;
  /** raw_events.consent.marketing of the newest linked event that states it; null when none does */
  adsConsent: boolean | null;
  gpc: boolean;
  notForwardable: boolean;
  suppressed: boolean;
};

export const EXCLUSION_REASONS = ['gpc', 'not_forwardable', 'suppressed', 'ads_consent_denied', 'no_ads_consent'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

const DAY_MS = 86_400_000;

export function inSegment(audience: Audience, person: Pick<PersonFacts, 'paidOrders' | 'lastPaidOrderAt'>, now: number, config: Pick<AudienceConfig, 'lapsedAfterDays'>): boolean {
  switch (audience) {
    case 'purchasers':
      return person.paidOrders >= 1;
    case 'repeat_purchasers':
      return person.paidOrders >= 2;
    case 'lapsed_purchasers':
      return person.paidOrders >= 1 && person.lastPaidOrderAt < now - config.lapsedAfterDays * DAY_MS;
  }
}

/** Why this person may not be uploaded, or null when they may. */
export function exclusionOf(person: PersonFacts): ExclusionReason | null {
  if (person.gpc) return 'gpc';
  if (person.notForwardable) return 'not_forwardable';
  if (person.suppressed) return 'suppressed';
  if (person.adsConsent === false) return 'ads_consent_denied';
  if (person.adsConsent === null) return 'no_ads_consent';
  return null;
}

export type DesiredMembers = {
  /** the hashes that should be on the list now, sorted */
  hashes: string[];
  /** people of the segment left out, by reason */
  excluded: Record<ExclusionReason, number>;
};

/** The audience's members as it should be: in the segment and allowed to be uploaded. */
export function desiredMembers(audience: Audience, people: PersonFacts[], now: number, config: Pick<AudienceConfig, 'lapsedAfterDays'>): DesiredMembers {
  const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
  const hashes = new Set<string>();
  for (const person of people) {
    if (!inSegment(audience, person, now, config)) continue;
    const reason = exclusionOf(person);
    if (reason !== null) excluded[reason] += 1;
    else hashes.add(person.emailHash);
  }
  return { hashes: [...hashes].sort(), excluded };
}
