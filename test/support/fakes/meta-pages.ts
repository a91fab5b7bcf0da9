// A local stand-in for Graph API organic insights (Meta's public Page Insights and Instagram User
// Insights reference; REFERENCE.md covers only the Marketing API):
// - GET /v{N}/{page-id}/insights?metric=a,b&period=day&since=YYYY-MM-DD&until=YYYY-MM-DD → {data: [{name,
//   period, values: [{value, end_time}], title, description, id}], paging: {previous, next}}: one value per
//   day in [since, until), end_time = the next day 08:00 UTC (midnight Pacific standard time);
// - GET /v{N}/{ig-user-id}/insights?metric=...&metric_type=total_value&period=day&since&until → {data: [{name,
//   period, total_value: {value}, ...}]} (the total over the range); without metric_type, time series.
// The token goes in Authorization: Bearer (or access_token). Errors are Graph error bodies: a bad token is
// 400 OAuthException code 190; throttling is HTTP 400 code 4 ("Application request limit reached").
import { randomBytes } from 'node:crypto';
import { FailureQueue, startFakeServer, type RecordedRequest, type Reply } from './fake-server';

export type FakeMetaPages = {
  url: string;
  accessToken: string;
  requests: RecordedRequest[];
  /** metric values by account id → day → metric name → value (anything: malformed on purpose is served as given). */
  values: Map<string, Map<string, Record<string, unknown>>>;
  set(accountId: string, day: string, metrics: Record<string, unknown>): void;
  /** The next `times` insights calls are throttled the way Meta does it (HTTP 400, code 4). */
  throttleNext(times?: number): void;
  close(): Promise<void>;
};

const INSIGHTS_PATH = /^\/(v\d+\.\d+)\/(\d+)\/insights$/;

const nextDay = (day: string): string => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

export async function startFakeMetaPages(options: { accessToken?: string } = {}): Promise<FakeMetaPages> {
  const accessToken = options.accessToken ?? `EAAfake${randomBytes(12).toString('hex')}`;
  const values = new Map<string, Map<string, Record<string, unknown>>>();
  const failures = new FailureQueue<'throttle'>();

  const handle = (request: RecordedRequest, baseUrl: string): Reply => {
    const path = INSIGHTS_PATH.exec(request.path);
    if (request.method !== 'GET' || !path) return graphError(400, 'GraphMethodException', 100, 'Unsupported get request.');
    if (failures.take()) return graphError(400, 'OAuthException', 4, '(#4) Application request limit reached');
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? request.query.access_token;
    if (token !== accessToken) return graphError(400, 'OAuthException', 190, 'Invalid OAuth access token - Cannot parse access token');
    const id = path[2] ?? '';
    const { metric, since, until, metric_type: metricType, period } = request.query;
    if (!metric || !since || !until || period !== 'day') return graphError(400, 'OAuthException', 100, '(#100) metric, period=day, since and until are required');
    const days: string[] = [];
    for (let d = since; d < until; d = nextDay(d)) days.push(d);
    const byDay = values.get(id) ?? new Map<string, Record<string, unknown>>();
    const data = metric.split(',').map((name) => {
      const base = { name, period: 'day', title: name, description: `${name} (fake)`, id: `${id}/insights/${name}/day` };
      if (metricType === 'total_value') {
        let total = 0;
        let odd: unknown;
        for (const d of days) {
          const v = byDay.get(d)?.[name];
          if (typeof v === 'number') total += v;
          else if (v !== undefined) odd = v;
        }
        return { ...base, total_value: { value: odd ?? total } };
      }
      return { ...base, values: days.filter((d) => byDay.get(d)?.[name] !== undefined).map((d) => ({ value: byDay.get(d)?.[name], end_time: `${nextDay(d)}T08:00:00+0000` })) };
    });
    const link = (s: string, u: string): string => `${baseUrl}${request.path}?metric=${metric}&period=day&since=${s}&until=${u}`;
    return { status: 200, body: { data, paging: { previous: link(since, until), next: link(until, nextDay(until)) } } };
  };

  const server = await startFakeServer(handle);
  return {
    url: server.url,
    accessToken,
    requests: server.requests,
    values,
    set(accountId, day, metrics) {
      const byDay = values.get(accountId) ?? new Map<string, Record<string, unknown>>();
      byDay.set(day, { ...(byDay.get(day) ?? {}), ...metrics });
      values.set(accountId, byDay);
    },
    throttleNext: (times = 1) => failures.push('throttle', times),
    close: () => server.close(),
  };
}

function graphError(status: number, type: string, code: number, message: string): Reply {
  return { status, body: { error: { message, type, code, fbtrace_id: `A${randomBytes(8).toString('hex')}` } } };
}
