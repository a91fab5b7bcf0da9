// zod schemas of the Graph API insights answers we read. REFERENCE.md covers only the Marketing API, so
// these follow Meta's public Graph API reference (Page Insights, Instagram User Insights):
//   GET /v{N}/{page-id}/insights?metric=a,b&period=day&since&until
//     → { data: [{ name, period, values: [{ value, end_time }], title, description, id }], paging }
//   GET /v{N}/{ig-user-id}/insights?metric=a,b&period=day&metric_type=total_value&since&until
//     → { data: [{ name, period, total_value: { value }, title, description, id }] }
// end_time is the end of the period: a daily value is for the (Pacific-time) day before it.
import { z } from 'zod';

export const graphInsightsResponseSchema = z
  .object({
    data: z.array(
      z
        .object({
          name: z.string(),
          period: z.string().optional(),
          values: z.array(z.object({ value: z.unknown(), end_time: z.string().optional() }).passthrough()).optional(),
          total_value: z.object({ value: z.unknown() }).passthrough().optional(),
        })
        .passthrough(),
    ),
    paging: z.unknown().optional(),
  })
  .passthrough();
export type GraphInsightsResponse = z.infer<typeof graphInsightsResponseSchema>;

/** One account's day as our client assembles it from the per-metric series: metric name → reported value. */
export const socialInsightsDaySchema = z
  .object({
    platform: z.enum(['facebook', 'instagram']),
    account_id: z.string().min(1),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
    metrics: z.record(z.unknown()),
  })
  .passthrough();
