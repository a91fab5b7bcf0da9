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
// - Customer Match (same auth; REST shapes of Google's reference, docs/audiences.md):
//   POST /v{N}/customers/{cid}/userLists:mutate {operations: [{create: {name, membershipLifeSpan (int64 string,
//     ≤ 540), crmBasedUserList: {uploadKeyType: CONTACT_INFO}}}]} → {results: [{resourceName}]}; a name the
//     customer already uses is refused (400, userListError NAME_ALREADY_USED);
//   searchStream `SELECT user_list.resource_name FROM user_list WHERE user_list.name = '…'` finds a list;
//   POST /v{N}/customers/{cid}/offlineUserDataJobs:create {job: {type: CUSTOMER_MATCH_USER_LIST,
//     customerMatchUserListMetadata: {userList, consent?}}} → {resourceName}; consent values must be GRANTED
//     or DENIED, and DENIED is refused (CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS);
//   POST /v{N}/customers/{cid}/offlineUserDataJobs/{id}:addOperations {operations: [{create|remove:
//     {userIdentifiers: [{hashedEmail}]}}], enablePartialFailure} to a PENDING job, ≤ 100,000 identifiers a
//     request; an operation with a bad identifier (not lower-case SHA-256 hex, or one the test refuses) is a
//     partial failure naming operations[i] (HTTP 200) when enablePartialFailure is set, else the request fails;
//   POST /v{N}/customers/{cid}/offlineUserDataJobs/{id}:run {} → an Operation {name}; the fake processes the
//     job at once (Google takes hours): its creates join the list, its removes leave it.
//   Only accepted operations are recorded in the job (a request answered 5xx by failNextCustomerMatch is not).
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
  /** Customer Match user lists by resource name, with the hashed emails currently on each. */
  userLists: Map<string, FakeUserList>;
  /** Offline user data jobs by resource name, with the operations Google accepted into each. */
  jobs: Map<string, FakeOfflineJob>;
  /** Hashes Google refuses one by one (a partial failure of addOperations). */
  refuseHashes: Set<string>;
  /** After `after` more calls of `step` (default 0), the next `times` (default 1) fail with `status`; nothing of a failed call is applied. */
  failNextCustomerMatch(step: CustomerMatchStep, status: number, options?: { after?: number; times?: number }): void;
  /** The next call of `step` is carried out but answered only after `ms` (our request times out; Google has done it). */
  delayNextCustomerMatch(step: CustomerMatchStep, ms: number): void;
  /** Every Customer Match request received (mutate, create, addOperations, run), answered or not, in order. */
  customerMatchRequests(): RecordedRequest[];
  close(): Promise<void>;
};

export type CustomerMatchStep = 'userLists:mutate' | 'offlineUserDataJobs:create' | 'addOperations' | 'run';
export type FakeUserList = { resourceName: string; customerId: string; name: string; membershipLifeSpan: string; members: Set<string> };
export type FakeOfflineJob = {
  resourceName: string;
  customerId: string;
  userList: string;
  consent: Record<string, unknown> | null;
  status: 'PENDING' | 'RUNNING' | 'SUCCESS';
  /** accepted operations, in the order received */
  operations: Array<{ kind: 'create' | 'remove'; hashedEmail: string }>;
  addRequests: number;
  runs: number;
};

