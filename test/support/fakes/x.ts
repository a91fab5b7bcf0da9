// A local stand-in for the X API v2 (X's public reference; REFERENCE.md is silent on X):
// - GET /2/users/:id/tweets?start_time&end_time&max_results (5..100)&pagination_token&tweet.fields=created_at,public_metrics
//   with Authorization: Bearer → {data: [{id, text, created_at, public_metrics, edit_history_tweet_ids}],
//   meta: {result_count, newest_id, oldest_id, next_token?}}, newest first; without posts {meta: {result_count: 0}};
// - GET /2/users/:id?user.fields=public_metrics → {data: {id, name, username, public_metrics: {followers_count, ...}}};
// - 401 {title: 'Unauthorized', type, status, detail}; 429 {title: 'Too Many Requests', ...} with
//   x-rate-limit-limit / -remaining / -reset (epoch seconds) headers.
import { randomBytes } from 'node:crypto';
import { FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type XPostJson = { id: string; text: string; created_at: string; public_metrics: Record<string, unknown>; edit_history_tweet_ids: string[] };

export type FakeX = {
  url: string;
  bearerToken: string;
  requests: RecordedRequest[];
  /** Posts by author id (newest first is the fake's job). */
  posts: Map<string, XPostJson[]>;
  followers: Map<string, number>;
  addPost(userId: string, post: XPostJson): void;
  /** The next `times` calls answer 429, resetting `resetInSeconds` from now. */
  rateLimitNext(resetInSeconds: number, times?: number): void;
  close(): Promise<void>;
};

const TIMELINE = /^\/2\/users\/(\d+)\/tweets$/;
const USER = /^\/2\/users\/(\d+)$/;

export async function startFakeX(options: { bearerToken?: string } = {}): Promise<FakeX> {
  const bearerToken = options.bearerToken ?? `AAAAfake${randomBytes(12).toString('hex')}`;
  const posts = new Map<string, XPostJson[]>();
  const followers = new Map<string, number>();
  const failures = new FailureQueue<number>();

  const handle = (request: RecordedRequest): Reply => {
    const reset = failures.take();
    if (reset !== null) {
      const at = Math.ceil(Date.now() / 1000) + reset;
      return { status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }, headers: { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(at) } };
    }
    if (request.headers.authorization !== `Bearer ${bearerToken}`) return { status: 401, body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' } };
    const user = USER.exec(request.path);
    if (request.method === 'GET' && user) {
      const id = user[1] ?? '';
      return { status: 200, body: { data: { id, name: `User ${id}`, username: `user${id}`, public_metrics: { followers_count: followers.get(id) ?? 0, following_count: 10, tweet_count: posts.get(id)?.length ?? 0, listed_count: 0 } } } };
    }
    const timeline = TIMELINE.exec(request.path);
    if (request.method !== 'GET' || !timeline) return { status: 404, body: { title: 'Not Found Error', type: 'about:blank', status: 404, detail: `no route ${request.path}` } };
    const max = Number(request.query.max_results ?? '10');
    if (!Number.isInteger(max) || max < 5 || max > 100) return { status: 400, body: { title: 'Invalid Request', type: 'https://api.twitter.com/2/problems/invalid-request', detail: 'max_results must be between 5 and 100', errors: [{ parameters: { max_results: [String(max)] }, message: 'The `max_results` query parameter value is not between 5 and 100' }] } };
    const start = request.query.start_time ? Date.parse(request.query.start_time) : -Infinity;
    const end = request.query.end_time ? Date.parse(request.query.end_time) : Infinity;
    const all = (posts.get(timeline[1] ?? '') ?? [])
      .filter((p) => Date.parse(p.created_at) >= start && Date.parse(p.created_at) <= end)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    const offset = request.query.pagination_token ? Number(Buffer.from(request.query.pagination_token, 'base64url').toString('utf8')) : 0;
    const page = all.slice(offset, offset + max);
    const meta: Record<string, unknown> = { result_count: page.length };
    if (page.length > 0) Object.assign(meta, { newest_id: page[0]?.id, oldest_id: page.at(-1)?.id });
    if (offset + max < all.length) meta.next_token = Buffer.from(String(offset + max), 'utf8').toString('base64url');
    return { status: 200, body: page.length > 0 ? { data: page, meta } : { meta } };
  };

  const server = await startFakeServer(handle);
  return {
    url: server.url,
    bearerToken,
    requests: server.requests,
    posts,
    followers,
    addPost(userId, post) {
      posts.set(userId, [...(posts.get(userId) ?? []), post]);
    },
    rateLimitNext: (resetInSeconds, times = 1) => failures.push(resetInSeconds, times),
    close: () => server.close(),
  };
}

/** A post with X's public metrics (impression_count included, as for the author's own posts). */
export function xPost(fields: { id: string; createdAt: string; impressions: number; likes?: number; replies?: number; reposts?: number; quotes?: number; bookmarks?: number }): XPostJson {
  return {
    id: fields.id,
    text: `post ${fields.id}`,
    created_at: fields.createdAt,
    edit_history_tweet_ids: [fields.id],
    public_metrics: { retweet_count: fields.reposts ?? 0, reply_count: fields.replies ?? 0, like_count: fields.likes ?? 0, quote_count: fields.quotes ?? 0, bookmark_count: fields.bookmarks ?? 0, impression_count: fields.impressions },
  };
}
