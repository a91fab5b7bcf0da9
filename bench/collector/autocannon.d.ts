// The slice of autocannon 9's programmatic API the collector benchmark uses (the package ships no
// types and @types/autocannon is not a dependency). Shapes follow node_modules/autocannon/README.md.
declare module 'autocannon' {
  namespace autocannon {
    /** The raw request autocannon is about to send; setupRequest may change it and must return it. */
    type Request = {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    };

    /** Per-connection scratch space, reset before each pass over `requests`. */
    type Context = Record<string, unknown>;

    type RequestSpec = Request & {
      setupRequest?: (request: Request, context: Context) => Request | undefined;
      onResponse?: (status: number, body: string, context: Context, headers: Record<string, string>) => void;
    };

    type Options = {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds to wait for a response before counting a timeout. */
      timeout?: number;
      pipelining?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: RequestSpec[];
      title?: string;
    };

    /** An hdr-histogram-percentiles-obj summary. */
    type Histogram = {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p2_5: number;
      p50: number;
      p75: number;
      p90: number;
      p97_5: number;
      p99: number;
      p99_9: number;
    };

    type Result = {
      title?: string;
      url: string;
      /** Seconds. */
      duration: number;
      connections: number;
      /** Milliseconds. */
      latency: Histogram;
      /** Requests per one-second sample. */
      requests: Histogram;
      throughput: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      start: Date;
      finish: Date;
    };

    /** The running instance: an EventEmitter that is also a promise of the result. */
    type Instance = PromiseLike<Result> & {
      stop: () => void;
      on: (event: string, listener: (...args: unknown[]) => void) => Instance;
    };
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
