// One way to call a vendor's HTTP API: a timeout, a typed error that says whether a retry can help and
// how long the vendor asked us to wait, and a zod parse of the response (a vendor response is a trust
// boundary). The activities turn VendorHttpError into Temporal retry decisions.
import type { z } from 'zod';
import { describeIssues } from '../lib/zod-issues';

export class VendorHttpError extends Error {
  constructor(
    readonly vendor: string,
    readonly status: number,
    message: string,
    /** Seconds from a Retry-After header (429/503), when the vendor sent one. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = 'VendorHttpError';
  }

  /** 429 and 5xx may succeed later; other 4xx (bad credentials, bad request) will not. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500 || this.status === 0;
  }
}

/** A response body that does not have the documented shape: fail loudly, never guess. */
export class VendorResponseError extends Error {
  constructor(readonly vendor: string, message: string) {
    super(message);
    this.name = 'VendorResponseError';
  }
}

export function parseRetryAfter(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export type VendorRequest = {
  vendor: string;
  url: URL;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /**
   * Reads a vendor's own error body (e.g. Meta's throttling codes on a 400, Google's retryDelay) into the
   * error to throw. Returning null keeps the default: the HTTP status and the Retry-After header decide.
   */
  classifyError?: (failure: { status: number; text: string; headers: Headers }) => VendorHttpError | null;
};

export type VendorResponse<T> = { data: T; headers: Headers; status: number };

/**
 * Calls the vendor and parses the JSON body with `schema`. The URL is logged by callers without its
 * query string's secrets: we never put credentials in URLs (they go in headers).
 */
export async function fetchVendorJson<S extends z.ZodTypeAny>(request: VendorRequest, schema: S): Promise<VendorResponse<z.infer<S>>> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...request.headers },
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch (error) {
    // Network failure or timeout: status 0, retryable.
    const reason = error instanceof Error ? error.message : String(error);
    throw new VendorHttpError(request.vendor, 0, `${request.vendor}: request to ${request.url.origin}${request.url.pathname} failed: ${reason}`, null);
  }
  const text = await response.text();
  if (!response.ok) {
    const classified = request.classifyError?.({ status: response.status, text, headers: response.headers }) ?? null;
    if (classified !== null) throw classified;
    throw new VendorHttpError(
      request.vendor,
      response.status,
      `${request.vendor}: ${request.url.pathname} answered ${response.status}: ${text.slice(0, 300)}`,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VendorResponseError(request.vendor, `${request.vendor}: ${request.url.pathname} answered with a body that is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new VendorResponseError(request.vendor, `${request.vendor}: unexpected response shape from ${request.url.pathname}: ${describeIssues(parsed.error).join('; ')}`);
  }
  return { data: parsed.data as z.infer<S>, headers: response.headers, status: response.status };
}
