// A company's forwarding settings per destination (conversion_forwarding_settings.config): the
// non-secret ids a destination needs. Secrets (tokens, GA4's API secret) are integration credentials.
import { z } from 'zod';
import type { Destination } from './destinations';

const digits = (what: string) => z.string().trim().regex(/^\d{1,30}$/, `expected ${what} (digits)`);

export const FORWARDING_CONFIG_SCHEMAS = {
  google_ads: z
    .object({
      /** the conversion action conversions are uploaded to (Tools → Conversions → the action's id) */
      conversionActionId: digits('a conversion action id'),
      /** the customer the action belongs to; default: the first customer id of the google_ads credentials */
      customerId: z.string().trim().transform((v) => v.replace(/-/g, '')).pipe(z.string().regex(/^\d{10}$/, 'expected a Google Ads customer id such as 123-456-7890')).optional(),
    })
    .strict(),
  meta: z.object({ pixelId: digits('a Meta pixel (dataset) id'), testEventCode: z.string().trim().min(1).max(50).optional() }).strict(),
  tiktok: z.object({ pixelCode: z.string().trim().regex(/^[A-Z0-9]{8,40}$/, 'expected a TikTok pixel code such as C4ABCDEF12345678') }).strict(),
  ga4: z.object({}).strict(),
} as const satisfies Record<Destination, z.ZodTypeAny>;

export type ForwardingConfig<D extends Destination> = z.output<(typeof FORWARDING_CONFIG_SCHEMAS)[D]>;
