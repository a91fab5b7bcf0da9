// A local stand-in for the Meta Marketing API insights edge (../shared/REFERENCE.md):
// GET /v{N}/act_{id}/insights?level=ad&fields=...&time_range={"since","until"}&time_increment=1&limit&after
// with the token in `Authorization: Bearer` (or access_token). Answers { data, paging: { cursors: { before,
// after }, next } } with only the requested fields, metrics as strings, one row per ad and day; `next` is
// left out on the last page. Cursors are opaque base64 strings. Errors are Graph API error bodies: a bad
// token is 400 OAuthException code 190; throttling is HTTP 400 with code 17 ("User request limit
// reached") or 80004 (too many calls to this ad account), as Meta does, not 429.
// Conversions API: POST /v{N}/{pixel id}/events {data, test_event_code?} with the token as Bearer: each event
// needs event_name, event_time (unix seconds; older than 7 days fails the *whole* request, code 100 subcode
// 2804003), action_source, user_data with lower-case SHA-256 hex em/ph; answers {events_received, messages,
// fbtrace_id}. Events are deduped on event_name + event_id, as Meta does within 48 hours.
import { randomBytes } from 'node:crypto';
import { dayInRange, FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type MetaInsightsRowJson = {
  account_id: string;
  account_currency: string;
  campaign_id: string;
  campaign_name: string;
  adset_id: string;
  adset_name: string;
  ad_id: string;
  ad_name: string;
  spend: string;
  impressions: string;
  clicks: string;
  date_start: string;
  date_stop: string;
};

export type FakeMeta = {
  url: string;
  accessToken: string;
  requests: RecordedRequest[];
  rows: MetaInsightsRowJson[];
  /** A row served exactly as given (for rejection tests), for the account and day. */
  addRawRow(accountId: string, day: string, row: unknown): void;
  /** The next `times` insights calls are throttled the way Meta does it (HTTP 400, code 17). */
  throttleNext(times?: number): void;
  /** The next `times` insights calls answer `status` with a generic Graph error (code 2, transient, for 5xx). */
  failNext(status: number, times?: number): void;
  /** Events Meta kept, once per event_name + event_id. */
  events: Array<Record<string, unknown>>;
  /** The Conversions API requests received, exactly as sent. */
  eventRequests(): RecordedRequest[];
  /** The next events request is kept but answered only after `ms`. */
  delayNextEvents(ms: number): void;
  close(): Promise<void>;
};

const INSIGHTS_PATH = /^\/(v\d+\.\d+)\/act_(\d+)\/insights$/;
const EVENTS_PATH = /^\/(v\d+\.\d+)\/(\d+)\/events$/;
const HASH = /^[0-9a-f]{64}$/;
const DEFAULT_LIMIT = 25;

export async function startFakeMeta(options: { accessToken?: string } = {}): Promise<FakeMeta> {
  const accessToken = options.accessToken ?? `EAAfake${randomBytes(12).toString('hex')}`;
  const rows: MetaInsightsRowJson[] = [];
  const raw: Array<{ accountId: string; day: string; row: unknown }> = [];
  const failures = new FailureQueue<{ kind: 'throttle' } | { kind: 'status'; status: number }>();

  const events: Array<Record<string, unknown>> = [];
  const delays: number[] = [];

  const track = (request: RecordedRequest): Reply => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? request.query.access_token;
    if (token !== accessToken) return graphError(400, 'OAuthException', 190, 'Invalid OAuth access token - Cannot parse access token');
    let body: { data?: Array<Record<string, unknown>> };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return graphError(400, 'OAuthException', 100, '(#100) The parameter data is required');
    }
    if (!Array.isArray(body.data) || body.data.length === 0) return graphError(400, 'OAuthException', 100, '(#100) The parameter data is required');
    const now = Math.floor(Date.now() / 1000);
    for (const e of body.data) {
      if (typeof e.event_name !== 'string' || typeof e.action_source !== 'string') return graphError(400, 'OAuthException', 100, '(#100) event_name and action_source are required');
      if (typeof e.event_time !== 'number' || !Number.isInteger(e.event_time) || e.event_time > now + 60) return graphError(400, 'OAuthException', 100, '(#100) event_time must be a unix timestamp in seconds');
      if (now - e.event_time > 7 * 86400) return graphError(400, 'OAuthException', 100, 'Invalid parameter: event_time is more than 7 days in the past', 2804003);
      const user = (e.user_data ?? {}) as { em?: unknown[]; ph?: unknown[] };
      if ([...(user.em ?? []), ...(user.ph ?? [])].some((h) => typeof h !== 'string' || !HASH.test(h))) return graphError(400, 'OAuthException', 100, '(#100) user_data em/ph must be SHA-256 hashes');
    }
    for (const e of body.data) if (!events.some((k) => k.event_name === e.event_name && e.event_id !== undefined && k.event_id === e.event_id)) events.push(e);
    const delayMs = delays.shift();
    return { status: 200, body: { events_received: body.data.length, messages: [], fbtrace_id: `A${randomBytes(10).toString('base64url')}` }, ...(delayMs !== undefined ? { delayMs } : {}) };
  };

  const handle = (request: RecordedRequest, baseUrl: string): Reply => {
    if (request.method === 'POST' && EVENTS_PATH.test(request.path)) return track(request);
    const path = INSIGHTS_PATH.exec(request.path);
    if (request.method !== 'GET' || !path) return graphError(400, 'GraphMethodException', 100, `Unsupported get request. Object with ID '${request.path}' does not exist.`);
    const failure = failures.take();
    if (failure?.kind === 'throttle') return graphError(400, 'OAuthException', 17, 'User request limit reached', 2446079);
    if (failure?.kind === 'status') return graphError(failure.status, 'OAuthException', failure.status >= 500 ? 2 : 1, 'An unexpected error has occurred. Please retry your request later.');

    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? request.query.access_token;
    if (token !== accessToken) return graphError(400, 'OAuthException', 190, 'Invalid OAuth access token - Cannot parse access token');
    const q = request.query;
    if (q.level !== 'ad') return graphError(400, 'OAuthException', 100, '(#100) level must be one of: ad, adset, campaign, account (this fake serves level=ad)');
    if (q.time_increment !== '1') return graphError(400, 'OAuthException', 100, '(#100) this fake serves time_increment=1 only');
    let range: { since?: unknown; until?: unknown };
    try {
      range = JSON.parse(q.time_range ?? '') as { since?: unknown; until?: unknown };
    } catch {
      return graphError(400, 'OAuthException', 100, '(#100) time_range must be a JSON object {"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}');
    }
    if (typeof range.since !== 'string' || typeof range.until !== 'string' || range.since > range.until) return graphError(400, 'OAuthException', 100, '(#100) Invalid time_range');
    const fields = (q.fields ?? '').split(',').filter((f) => f !== '');
    if (fields.length === 0) return graphError(400, 'OAuthException', 100, '(#100) fields is required by this fake');
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1) return graphError(400, 'OAuthException', 100, '(#100) Invalid limit');
    const offset = q.after === undefined ? 0 : decodeCursor(q.after);
    if (offset === null) return graphError(400, 'OAuthException', 100, '(#100) Invalid cursor');

    const accountId = path[2] ?? '';
    const since = range.since;
    const until = range.until;
    const matching: unknown[] = [
      ...rows
        .filter((r) => r.account_id === accountId && dayInRange(r.date_start, since, until))
        .sort((a, b) => (a.date_start === b.date_start ? a.ad_id.localeCompare(b.ad_id) : a.date_start < b.date_start ? -1 : 1))
        .map((r) => pick(r, [...fields, 'date_start', 'date_stop'])),
      ...raw.filter((r) => r.accountId === accountId && dayInRange(r.day, since, until)).map((r) => r.row),
    ];
    const data = matching.slice(offset, offset + limit);
    if (data.length === 0) return { status: 200, body: { data: [] } };
    const paging: Record<string, unknown> = { cursors: { before: encodeCursor(offset), after: encodeCursor(offset + data.length) } };
    if (offset + data.length < matching.length) {
      const next = new URL(`${baseUrl}${request.path}`);
      for (const [k, v] of Object.entries(q)) if (k !== 'after' && k !== 'access_token') next.searchParams.set(k, v);
      next.searchParams.set('after', encodeCursor(offset + data.length));
      paging.next = next.toString();
    }
    return { status: 200, body: { data, paging } };
  };

  const server = await startFakeServer(handle);
  return {
    url: server.url,
    accessToken,
    requests: server.requests,
    rows,
    addRawRow: (accountId, day, row) => void raw.push({ accountId, day, row }),
    throttleNext: (times = 1) => failures.push({ kind: 'throttle' }, times),
    failNext: (status, times = 1) => failures.push({ kind: 'status', status }, times),
    events,
    eventRequests: () => server.requests.filter((r) => EVENTS_PATH.test(r.path)),
    delayNextEvents: (ms) => void delays.push(ms),
    close: () => server.close(),
  };
}

