// A local stand-in for TikTok's integrated report (../shared/REFERENCE.md, 2nd-hand):
// GET /open_api/v1.3/report/integrated/get/ with header Access-Token and query advertiser_id,
// report_type=BASIC, data_level=AUCTION_AD, dimensions=["ad_id","stat_time_day"] (JSON), metrics=[...]
// (JSON), start_date, end_date (≤ 30 days apart with the daily dimension), page, page_size (≤ 1000).
// Answers { code: 0, message: "OK", request_id, data: { list: [{ dimensions, metrics }], page_info } },
// metric values as strings, stat_time_day as "YYYY-MM-DD 00:00:00". Errors are HTTP 200 with a non-zero
// code: 40105 bad token, 40002 bad parameter, 40100 too many requests.
// Events API 2.0: POST /open_api/v1.3/event/track/ (header Access-Token) {event_source: 'web', event_source_id,
// data: [{event, event_time (unix seconds), event_id, user: {email: [sha256], phone: [sha256], ttclid}, ...}]}:
// {code: 0, message: 'OK'}; events deduped on event_id.
import { randomBytes } from 'node:crypto';
import { dayInRange, FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type TikTokStatRow = { advertiserId: string; adId: string; day: string; metrics: Record<string, string> };

export type FakeTikTok = {
  url: string;
  accessToken: string;
  requests: RecordedRequest[];
  rows: TikTokStatRow[];
  /** A list item served exactly as given (for rejection tests). */
  addRawItem(advertiserId: string, day: string, item: unknown): void;
  /** The next `times` calls answer code 40100 (TikTok's rate limit, HTTP 200). */
  rateLimitNext(times?: number): void;
  /** The next `times` calls answer HTTP `status` (a gateway failure). */
  failNext(status: number, times?: number): void;
  /** Events TikTok kept, once per event_id. */
  events: Array<Record<string, unknown>>;
  eventRequests(): RecordedRequest[];
  close(): Promise<void>;
};

const REPORT_PATH = '/open_api/v1.3/report/integrated/get/';
const EVENTS_PATH = '/open_api/v1.3/event/track/';
const MAX_PAGE_SIZE = 1000;
const MAX_DAYS = 30;

export async function startFakeTikTok(options: { accessToken?: string } = {}): Promise<FakeTikTok> {
  const accessToken = options.accessToken ?? randomBytes(20).toString('hex');
  const rows: TikTokStatRow[] = [];
  const raw: Array<{ advertiserId: string; day: string; item: unknown }> = [];
  const failures = new FailureQueue<{ kind: 'rate' } | { kind: 'status'; status: number }>();

  const events: Array<Record<string, unknown>> = [];
  const track = (request: RecordedRequest): Reply => {
    if (request.headers['access-token'] !== accessToken) return tiktokError(40105, 'The access token is invalid or has been revoked.');
    let body: { event_source?: unknown; event_source_id?: unknown; data?: Array<Record<string, unknown>> };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return tiktokError(40002, 'Invalid JSON.');
    }
    if (body.event_source !== 'web' || typeof body.event_source_id !== 'string') return tiktokError(40002, 'event_source must be web and event_source_id the pixel code.');
    if (!Array.isArray(body.data) || body.data.length === 0) return tiktokError(40002, 'data: Missing data for required field.');
    for (const e of body.data) {
      if (typeof e.event !== 'string' || typeof e.event_time !== 'number' || !Number.isInteger(e.event_time) || e.event_time > 1e11) return tiktokError(40002, 'event_time must be a unix timestamp in seconds.');
      const user = (e.user ?? {}) as { email?: unknown[]; phone?: unknown[] };
      if ([...(user.email ?? []), ...(user.phone ?? [])].some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h))) return tiktokError(40002, 'user.email/phone must be SHA-256 hashes.');
    }
    for (const e of body.data) if (!events.some((k) => e.event_id !== undefined && k.event_id === e.event_id)) events.push(e);
    return { status: 200, body: { code: 0, message: 'OK', request_id: requestId(), data: {} } };
  };

  const handle = (request: RecordedRequest): Reply => {
    if (request.path === EVENTS_PATH && request.method === 'POST') return track(request);
    if (request.path !== REPORT_PATH || request.method !== 'GET') return { status: 404, body: { code: 40400, message: 'Not found', request_id: requestId(), data: {} } };
    const failure = failures.take();
    if (failure?.kind === 'status') return { status: failure.status, body: { code: 50000, message: 'Internal error', request_id: requestId(), data: {} } };
    if (failure?.kind === 'rate') return tiktokError(40100, 'Too many requests. Please retry in some time.');
    if (request.headers['access-token'] !== accessToken) return tiktokError(40105, 'The access token is invalid or has been revoked.');
    const q = request.query;
    if (q.report_type !== 'BASIC' || q.data_level !== 'AUCTION_AD') return tiktokError(40002, 'report_type must be BASIC and data_level AUCTION_AD (this fake)');
    if (!q.advertiser_id || !/^\d+$/.test(q.advertiser_id)) return tiktokError(40002, 'advertiser_id: Missing data for required field.');
    let dimensions: unknown;
    let metrics: unknown;
    try {
      dimensions = JSON.parse(q.dimensions ?? '');
      metrics = JSON.parse(q.metrics ?? '[]');
    } catch {
      return tiktokError(40002, 'dimensions/metrics: Not a valid list.');
    }
    if (JSON.stringify(dimensions) !== JSON.stringify(['ad_id', 'stat_time_day'])) return tiktokError(40002, 'this fake serves dimensions ["ad_id","stat_time_day"]');
    if (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string')) return tiktokError(40002, 'metrics: Not a valid list.');
    const start = q.start_date ?? '';
    const end = q.end_date ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || start > end) return tiktokError(40002, 'start_date/end_date: Invalid date.');
    if ((Date.parse(end) - Date.parse(start)) / 86_400_000 + 1 > MAX_DAYS) return tiktokError(40002, `The time span between start_date and end_date cannot exceed ${MAX_DAYS} days when stat_time_day is a dimension.`);
    const page = Number(q.page ?? '1');
    const pageSize = Number(q.page_size ?? '10');
    if (!Number.isInteger(page) || page < 1) return tiktokError(40002, 'page: Must be greater than or equal to 1.');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return tiktokError(40002, `page_size: Must be between 1 and ${MAX_PAGE_SIZE}.`);

    const requested = metrics;
    const matching: unknown[] = [
      ...rows
        .filter((r) => r.advertiserId === q.advertiser_id && dayInRange(r.day, start, end))
        .sort((a, b) => (a.day === b.day ? a.adId.localeCompare(b.adId) : a.day < b.day ? -1 : 1))
        .map((r) => ({ dimensions: { ad_id: r.adId, stat_time_day: `${r.day} 00:00:00` }, metrics: Object.fromEntries(requested.filter((m) => m in r.metrics).map((m) => [m, r.metrics[m]])) })),
      ...raw.filter((r) => r.advertiserId === q.advertiser_id && dayInRange(r.day, start, end)).map((r) => r.item),
    ];
    const totalPage = Math.ceil(matching.length / pageSize);
    return {
      status: 200,
      body: {
        code: 0,
        message: 'OK',
        request_id: requestId(),
        data: { list: matching.slice((page - 1) * pageSize, page * pageSize), page_info: { page, page_size: pageSize, total_number: matching.length, total_page: totalPage } },
      },
    };
  };

  const server = await startFakeServer(handle);
  return {
    url: server.url,
    accessToken,
    requests: server.requests,
    rows,
    addRawItem: (advertiserId, day, item) => void raw.push({ advertiserId, day, item }),
    rateLimitNext: (times = 1) => failures.push({ kind: 'rate' }, times),
    failNext: (status, times = 1) => failures.push({ kind: 'status', status }, times),
    events,
    eventRequests: () => server.requests.filter((r) => r.path === EVENTS_PATH),
    close: () => server.close(),
  };
}

const requestId = (): string => `2024${randomBytes(12).toString('hex')}`;

function tiktokError(code: number, message: string): Reply {
  return { status: 200, body: { code, message, request_id: requestId(), data: {} } };
}

export function tiktokRow(fields: { advertiserId: string; day: string; adId: string; spend: string; impressions?: string; clicks?: string; currency?: string; campaignId?: string; adgroupId?: string }): TikTokStatRow {
  const campaignId = fields.campaignId ?? '1790000000000001';
  const adgroupId = fields.adgroupId ?? '1790000000000101';
  return {
    advertiserId: fields.advertiserId,
    adId: fields.adId,
    day: fields.day,
    metrics: {
      spend: fields.spend,
      impressions: fields.impressions ?? '500',
      clicks: fields.clicks ?? '5',
      campaign_id: campaignId,
      campaign_name: `Spark ${campaignId.slice(-3)}`,
      adgroup_id: adgroupId,
      adgroup_name: `Broad ${adgroupId.slice(-3)}`,
      ad_name: `Video ${fields.adId.slice(-4)}`,
      currency: fields.currency ?? 'GBP',
    },
  };
}
