// zod schemas of the Google Ads API REST JSON we read (../shared/REFERENCE.md): searchStream answers a
// JSON array of batches (≤ 10,000 rows each) of GoogleAdsRow objects with camelCase fields; int64 values
// (ids, cost_micros, clicks, impressions) are JSON strings. Strict on what we map, passthrough elsewhere.
import { z } from 'zod';

export const googleAdsBatchSchema = z
  .object({ results: z.array(z.unknown()).optional(), fieldMask: z.string().optional(), requestId: z.string().optional() })
  .passthrough();
export const googleAdsSearchStreamSchema = z.array(googleAdsBatchSchema);

/** int64 as a JSON string of digits ("123"). */
const int64 = z.string().regex(/^\d+$/, 'expected an int64 as a string of digits');
/**
 * A metric. proto3 JSON leaves out fields that hold their default, so an absent metric is 0 (a day with
 * impressions but no clicks has no `clicks`); a present one must be an int64 string.
 */
const metric = int64.optional().default('0');

export const googleAdsRowSchema = z
  .object({
    customer: z.object({ id: int64, currencyCode: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'), timeZone: z.string().min(1).optional() }).passthrough(),
    campaign: z.object({ id: int64, name: z.string().optional() }).passthrough(),
    adGroup: z.object({ id: int64, name: z.string().optional() }).passthrough(),
    adGroupAd: z.object({ ad: z.object({ id: int64, name: z.string().optional() }).passthrough() }).passthrough(),
    segments: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD') }).passthrough(),
    metrics: z.object({ costMicros: metric, clicks: metric, impressions: metric }).passthrough().optional().default({}),
  })
  .passthrough();
export type GoogleAdsRow = z.output<typeof googleAdsRowSchema>;

/** OAuth 2.0 token endpoint answer (refresh_token grant). */
export const googleTokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().optional(), token_type: z.string().optional() }).passthrough();

/** The JSON error body of a failed call: google.rpc.Status, alone or as the first element of an array. */
export const googleErrorSchema = z
  .object({ error: z.object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional(), details: z.array(z.unknown()).optional() }).passthrough() })
  .passthrough();
