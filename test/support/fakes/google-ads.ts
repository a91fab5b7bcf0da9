// A local stand-in for the Google Ads API (../shared/REFERENCE.md) and Google's OAuth token endpoint:
// - POST /token (form: grant_type=refresh_token, client_id, client_secret, refresh_token) → an access token;
// - POST /v{N}/customers/{cid}/googleAds:searchStream with a GAQL body {query}; headers Authorization:
//   Bearer <access token>, developer-token, and login-customer-id when the fake is set up with a manager
//   account. The answer is a JSON array of batches ({results, fieldMask, requestId}, ≤ batchSize rows),
//   REST JSON: camelCase fields, int64 as strings, only the selected fields, zero metrics left out.
// - errors are google.rpc.Status bodies ({error: {code, message, status, details}}); a quota failure is
//   429 RESOURCE_EXHAUSTED with a GoogleAdsFailure carrying quotaErrorDetails.retryDelay.
// - POST /v{N}/customers/{cid}:uploadClickConversions {conversions, partialFailure} (same auth): partialFailure
//   must be true; each conversion needs exactly one of gclid/gbraid/wbraid, a conversionAction of that
//   customer, conversionDateTime "yyyy-mm-dd hh:mm:ss+hh:mm" and lower-case SHA-256 hex hashedEmail values.
//   A refused conversion is a partial failure (HTTP 200, partialFailureError with a GoogleAdsFailure naming
//   conversions[i], an empty result); a conversion already uploaded (same click id, action and time) is
//   refused as CLICK_CONVERSION_ALREADY_EXISTS, so a retry never counts twice.
// The query parser understands the one query shape we send (SELECT ... FROM ad_group_ad WHERE
// segments.date BETWEEN 'a' AND 'b') and refuses anything else with a QueryError, as Google would.
import { randomBytes } from 'node:crypto';
import { dayInRange, FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

/** A GoogleAdsRow as Google's REST JSON spells it (all fields; the fake projects the selected ones). */
export type GoogleAdsRowJson = {
  customer: { id: string; currencyCode: string; timeZone: string };
  campaign: { id: string; name: string };
  adGroup: { id: string; name: string };
  adGroupAd: { ad: { id: string; name?: string } };
  segments: { date: string };
  metrics: { costMicros: string; clicks: string; impressions: string };
};

export type FakeGoogleAdsOptions = {
  developerToken: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** When set, every searchStream must carry this login-customer-id. */
  loginCustomerId?: string;
  /** Rows per batch of a searchStream answer (Google: 10,000). */
  batchSize?: number;
};

export type FakeGoogleAds = {
  url: string;
  tokenUrl: string;
  requests: RecordedRequest[];
  /** Rows served (by customer id and segments.date); raw rows (malformed on purpose) are served as given. */
  rows: GoogleAdsRowJson[];
  addRawRow(customerId: string, date: string, row: unknown): void;
  /** The next `times` searchStream calls fail: 429 RESOURCE_EXHAUSTED (retryDelay in the details) or another status. */
  failNext(status: number, options?: { retryDelaySeconds?: number; times?: number }): void;
  /** The searchStream calls received, with their parsed date ranges. */
  searches(): Array<{ customerId: string; start: string; end: string; fields: string[] }>;
  /** Conversions Google kept (each once, however often it was uploaded). */
  conversions: Array<Record<string, unknown>>;
  /** The uploadClickConversions requests received, exactly as sent. */
  uploads(): RecordedRequest[];
  /** Click ids Google cannot decode: refused as a partial failure (UNPARSEABLE_GCLID). */
  rejectClickIds: Set<string>;
  /** The next upload is kept but answered only after `ms` (our request times out; Google has it). */
  delayNextUpload(ms: number): void;
  close(): Promise<void>;
};

const SEARCH_PATH = /^\/(v\d+)\/customers\/(\d{10})\/googleAds:searchStream$/;
const UPLOAD_PATH = /^\/(v\d+)\/customers\/(\d{10}):uploadClickConversions$/;
const CONVERSION_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const QUERY = /^SELECT (.+) FROM ad_group_ad WHERE segments\.date BETWEEN '(\d{4}-\d{2}-\d{2})' AND '(\d{4}-\d{2}-\d{2})'$/;
const SELECTABLE = new Set([
  'customer.id', 'customer.currency_code', 'customer.time_zone', 'campaign.id', 'campaign.name', 'ad_group.id', 'ad_group.name',
  'ad_group_ad.ad.id', 'ad_group_ad.ad.name', 'segments.date', 'metrics.cost_micros', 'metrics.clicks', 'metrics.impressions',
]);

export async function startFakeGoogleAds(options: FakeGoogleAdsOptions): Promise<FakeGoogleAds> {
  const rows: GoogleAdsRowJson[] = [];
  const raw: Array<{ customerId: string; date: string; row: unknown }> = [];
  const failures = new FailureQueue<{ status: number; retryDelaySeconds: number | null }>();
  const tokens = new Set<string>();
  const batchSize = options.batchSize ?? 10_000;

  const conversions: Array<Record<string, unknown>> = [];
  const rejectClickIds = new Set<string>();
  const delays: number[] = [];

  const upload = (request: RecordedRequest, customerId: string): Reply => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!bearer || !tokens.has(bearer[1] ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.', { authenticationError: 'AUTHENTICATION_ERROR' });
    if (request.headers['developer-token'] !== options.developerToken) return googleError(401, 'UNAUTHENTICATED', 'The developer token is not valid.', { authenticationError: 'DEVELOPER_TOKEN_INVALID' });
    let body: { conversions?: Array<Record<string, unknown>>; partialFailure?: unknown };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    if (body.partialFailure !== true) return googleError(400, 'INVALID_ARGUMENT', 'Partial failure mode is required for this operation.', { requestError: 'PARTIAL_FAILURE_MODE_REQUIRED' });
    if (!Array.isArray(body.conversions) || body.conversions.length === 0) return googleError(400, 'INVALID_ARGUMENT', 'conversions is required', { fieldError: 'REQUIRED' });
    const results: unknown[] = [];
    const errors: unknown[] = [];
    body.conversions.forEach((c, index) => {
      const fail = (code: string, message: string): void => {
        results.push({});
        errors.push({ errorCode: { conversionUploadError: code }, message, location: { fieldPathElements: [{ fieldName: 'conversions', index }] } });
      };
      const ids = ['gclid', 'gbraid', 'wbraid'].filter((k) => typeof c[k] === 'string');
      const identifiers = (c.userIdentifiers ?? []) as Array<{ hashedEmail?: unknown }>;
      if (ids.length !== 1) return fail('ONE_OF_GCLID_OR_GBRAID_OR_WBRAID_REQUIRED', 'Exactly one of gclid, gbraid or wbraid must be set.');
      if (typeof c.conversionAction !== 'string' || !c.conversionAction.startsWith(`customers/${customerId}/conversionActions/`)) return fail('INVALID_CONVERSION_ACTION', 'The conversion action is not valid for this customer.');
      if (typeof c.conversionDateTime !== 'string' || !CONVERSION_TIME.test(c.conversionDateTime)) return fail('INVALID_CONVERSION_DATE_TIME', 'conversionDateTime must be yyyy-mm-dd hh:mm:ss+|-hh:mm.');
      if (identifiers.some((u) => typeof u.hashedEmail !== 'string' || !/^[0-9a-f]{64}$/.test(u.hashedEmail))) return fail('INVALID_USER_IDENTIFIER', 'hashedEmail must be a lower-case hex SHA-256.');
      const clickId = c[ids[0] ?? ''] as string;
      if (rejectClickIds.has(clickId)) return fail('UNPARSEABLE_GCLID', 'The click identifier could not be decoded.');
      const key = `${clickId}|${String(c.conversionAction)}|${String(c.conversionDateTime)}`;
      if (conversions.some((k) => k.__key === key)) return fail('CLICK_CONVERSION_ALREADY_EXISTS', 'This click conversion has already been uploaded.');
      conversions.push({ ...c, __key: key });
      results.push({ [ids[0] ?? 'gclid']: clickId, conversionAction: c.conversionAction, conversionDateTime: c.conversionDateTime, ...(c.orderId !== undefined ? { orderId: c.orderId } : {}) });
    });
    const delayMs = delays.shift();
    const partialFailureError = errors.length === 0 ? undefined : {
      code: 3,
      message: (errors as Array<{ message: string }>).map((e) => e.message).join(', '),
      details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure', errors, requestId: randomBytes(8).toString('hex') }],
    };
    return { status: 200, body: { results, ...(partialFailureError ? { partialFailureError } : {}) }, ...(delayMs !== undefined ? { delayMs } : {}) };
  };

  const handle = (request: RecordedRequest): Reply => {
    if (request.method === 'POST' && request.path === '/token') return token(request);
    const uploadPath = UPLOAD_PATH.exec(request.path);
    if (request.method === 'POST' && uploadPath) return upload(request, uploadPath[2] ?? '');
    const path = SEARCH_PATH.exec(request.path);
    if (request.method !== 'POST' || !path) return googleError(404, 'NOT_FOUND', `The requested URL ${request.path} was not found on this server.`);
    const failure = failures.take();
    if (failure) return failure.status === 429 ? quotaError(failure.retryDelaySeconds) : googleError(failure.status, failure.status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT', 'Internal error encountered.');

    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!bearer || !tokens.has(bearer[1] ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token.', { authenticationError: 'AUTHENTICATION_ERROR' });
    if (request.headers['developer-token'] !== options.developerToken) return googleError(401, 'UNAUTHENTICATED', 'The developer token is not valid.', { authenticationError: 'DEVELOPER_TOKEN_INVALID' });
    if (options.loginCustomerId !== undefined && request.headers['login-customer-id'] !== options.loginCustomerId) {
      return googleError(403, 'PERMISSION_DENIED', "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.", { authorizationError: 'USER_PERMISSION_DENIED' });
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const query = typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : undefined;
    const parsed = typeof query === 'string' ? QUERY.exec(query.trim()) : null;
    if (!parsed) return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', { queryError: 'UNEXPECTED_END_OF_QUERY' });
    const fields = (parsed[1] ?? '').split(',').map((f) => f.trim());
    const unknown = fields.find((f) => !SELECTABLE.has(f));
    if (unknown) return googleError(400, 'INVALID_ARGUMENT', `Unrecognized field in the query: '${unknown}'.`, { queryError: 'UNRECOGNIZED_FIELD' });
    const [start, end] = [parsed[2] ?? '', parsed[3] ?? ''];
    const customerId = path[2] ?? '';
    const matching: unknown[] = [
      ...rows.filter((r) => r.customer.id === customerId && dayInRange(r.segments.date, start, end)).map((r) => project(r, fields)),
      ...raw.filter((r) => r.customerId === customerId && dayInRange(r.date, start, end)).map((r) => r.row),
    ];
    const fieldMask = fields.map(camelPath).join(',');
    const batches: unknown[] = [];
    for (let i = 0; i < matching.length; i += batchSize) batches.push({ results: matching.slice(i, i + batchSize), fieldMask, requestId: randomBytes(8).toString('hex') });
    // No rows: one batch without results (proto3 JSON leaves the empty list out).
    if (batches.length === 0) batches.push({ fieldMask, requestId: randomBytes(8).toString('hex') });
    return { status: 200, body: batches };
  };

  const token = (request: RecordedRequest): Reply => {
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    if (form.get('refresh_token') !== options.refreshToken) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    const accessToken = `ya29.fake-${randomBytes(12).toString('hex')}`;
    tokens.add(accessToken);
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/adwords', token_type: 'Bearer' } };
  };

  const server = await startFakeServer(handle);
  return {
    url: server.url,
    tokenUrl: `${server.url}/token`,
    requests: server.requests,
    rows,
    addRawRow: (customerId, date, row) => void raw.push({ customerId, date, row }),
    failNext: (status, o = {}) => failures.push({ status, retryDelaySeconds: o.retryDelaySeconds ?? null }, o.times ?? 1),
    searches: () =>
      server.requests.flatMap((r) => {
        const path = SEARCH_PATH.exec(r.path);
        if (!path) return [];
        const query = (JSON.parse(r.body || '{}') as { query?: string }).query ?? '';
        const parsed = QUERY.exec(query);
        return parsed ? [{ customerId: path[2] ?? '', start: parsed[2] ?? '', end: parsed[3] ?? '', fields: (parsed[1] ?? '').split(',').map((f) => f.trim()) }] : [];
      }),
    conversions,
    uploads: () => server.requests.filter((r) => UPLOAD_PATH.test(r.path)),
    rejectClickIds,
    delayNextUpload: (ms) => void delays.push(ms),
    close: () => server.close(),
  };
}

/** "ad_group_ad.ad.id" → "adGroupAd.ad.id" */
function camelPath(field: string): string {
  return field
    .split('.')
    .map((part) => part.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}

/** Only the selected fields, and no metric that is zero (proto3 JSON omits default values). */
function project(row: GoogleAdsRowJson, fields: string[]): unknown {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const path = camelPath(field).split('.');
    let value: unknown = row;
    for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined || (path[0] === 'metrics' && value === '0')) continue;
    let target = out;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path.at(-1) ?? ''] = value;
  }
  return out;
}

function googleError(code: number, status: string, message: string, errorCode?: Record<string, string>): Reply {
  const details = errorCode
    ? [{ '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure', errors: [{ errorCode, message }], requestId: randomBytes(8).toString('hex') }]
    : undefined;
  return { status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

function quotaError(retryDelaySeconds: number | null): Reply {
  return {
    status: 429,
    body: {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure',
            errors: [
              {
                errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
                message: 'Too many requests. Retry in 1 second.',
                ...(retryDelaySeconds !== null ? { details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Requests per developer per minute', retryDelay: `${retryDelaySeconds}s` } } } : {}),
              },
            ],
            requestId: randomBytes(8).toString('hex'),
          },
        ],
      },
    },
  };
}

/** A realistic row: cost in micros of a cent-precise amount, names, the account's currency and zone. */
export function googleAdsRow(fields: { customerId: string; date: string; adGroupId?: string; adId: string; campaignId?: string; costMicros: string; clicks?: string; impressions?: string; currency?: string; timeZone?: string; adName?: string }): GoogleAdsRowJson {
  const campaignId = fields.campaignId ?? '9000001';
  const adGroupId = fields.adGroupId ?? '8000001';
  return {
    customer: { id: fields.customerId, currencyCode: fields.currency ?? 'EUR', timeZone: fields.timeZone ?? 'Europe/Berlin' },
    campaign: { id: campaignId, name: `Campaign ${campaignId}` },
    adGroup: { id: adGroupId, name: `Ad group ${adGroupId}` },
    adGroupAd: { ad: { id: fields.adId, ...(fields.adName !== undefined ? { name: fields.adName } : {}) } },
    segments: { date: fields.date },
    metrics: { costMicros: fields.costMicros, clicks: fields.clicks ?? '0', impressions: fields.impressions ?? '0' },
  };
}