function pick(row: MetaInsightsRowJson, fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) if (field in row) out[field] = row[field as keyof MetaInsightsRowJson];
  return out;
}

const encodeCursor = (offset: number): string => Buffer.from(`offset:${offset}`, 'utf8').toString('base64');

function decodeCursor(cursor: string): number | null {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : null;
}

function graphError(status: number, type: string, code: number, message: string, subcode?: number): Reply {
  return { status, body: { error: { message, type, code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: `A${randomBytes(10).toString('base64url')}` } } };
}

export function metaRow(fields: { accountId: string; day: string; adId: string; spend: string; impressions?: string; clicks?: string; currency?: string; campaignId?: string; adsetId?: string }): MetaInsightsRowJson {
  const campaignId = fields.campaignId ?? '23850000000000001';
  const adsetId = fields.adsetId ?? '23850000000000101';
  return {
    account_id: fields.accountId,
    account_currency: fields.currency ?? 'USD',
    campaign_id: campaignId,
    campaign_name: `Prospecting ${campaignId.slice(-3)}`,
    adset_id: adsetId,
    adset_name: `Lookalike ${adsetId.slice(-3)}`,
    ad_id: fields.adId,
    ad_name: `Ad ${fields.adId.slice(-4)}`,
    spend: fields.spend,
    impressions: fields.impressions ?? '1000',
    clicks: fields.clicks ?? '10',
    date_start: fields.day,
    date_stop: fields.day,
  };
}
