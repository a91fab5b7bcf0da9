// The load driver: autocannon, run programmatically from the bench process (never inside a server's
// process). Each phase is a warm-up followed by the measured run; every request carries fresh event
// ids, and the ids of every 2xx answer are kept for the durability check.
import autocannon from 'autocannon';
import { BROWSER_USER_AGENT, type Body } from './payloads';

export type LoadOptions = {
  title: string;
  url: string;
  path: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Builds one request body; called once per request. */
  makeBody: () => Body;
  eventsPerRequest: number;
  headers?: Record<string, string>;
};

export type LoadResult = {
  title: string;
  connections: number;
  durationSeconds: number;
  /** 2xx answers per second over the measured run. */
  okRequestsPerSecond: number;
  /** Events in 2xx answers per second (= okRequestsPerSecond × events per request). */
  okEventsPerSecond: number;
  latencyMs: { p50: number; p99: number; average: number; max: number };
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** event_ids of every 2xx answer, warm-up included (the rows that must be in raw_events). */
  acknowledgedIds: string[];
};

const EVENT_IDS = 'eventIds';

async function fire(options: LoadOptions, seconds: number, acknowledged: string[]): Promise<autocannon.Result> {
  return autocannon({
    title: options.title,
    url: options.url,
    connections: options.connections,
    duration: seconds,
    // Batches of 500 can queue behind each other; only a stuck server should time out.
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: options.path,
        headers: { 'content-type': 'application/json', 'user-agent': BROWSER_USER_AGENT, ...options.headers },
        setupRequest: (request, context) => {
          const { body, eventIds } = options.makeBody();
          context[EVENT_IDS] = eventIds;
          return { ...request, body };
        },
        // Called for the answer to the request set up just before on this connection (pipelining 1).
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) acknowledged.push(...(context[EVENT_IDS] as string[]));
        },
      },
    ],
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const acknowledged: string[] = [];
  // The warm-up fills caches (site key, JIT, connections, Postgres buffers); its numbers are not reported.
  await fire(options, options.warmupSeconds, acknowledged);
  const result = await fire(options, options.durationSeconds, acknowledged);
  const ok = result['2xx'];
  return {
    title: options.title,
    connections: options.connections,
    durationSeconds: result.duration,
    okRequestsPerSecond: ok / result.duration,
    okEventsPerSecond: (ok * options.eventsPerRequest) / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    acknowledgedIds: acknowledged,
  };
}