const SEARCH_PATH = /^\/(v\d+)\/customers\/(\d{10})\/googleAds:searchStream$/;
const UPLOAD_PATH = /^\/(v\d+)\/customers\/(\d{10}):uploadClickConversions$/;
const USER_LISTS_PATH = /^\/(v\d+)\/customers\/(\d{10})\/userLists:mutate$/;
const JOB_CREATE_PATH = /^\/(v\d+)\/customers\/(\d{10})\/offlineUserDataJobs:create$/;
const JOB_PATH = /^\/(v\d+)\/(customers\/(\d{10})\/offlineUserDataJobs\/\d+):(addOperations|run)$/;
const USER_LIST_QUERY = /^SELECT user_list\.resource_name FROM user_list WHERE user_list\.name = '([^']*)'$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
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

  // section: Customer Match ------------------------------------------------------------------------------------
  const userLists = new Map<string, FakeUserList>();
  const jobs = new Map<string, FakeOfflineJob>();
  const refuseHashes = new Set<string>();
  const cmFailures = new Map<CustomerMatchStep, Array<{ status: number; after: number; times: number }>>();
  const cmDelays = new Map<CustomerMatchStep, number>();
  let nextId = 1000;

  const authFailure = (request: RecordedRequest): Reply | null => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!bearer || !tokens.has(bearer[1] ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.', { authenticationError: 'AUTHENTICATION_ERROR' });
    if (request.headers['developer-token'] !== options.developerToken) return googleError(401, 'UNAUTHENTICATED', 'The developer token is not valid.', { authenticationError: 'DEVELOPER_TOKEN_INVALID' });
    if (options.loginCustomerId !== undefined && request.headers['login-customer-id'] !== options.loginCustomerId) {
      return googleError(403, 'PERMISSION_DENIED', "User doesn't have permission to access customer.", { authorizationError: 'USER_PERMISSION_DENIED' });
    }
    if (request.headers['content-type'] !== 'application/json') return googleError(400, 'INVALID_ARGUMENT', 'Content-Type must be application/json.');
    return null;
  };
  const jsonBody = (request: RecordedRequest): Record<string, unknown> | null => {
    try {
      const body = JSON.parse(request.body) as unknown;
      return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const injected = (step: CustomerMatchStep): Reply | null => {
    const head = cmFailures.get(step)?.[0];
    if (head === undefined) return null;
    if (head.after > 0) {
      head.after -= 1;
      return null;
    }
    head.times -= 1;
    if (head.times <= 0) cmFailures.get(step)?.shift();
    return googleError(head.status, head.status >= 500 ? 'INTERNAL' : head.status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT', 'Internal error encountered.');
  };

  const mutateUserLists = (request: RecordedRequest, customerId: string): Reply => {
    const body = jsonBody(request);
    const ops = body?.operations;
    if (!Array.isArray(ops) || ops.length !== 1) return googleError(400, 'INVALID_ARGUMENT', 'operations: exactly one operation expected by this fake', { fieldError: 'REQUIRED' });
    const create = (ops[0] as { create?: Record<string, unknown> }).create;
    if (create === undefined) return googleError(400, 'INVALID_ARGUMENT', 'only create operations are supported', { mutateError: 'MUTATE_NOT_ALLOWED' });
    const crm = create.crmBasedUserList as { uploadKeyType?: unknown } | undefined;
    if (typeof create.name !== 'string' || create.name === '') return googleError(400, 'INVALID_ARGUMENT', 'name is required', { userListError: 'NAME_REQUIRED' });
    if (crm?.uploadKeyType !== 'CONTACT_INFO') return googleError(400, 'INVALID_ARGUMENT', 'crmBasedUserList.uploadKeyType must be CONTACT_INFO for hashed emails', { userListError: 'INVALID_UPLOAD_KEY_TYPE' });
    const lifeSpan = create.membershipLifeSpan;
    if (typeof lifeSpan !== 'string' || !/^\d+$/.test(lifeSpan)) return googleError(400, 'INVALID_ARGUMENT', 'membershipLifeSpan must be an int64 (a JSON string)');
    if (Number(lifeSpan) > 540) return googleError(400, 'INVALID_ARGUMENT', 'Too high.', { rangeError: 'TOO_HIGH' });
    if ([...userLists.values()].some((l) => l.customerId === customerId && l.name === create.name)) return googleError(400, 'INVALID_ARGUMENT', 'Name is already being used for another user list for the account.', { userListError: 'NAME_ALREADY_USED' });
    const resourceName = `customers/${customerId}/userLists/${nextId++}`;
    userLists.set(resourceName, { resourceName, customerId, name: create.name, membershipLifeSpan: lifeSpan, members: new Set() });
    return { status: 200, body: { results: [{ resourceName }] } };
  };

  const createJob = (request: RecordedRequest, customerId: string): Reply => {
    const job = jsonBody(request)?.job as { type?: unknown; customerMatchUserListMetadata?: { userList?: unknown; consent?: Record<string, unknown> } } | undefined;
    if (job?.type !== 'CUSTOMER_MATCH_USER_LIST') return googleError(400, 'INVALID_ARGUMENT', 'job.type must be CUSTOMER_MATCH_USER_LIST (the only type LUX uses)');
    const list = userLists.get(String(job.customerMatchUserListMetadata?.userList));
    if (!list || list.customerId !== customerId) return googleError(400, 'INVALID_ARGUMENT', 'The user list is not valid for this customer.', { offlineUserDataJobError: 'INVALID_USER_LIST_ID' });
    const consent = job.customerMatchUserListMetadata?.consent ?? null;
    if (consent !== null) {
      const values = Object.entries(consent);
      if (values.some(([k, v]) => !['adUserData', 'adPersonalization'].includes(k) || !['GRANTED', 'DENIED'].includes(String(v)))) return googleError(400, 'INVALID_ARGUMENT', 'consent: unknown field or value');
      if (values.some(([, v]) => v === 'DENIED')) return googleError(400, 'INVALID_ARGUMENT', 'Customer has not accepted the customer data terms.', { offlineUserDataJobError: 'CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS' });
    }
    const resourceName = `customers/${customerId}/offlineUserDataJobs/${nextId++}`;
    jobs.set(resourceName, { resourceName, customerId, userList: list.resourceName, consent, status: 'PENDING', operations: [], addRequests: 0, runs: 0 });
    return { status: 200, body: { resourceName } };
  };

  const addOperations = (request: RecordedRequest, job: FakeOfflineJob): Reply => {
    if (job.status !== 'PENDING') return googleError(400, 'FAILED_PRECONDITION', `Operations can only be added to a PENDING job (this one is ${job.status}).`);
    const body = jsonBody(request);
    const ops = body?.operations;
    if (!Array.isArray(ops) || ops.length === 0) return googleError(400, 'INVALID_ARGUMENT', 'operations is required', { fieldError: 'REQUIRED' });
    const partial = body?.enablePartialFailure === true;
    const parsed = ops.map((op: Record<string, unknown>) => {
      const kinds = ['create', 'remove', 'removeAll'].filter((k) => op[k] !== undefined);
      const data = op[kinds[0] ?? ''] as { userIdentifiers?: Array<Record<string, unknown>> } | undefined;
      const ids = data?.userIdentifiers ?? [];
      const email = ids.length === 1 ? ids[0]?.hashedEmail : undefined;
      if (kinds.length !== 1 || kinds[0] === 'removeAll') return { error: 'exactly one of create or remove (removeAll is not used by LUX)' } as const;
      if (typeof email !== 'string' || !SHA256_HEX.test(email) || Object.keys(ids[0] ?? {}).length !== 1) return { error: 'userIdentifiers: one hashedEmail, lower-case SHA-256 hex' } as const;
      if (refuseHashes.has(email)) return { error: 'The identifier was refused.' } as const;
      return { kind: kinds[0] as 'create' | 'remove', hashedEmail: email };
    });
    if (parsed.length > 100_000) return googleError(400, 'INVALID_ARGUMENT', 'A request holds at most 100,000 identifiers.');
    const errors = parsed.flatMap((p, index) => ('error' in p ? [{ errorCode: { offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, message: p.error, location: { fieldPathElements: [{ fieldName: 'operations', index }] } }] : []));
    if (errors.length > 0 && !partial) return { status: 400, body: { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure', errors }] } } };
    job.addRequests += 1;
    for (const p of parsed) if (!('error' in p)) job.operations.push(p);
    const partialFailureError = errors.length === 0 ? undefined : { code: 3, message: 'Operation failed.', details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure', errors, requestId: randomBytes(8).toString('hex') }] };
    return { status: 200, body: partialFailureError ? { partialFailureError } : {} };
  };

  const runJob = (job: FakeOfflineJob): Reply => {
    if (job.status !== 'PENDING') return googleError(400, 'FAILED_PRECONDITION', `The job cannot be run: it is ${job.status}.`);
    job.runs += 1;
    job.status = 'RUNNING';
    const list = userLists.get(job.userList);
    for (const op of job.operations) {
      if (op.kind === 'create') list?.members.add(op.hashedEmail);
      else list?.members.delete(op.hashedEmail);
    }
    job.status = 'SUCCESS';
    return { status: 200, body: { name: `customers/${job.customerId}/operations/${nextId++}` } };
  };

  const customerMatch = (request: RecordedRequest): Reply | null => {
    if (request.method !== 'POST') return null;
    const lists = USER_LISTS_PATH.exec(request.path);
    const create = JOB_CREATE_PATH.exec(request.path);
    const jobPath = JOB_PATH.exec(request.path);
    if (!lists && !create && !jobPath) return null;
    const step: CustomerMatchStep = lists ? 'userLists:mutate' : create ? 'offlineUserDataJobs:create' : (jobPath?.[4] as 'addOperations' | 'run');
    const failure = injected(step) ?? authFailure(request);
    if (failure) return failure;
    const reply = ((): Reply => {
      if (lists) return mutateUserLists(request, lists[2] ?? '');
      if (create) return createJob(request, create[2] ?? '');
      const job = jobs.get(jobPath?.[2] ?? '');
      if (!job) return googleError(404, 'NOT_FOUND', `Resource ${jobPath?.[2] ?? ''} was not found.`);
      return step === 'run' ? runJob(job) : addOperations(request, job);
    })();
    const delayMs = cmDelays.get(step);
    cmDelays.delete(step);
    return delayMs === undefined ? reply : { ...reply, delayMs };
  };

  const handle = (request: RecordedRequest): Reply => {
    if (request.method === 'POST' && request.path === '/token') return token(request);
    const matched = customerMatch(request);
    if (matched) return matched;
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
    const listQuery = typeof query === 'string' ? USER_LIST_QUERY.exec(query.trim()) : null;
    if (listQuery) {
      const found = [...userLists.values()].filter((l) => l.customerId === path[2] && l.name === listQuery[1]).map((l) => ({ userList: { resourceName: l.resourceName } }));
      return { status: 200, body: [{ ...(found.length > 0 ? { results: found } : {}), fieldMask: 'userList.resourceName', requestId: randomBytes(8).toString('hex') }] };
    }
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
    userLists,
    jobs,
    refuseHashes,
    failNextCustomerMatch: (step, status, o = {}) => {
      const queue = cmFailures.get(step) ?? [];
      queue.push({ status, after: o.after ?? 0, times: o.times ?? 1 });
      cmFailures.set(step, queue);
    },
    delayNextCustomerMatch: (step, ms) => void cmDelays.set(step, ms),
    customerMatchRequests: () => server.requests.filter((r) => USER_LISTS_PATH.test(r.path) || JOB_CREATE_PATH.test(r.path) || JOB_PATH.test(r.path)),
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
