// zod schemas of TikTok's integrated report (../shared/REFERENCE.md, 2nd-hand):
// GET /open_api/v1.3/report/integrated/get/ → { code, message, request_id, data: { list: [{ dimensions,
// metrics }], page_info: { page, page_size, total_number, total_page } } }. TikTok answers most errors with
// HTTP 200 and a non-zero `code`, so the envelope is read first and `data` only when code is 0. Metric
// values arrive as strings.
import { z } from 'zod';

export const tiktokEnvelopeSchema = z.object({ code: z.number(), message: z.string().optional(), request_id: z.string().optional(), data: z.unknown() }).passthrough();

export const tiktokReportDataSchema = z
  .object({
    list: z.array(z.unknown()),
    page_info: z.object({ page: z.number().int(), page_size: z.number().int(), total_number: z.number().int(), total_page: z.number().int() }).passthrough(),
  })
  .passthrough();

const digits = z.string().regex(/^\d+$/, 'expected an id of digits as a string');
const count = z.string().regex(/^\d+$/, 'expected a whole number as a string');

export const tiktokReportRowSchema = z
  .object({
    /** Not part of TikTok's row: the stream adds the advertiser the request was for. */
    advertiser_id: digits,
    dimensions: z
      .object({
        ad_id: digits,
        /** "2024-03-01 00:00:00" */
        stat_time_day: z.string().regex(/^\d{4}-\d{2}-\d{2}(?: 00:00:00)?$/, 'expected "YYYY-MM-DD 00:00:00"'),
      })
      .passthrough(),
    metrics: z
      .object({
        spend: z.string({ required_error: 'missing spend' }),
        impressions: count,
        clicks: count,
        campaign_id: digits,
        campaign_name: z.string().optional(),
        adgroup_id: digits,
        adgroup_name: z.string().optional(),
        ad_name: z.string().optional(),
        /** The advertiser's currency (an attribute metric we request; unconfirmed that every account returns it). */
        currency: z.string({ required_error: 'missing currency (requested as an attribute metric)' }).regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'),
      })
      .passthrough(),
  })
  .passthrough();
export type TikTokReportRow = z.output<typeof tiktokReportRowSchema>;
