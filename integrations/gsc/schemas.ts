// zod schemas of the Search Console API answers we read (../shared/REFERENCE.md):
// POST /webmasters/v3/sites/{site}/searchAnalytics/query → { rows?: [{ keys: [...], clicks, impressions,
// ctr, position }], responseAggregationType?, metadata? }. Days without data are omitted, and so is `rows`
// when nothing matched. `metadata.first_incomplete_date` (dataState all) is Google's documented field
// (REFERENCE.md is silent on it): days from it on are still being collected.
import { z } from 'zod';

export const gscQueryResponseSchema = z
  .object({
    rows: z.array(z.unknown()).optional().default([]),
    responseAggregationType: z.string().optional(),
    metadata: z.object({ first_incomplete_date: z.string().optional(), first_incomplete_hour: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

const metricNumber = z.number({ invalid_type_error: 'expected a number' }).finite().nonnegative();

export const gscRowSchema = z
  .object({
    keys: z.array(z.string()).min(2),
    clicks: metricNumber,
    impressions: metricNumber,
    ctr: metricNumber.max(1),
    position: metricNumber,
    /** Added by our client: which request the row answers. */
    siteUrl: z.string().min(1),
    searchType: z.string().min(1),
    dimensions: z.array(z.string()),
    /** On or after metadata.first_incomplete_date: Google is still collecting the day. */
    fresh: z.boolean(),
  })
  .passthrough();
export type GscRow = z.output<typeof gscRowSchema>;
