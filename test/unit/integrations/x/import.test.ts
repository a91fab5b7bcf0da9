import { VendorHttpError } from '../../../../integrations/http';
import { classifyXError, createXStream, normaliseXAccountDay, xCredentialsSchema } from '../../../../integrations/x';
import { startFakeX, xPost, type FakeX } from '../../../support/fakes/x';

let x: FakeX;
beforeEach(async () => {
  x = await startFakeX();
});
afterEach(() => x.close());

const stream = (now = '2024-03-05T10:00:00Z') =>
  createXStream(xCredentialsSchema.parse({ bearerToken: x.bearerToken, userIds: '42', apiBaseUrl: x.url }), { now: () => new Date(now), backfillDays: 1, maxResults: 5 });

describe('createXStream', () => {
  it("follows next_token through a day's posts and adds today's follower count", async () => {
    for (let i = 0; i < 7; i += 1) x.addPost('42', xPost({ id: String(100 + i), createdAt: `2024-03-05T0${i}:00:00.000Z`, impressions: 10, likes: 1 }));
    x.followers.set('42', 900);
    const s = stream();
    const page = await s.fetchPage(s.initialCursor(null));
    expect(page.done).toBe(true);
    expect(page.rows).toHaveLength(1);
    const timeline = x.requests.filter((r) => r.path === '/2/users/42/tweets');
    expect(timeline.map((r) => r.query.pagination_token !== undefined)).toEqual([false, true]);
    expect(timeline[0]?.query).toMatchObject({ start_time: '2024-03-05T00:00:00Z', end_time: '2024-03-05T23:59:59Z', max_results: '5', 'tweet.fields': 'created_at,public_metrics' });
    expect(normaliseXAccountDay(page.rows[0])).toMatchObject({ ok: true, records: [{ day: { platform: 'x', impressions: 70, engagements: 7, posts: 7, followers: 900, reach: null } }] });
  });

  it('a 429 waits until x-rate-limit-reset; 401 is final', async () => {
    x.rateLimitNext(30);
    const s = stream();
    const error = await s.fetchPage(s.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect((error as VendorHttpError).retryable).toBe(true);
    expect((error as VendorHttpError).retryAfterSeconds).toBeGreaterThanOrEqual(28);
    const unauthorised = classifyXError({ status: 401, text: '{"title":"Unauthorized","detail":"Unauthorized"}', headers: new Headers() });
    expect(unauthorised).toMatchObject({ retryable: false, message: 'x: answered 401: Unauthorized: Unauthorized' });
  });
});

describe('normaliseXAccountDay', () => {
  it('counts a post repeated across pages once and rejects a day with an uncountable post', () => {
    const p = xPost({ id: '1', createdAt: '2024-03-01T00:00:00Z', impressions: 5, replies: 1 });
    expect(normaliseXAccountDay({ user_id: '42', day: '2024-03-01', posts: [p, p], followers_count: null })).toMatchObject({ ok: true, records: [{ day: { impressions: 5, engagements: 1, posts: 1 } }] });
    expect(normaliseXAccountDay({ user_id: '42', day: '2024-03-01', posts: [{ id: '2', created_at: '2024-03-01T00:00:00Z', public_metrics: {} }], followers_count: null })).toMatchObject({
      ok: false,
      rejected: { externalId: 'x:42:2024-03-01', reason: expect.stringMatching(/^post 2: /) as string },
    });
  });
});
