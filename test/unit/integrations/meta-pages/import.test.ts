import { createMetaPagesStream, dayOfEndTime, metaPagesCredentialsSchema, normaliseSocialInsightsDay } from '../../../../integrations/meta-pages';
import { startFakeMetaPages, type FakeMetaPages } from '../../../support/fakes/meta-pages';

let fake: FakeMetaPages;
beforeEach(async () => {
  fake = await startFakeMetaPages();
});
afterEach(() => fake.close());

describe('createMetaPagesStream', () => {
  it('asks each Page for daily metrics and each Instagram account for totals and the follower series of one day, token in the header', async () => {
    fake.set('1', '2024-03-04', { page_impressions_unique: 5, page_follows: 100, page_daily_follows_unique: 3, page_daily_unfollows_unique: 1 });
    fake.set('2', '2024-03-04', { reach: 7, follower_count: 2 });
    const credentials = metaPagesCredentialsSchema.parse({ accessToken: fake.accessToken, facebookPageIds: '1', instagramAccountIds: '2', apiBaseUrl: fake.url });
    const s = createMetaPagesStream(credentials, { now: () => new Date('2024-03-04T10:00:00Z'), backfillDays: 1 });
    const first = await s.fetchPage(s.initialCursor(null));
    expect(first.rows).toEqual([{ platform: 'facebook', account_id: '1', day: '2024-03-04', metrics: { page_impressions_unique: 5, page_follows: 100, page_daily_follows_unique: 3, page_daily_unfollows_unique: 1 } }]);
    const second = await s.fetchPage(first.cursor);
    expect(second.done).toBe(true);
    expect(second.rows).toEqual([{ platform: 'instagram', account_id: '2', day: '2024-03-04', metrics: { reach: 7, views: 0, total_interactions: 0, follower_count: 2 } }]);
    expect(fake.requests[0]?.query).toMatchObject({ period: 'day', since: '2024-03-04', until: '2024-03-05' });
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${fake.accessToken}` && r.query.access_token === undefined)).toBe(true);
  });

  it('reads throttling (HTTP 400 code 4) as retryable', async () => {
    fake.throttleNext();
    const s = createMetaPagesStream(metaPagesCredentialsSchema.parse({ accessToken: fake.accessToken, facebookPageIds: '1', apiBaseUrl: fake.url }), { backfillDays: 1 });
    await expect(s.fetchPage(s.initialCursor(null))).rejects.toMatchObject({ retryable: true });
  });

  it('refuses credentials without any account', () => {
    expect(metaPagesCredentialsSchema.safeParse({ accessToken: 't' }).success).toBe(false);
  });
});

describe('normaliseSocialInsightsDay', () => {
  it('a daily end_time belongs to the Pacific day before it, in winter and summer', () => {
    expect(dayOfEndTime('2024-01-16T08:00:00+0000')).toBe('2024-01-15');
    expect(dayOfEndTime('2024-07-16T07:00:00+0000')).toBe('2024-07-15');
  });

  it('maps Facebook follows minus unfollows to the follower change, leaves unreported metrics null, and rejects a non-number', () => {
    expect(normaliseSocialInsightsDay({ platform: 'facebook', account_id: '1', day: '2024-03-04', metrics: { page_follows: 100, page_daily_follows_unique: 3, page_daily_unfollows_unique: 5 } })).toEqual({
      ok: true,
      records: [{ kind: 'social_page_day', day: { platform: 'facebook', accountId: '1', day: '2024-03-04', reach: null, impressions: null, engagements: null, followers: 100, followerDelta: -2, posts: null } }],
    });
    expect(normaliseSocialInsightsDay({ platform: 'instagram', account_id: '2', day: '2024-03-04', metrics: { reach: -1 } })).toMatchObject({ ok: false, rejected: { externalId: 'instagram:2:2024-03-04', reason: expect.stringMatching(/^reach:/) as string } });
  });
});
