// What an audience is and how a company configures one (audience_settings.config). Pure; the CLI checks
// settings with these schemas before anything is written, and the sync reads them back through them.
import { z } from 'zod';

/**
 * The segments LUX can upload. Every one counts only paid orders (the rollups' definition: stg_orders,
 * status paid, fulfilled, partially_refunded or refunded) of people known by their hashed email.
 *   purchasers         at least one paid order
 *   repeat_purchasers  at least two paid orders
 *   lapsed_purchasers  at least one paid order, none in the last `lapsedAfterDays` days
 */
export const AUDIENCES = ['purchasers', 'repeat_purchasers', 'lapsed_purchasers'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const AUDIENCE_DESTINATIONS = ['google_ads'] as const;
export type AudienceDestination = (typeof AUDIENCE_DESTINATIONS)[number];

/** Google's cap on UserList.membership_life_span since April 2025 (a larger value is RangeError.TOO_HIGH). */
export const MAX_MEMBERSHIP_LIFE_SPAN_DAYS = 540;

export const audienceConfigSchema = z
  .object({
    /** the Google Ads customer the list belongs to; default: the first customer id of the google_ads credentials */
    customerId: z.string().trim().transform((v) => v.replace(/-/g, '')).pipe(z.string().regex(/^\d{10}$/, 'expected a Google Ads customer id such as 123-456-7890')).optional(),
    /** how long Google keeps a member after its last upload; LUX re-uploads members 30 days before that */
    membershipLifeSpanDays: z.number().int().min(1).max(MAX_MEMBERSHIP_LIFE_SPAN_DAYS).default(MAX_MEMBERSHIP_LIFE_SPAN_DAYS),
    /** lapsed_purchasers only: days since the last paid order after which a customer counts as lapsed */
    lapsedAfterDays: z.number().int().min(1).max(3650).default(180),
  })
  .strict();
export type AudienceConfig = z.output<typeof audienceConfigSchema>;

/** The list's name at Google: unique per customer (Google refuses a duplicate name), stable, no PII. */
export function userListName(audience: Audience, companyId: string): string {
  const label = { purchasers: 'Purchasers', repeat_purchasers: 'Repeat purchasers', lapsed_purchasers: 'Lapsed purchasers' }[audience];
  return `LUX ${label} (${companyId.slice(0, 8)})`;
}
