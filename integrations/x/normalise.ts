// One X account day (its posts as X sent them, and a follower snapshot) → SocialPageDay. Pure; never
// throws. A post that cannot be counted (a metric missing or not a whole number) rejects the whole day
// with the post named: summing the rest would under-count silently.
import { isDay } from '../../lib/ads/days';
import type { NormaliseResult } from '../../lib/commerce/records';
import { socialPageDaySchema } from '../../lib/organic/records';
import { describeIssues } from '../../lib/zod-issues';
import { xAccountDaySchema, xPostSchema } from './schemas';

export function normaliseXAccountDay(raw: unknown): NormaliseResult {
  const parsed = xAccountDaySchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not an X account day: ${describeIssues(parsed.error).join('; ')}`);
  const { user_id: accountId, day, posts, followers_count: followers } = parsed.data;
  if (!isDay(day)) return reject(raw, `day: not a real day: ${JSON.stringify(day)}`);
  let impressions = 0;
  let engagements = 0;
  const seen = new Set<string>();
  for (const [index, item] of posts.entries()) {
    const post = xPostSchema.safeParse(item);
    if (!post.success) {
      const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
      return reject(raw, `post ${typeof id === 'string' ? id : `#${index}`}: ${describeIssues(post.error, 'post').join('; ')}`);
    }
    // A post repeated across pages (the timeline moved while it was paged) is counted once.
    if (seen.has(post.data.id)) continue;
    seen.add(post.data.id);
    const m = post.data.public_metrics;
    impressions += m.impression_count;
    engagements += m.like_count + m.reply_count + m.retweet_count + m.quote_count + m.bookmark_count;
  }
  const checked = socialPageDaySchema.safeParse({
    platform: 'x', accountId, day, reach: null, impressions, engagements,
    followers: followers === null ? null : followers, followerDelta: null, posts: seen.size,
  });
  if (!checked.success) return reject(raw, describeIssues(checked.error).join('; '));
  return { ok: true, records: [{ kind: 'social_page_day', day: checked.data }] };
}

function reject(raw: unknown, reason: string): NormaliseResult {
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const externalId = typeof r.user_id === 'string' && typeof r.day === 'string' && r.user_id.length + r.day.length < 190 ? `x:${r.user_id}:${r.day}` : null;
  return { ok: false, rejected: { externalId, reason, raw } };
}
