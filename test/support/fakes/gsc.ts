// A local stand-in for the Search Console API (../shared/REFERENCE.md) and Google's OAuth token endpoint:
// - POST /token (form: grant_type=refresh_token, client_id, client_secret, refresh_token) → an access token;
// - POST /webmasters/v3/sites/{urlencoded site}/searchAnalytics/query with Authorization: Bearer and a body
//   {startDate, endDate, dimensions, type, rowLimit, startRow, dataState}. Answers {rows: [{keys, clicks,
//   impressions, ctr, position}], responseAggregationType} with keys in the order of `dimensions`, rows
//   sliced by startRow/rowLimit, `rows` left out when nothing matched (days without data are omitted);
//   with dataState all, metadata.first_incomplete_date. searchAppearance cannot be grouped with query or
//   page (400 INVALID_ARGUMENT), as Google documents; rowLimit above 25,000 is refused.
// - errors are google.rpc.Status bodies; a quota failure is 429 RESOURCE_EXHAUSTED with Retry-After.
import { randomBytes } from 'node:crypto';
import { dayInRange, FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type GscFactRow = { siteUrl: string; date: string; query: string; page: string; clicks: number; impressions: number; position: number };
export type GscAppearanceRow = { siteUrl: string; date: string; searchAppearance: string; clicks: number; impressions: number; position: number };

export type FakeGsc = {
  url: string;
  tokenUrl: string;
  requests: RecordedRequest[];
  rows: GscFactRow[];
  appearances: GscAppearanceRow[];
  /** A row served exactly as given in the [date, query, page] answers of its site and day. */
  addRawRow(siteUrl: string, date: string, row: unknown): void;
  /** Days from this one on are reported as incomplete (metadata.first_incomplete_date). */
  firstIncompleteDate: string | null;
  failNext(status: number, options?: { retryAfterSeconds?: number; times?: number }): void;
  /** The searchAnalytics.query calls received, bodies parsed. */
  queries(): Array<{ siteUrl: string; startDate: string; endDate: string; dimensions: string[]; startRow: number; rowLimit: number; type: string; dataState: string | undefined }>;
  close(): Promise<void>;
};

const QUERY_PATH = /^\/webmasters\/v3\/sites\/([^/]+)\/searchAnalytics\/query$/;

export async function startFakeGsc(options: { clientId: string; clientSecret: string; refreshToken: string }): Promise<FakeGsc> {
  const rows: GscFactRow[] = [];
  const appearances: GscAppearanceRow[] = [];
  const raw: Array<{ siteUrl: string; date: string; row: unknown }> = [];
  const failures = new FailureQueue<{ status: number; retryAfterSeconds: number | null }>();
  const tokens = new Set<string>();
  const state = { firstIncompleteDate: null as string | null };

  const handle = (request: RecordedRequest): Reply => {
    if (request.method === 'POST' && request.path === '/token') return token(request);
    const path = QUERY_PATH.exec(request.path);
    if (request.method !== 'POST' || !path) return googleError(404, 'NOT_FOUND', `The requested URL ${request.path} was not found on this server.`);
    const failure = failures.take();
    if (failure) {
      const headers = failure.retryAfterSeconds !== null ? { 'retry-after': String(failure.retryAfterSeconds) } : undefined;
      const reply = failure.status === 429 ? googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric \'Queries\'.') : googleError(failure.status, 'INTERNAL', 'Internal error encountered.');
      return { ...reply, ...(headers ? { headers } : {}) };
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!bearer || !tokens.has(bearer[1] ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token.');
    const siteUrl = decodeURIComponent(path[1] ?? '');
    let body: { startDate?: string; endDate?: string; dimensions?: string[]; rowLimit?: number; startRow?: number; type?: string; dataState?: string };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const { startDate, endDate } = body;
    if (typeof startDate !== 'string' || typeof endDate !== 'string') return googleError(400, 'INVALID_ARGUMENT', 'startDate and endDate are required.');
    const dimensions = body.dimensions ?? [];
    const rowLimit = body.rowLimit ?? 1000;
    const startRow = body.startRow ?? 0;
    if (rowLimit > 25_000 || rowLimit < 1) return googleError(400, 'INVALID_ARGUMENT', 'rowLimit must be between 1 and 25000.');
    if (dimensions.includes('searchAppearance') && (dimensions.includes('query') || dimensions.includes('page'))) {
      return googleError(400, 'INVALID_ARGUMENT', 'searchAppearance cannot be grouped with query or page.');
    }
    const ctr = (c: number, i: number): number => (i === 0 ? 0 : c / i);
    let matching: unknown[];
    if (dimensions.includes('searchAppearance')) {
      matching = appearances
        .filter((r) => r.siteUrl === siteUrl && dayInRange(r.date, startDate, endDate))
        .map((r) => ({ keys: dimensions.map((d) => (d === 'date' ? r.date : r.searchAppearance)), clicks: r.clicks, impressions: r.impressions, ctr: ctr(r.clicks, r.impressions), position: r.position }));
    } else {
      const value = (r: GscFactRow, d: string): string => (d === 'date' ? r.date : d === 'query' ? r.query : d === 'page' ? r.page : '');
      matching = [
        ...rows
          .filter((r) => r.siteUrl === siteUrl && dayInRange(r.date, startDate, endDate))
          .map((r) => ({ keys: dimensions.map((d) => value(r, d)), clicks: r.clicks, impressions: r.impressions, ctr: ctr(r.clicks, r.impressions), position: r.position })),
        ...raw.filter((r) => r.siteUrl === siteUrl && dayInRange(r.date, startDate, endDate)).map((r) => r.row),
      ];
    }
    const slice = matching.slice(startRow, startRow + rowLimit);
    const answer: Record<string, unknown> = { responseAggregationType: dimensions.includes('page') ? 'byPage' : 'byProperty' };
    if (slice.length > 0) answer.rows = slice;
    if (body.dataState === 'all' && state.firstIncompleteDate !== null) answer.metadata = { first_incomplete_date: state.firstIncompleteDate };
    return { status: 200, body: answer };
  };

  const token = (request: RecordedRequest): Reply => {
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    if (form.get('refresh_token') !== options.refreshToken) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    const accessToken = `ya29.fake-${randomBytes(12).toString('hex')}`;
    tokens.add(accessToken);
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/webmasters.readonly', token_type: 'Bearer' } };
  };

  const server = await startFakeServer(handle);
  const fake: FakeGsc = {
    url: server.url,
    tokenUrl: `${server.url}/token`,
    requests: server.requests,
    rows,
    appearances,
    addRawRow: (siteUrl, date, row) => void raw.push({ siteUrl, date, row }),
    get firstIncompleteDate() {
      return state.firstIncompleteDate;
    },
    set firstIncompleteDate(value: string | null) {
      state.firstIncompleteDate = value;
    },
    failNext: (status, o = {}) => failures.push({ status, retryAfterSeconds: o.retryAfterSeconds ?? null }, o.times ?? 1),
    queries: () =>
      server.requests.flatMap((r) => {
        const path = QUERY_PATH.exec(r.path);
        if (!path || r.method !== 'POST') return [];
        const b = JSON.parse(r.body || '{}') as { startDate: string; endDate: string; dimensions?: string[]; startRow?: number; rowLimit?: number; type?: string; dataState?: string };
        return [{ siteUrl: decodeURIComponent(path[1] ?? ''), startDate: b.startDate, endDate: b.endDate, dimensions: b.dimensions ?? [], startRow: b.startRow ?? 0, rowLimit: b.rowLimit ?? 1000, type: b.type ?? 'web', dataState: b.dataState }];
      }),
    close: () => server.close(),
  };
  return fake;
}

function googleError(code: number, status: string, message: string): Reply {
  return { status: code, body: { error: { code, message, status, errors: [{ message, domain: 'global', reason: status === 'RESOURCE_EXHAUSTED' ? 'rateLimitExceeded' : 'invalid' }] } } };
}
