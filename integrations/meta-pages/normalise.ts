// One Facebook Page or Instagram account day (metric name → value, as our client assembles it) →
// SocialPageDay. Pure; never throws. A metric Meta did not report is null, never 0; a reported value that
// is not a whole non-negative number rejects the day with the metric named.
import { isDay } from '../../lib/ads/days';
import type { NormaliseResult } from '../../lib/commerce/records';
import { socialPageDaySchema } from '../../lib/organic/records';
import { describeIssues } from '../../lib/zod-issues';
import { socialInsightsDaySchema } from './schemas';

class MetricError extends Error {}

export function normaliseSocialInsightsDay(raw: unknown): NormaliseResult {
  const parsed = socialInsightsDaySchema.safeParse(raw);
  if (!parsed.success) return reject(raw, `not a Meta insights day: ${describeIssues(parsed.error).join('; ')}`);
  const { platform, account_id: accountId, day, metrics } = parsed.data;
  if (!isDay(day)) return reject(raw, `day: not a real day: ${JSON.stringify(day)}`);
  const read = (name: string): number | null => {
    if (!(name in metrics) || metrics[name] === null || metrics[name] === undefined) return null;
    const value = metrics[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new MetricError(`${name}: expected a whole non-negative number, got ${JSON.stringify(value)}`);
    return value;
  };
  let candidate: unknown;
  try {
    if (platform === 'facebook') {
      const follows = read('page_daily_follows_unique');
      const unfollows = read('page_daily_unfollows_unique');
      candidate = {
        platform, accountId, day,
        reach: read('page_impressions_unique'),
        impressions: read('page_impressions'),
        engagements: read('page_post_engagements'),
        followers: read('page_follows'),
        followerDelta: follows !== null && unfollows !== null ? follows - unfollows : null,
        posts: null,
      };
    } else {
      candidate = {
        platform, accountId, day,
        reach: read('reach'),
        impressions: read('views'),
        engagements: read('total_interactions'),
        // Instagram reports no historical follower total through insights (only followers_count of now).
        followers: null,
        // follower_count: accounts that started following that day (gross, unfollows not reported per day).
        followerDelta: read('follower_count'),
        posts: null,
      };
    }
  } catch (error) {
    if (error instanceof MetricError) return reject(raw, error.message);
    throw error;
  }
  const checked = socialPageDaySchema.safeParse(candidate);
  if (!checked.success) return reject(raw, describeIssues(checked.error).join('; '));
  return { ok: true, records: [{ kind: 'social_page_day', day: checked.data }] };
}

function reject(raw: unknown, reason: string): NormaliseResult {
  return { ok: false, rejected: { externalId: readableId(raw), reason, raw } };
}

function readableId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { platform, account_id: account, day } = raw as Record<string, unknown>;
  if (typeof platform !== 'string' || typeof account !== 'string' || typeof day !== 'string') return null;
  const id = `${platform}:${account}:${day}`;
  return id.length <= 200 ? id : null;
}
