// zod schemas of the X API v2 answers we read. REFERENCE.md is silent on X, so these follow X's public
// API v2 reference:
//   GET /2/users/:id/tweets?start_time&end_time&max_results&pagination_token&tweet.fields=created_at,public_metrics
//     → { data?: [{ id, text, created_at, public_metrics: { retweet_count, reply_count, like_count,
//          quote_count, bookmark_count, impression_count } }], meta: { result_count, next_token?, ... } }
//   GET /2/users/:id?user.fields=public_metrics → { data: { id, public_metrics: { followers_count, ... } } }
//   errors: { title, detail, type, status } (or { errors: [...] }); 429 with x-rate-limit-reset (epoch s).
import { z } from 'zod';

export const xTimelinePageSchema = z
  .object({
    data: z.array(z.unknown()).optional().default([]),
    meta: z.object({ result_count: z.number().optional(), next_token: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export const xUserSchema = z
  .object({ data: z.object({ id: z.string(), public_metrics: z.object({ followers_count: z.number().int().nonnegative() }).passthrough() }).passthrough() })
  .passthrough();

const count = z.number({ invalid_type_error: 'expected a number' }).int('expected a whole number').nonnegative();

export const xPostSchema = z
  .object({
    id: z.string().regex(/^\d+$/, 'expected a numeric post id'),
    created_at: z.string().datetime({ offset: true }),
    public_metrics: z
      .object({ retweet_count: count, reply_count: count, like_count: count, quote_count: count, bookmark_count: count.optional().default(0), impression_count: count })
      .passthrough(),
  })
  .passthrough();

/** One account's day as our client assembles it: the day's posts (as X sent them) and the follower count when read today. */
export const xAccountDaySchema = z.object({ user_id: z.string().min(1), day: z.string(), posts: z.array(z.unknown()), followers_count: z.number().nullable() }).passthrough();
