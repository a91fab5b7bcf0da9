// zod schemas of the Meta Marketing API insights answer (../shared/REFERENCE.md):
// GET /v{N}/act_{id}/insights?level=ad&time_increment=1 → { data: [row], paging: { cursors: { before,
// after }, next } }. Metrics arrive as strings; each row carries date_start / date_stop (equal with
// time_increment=1). Errors: { error: { message, type, code, error_subcode, fbtrace_id } }.
import { z } from 'zod';

export const metaInsightsPageSchema = z
  .object({
    data: z.array(z.unknown()),
    paging: z
      .object({ cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).passthrough().optional(), next: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

const digits = z.string().regex(/^\d+$/, 'expected an id of digits as a string');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
/** Counts as strings of digits ("1200"). Meta leaves a metric out when it has no value: read as 0. */
const countText = z.string().regex(/^\d+$/, 'expected a whole number as a string').optional().default('0');

export const metaInsightsRowSchema = z
  .object({
    account_id: digits,
    account_currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'),
    campaign_id: digits,
    campaign_name: z.string().optional(),
    adset_id: digits,
    adset_name: z.string().optional(),
    ad_id: digits,
    ad_name: z.string().optional(),
    /** In the account currency, as a decimal string ("12.34"). Required: a row without spend is not a spend row. */
    spend: z.string({ required_error: 'missing spend' }),
    impressions: countText,
    clicks: countText,
    date_start: day,
    date_stop: day,
  })
  .passthrough();
export type MetaInsightsRow = z.output<typeof metaInsightsRowSchema>;

export const metaErrorSchema = z
  .object({
    error: z
      .object({ message: z.string().optional(), type: z.string().optional(), code: z.number().optional(), error_subcode: z.number().optional(), fbtrace_id: z.string().optional() })
      .passthrough(),
  })
  .passthrough();
