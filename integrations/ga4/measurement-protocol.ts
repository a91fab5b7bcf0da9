// GA4 Measurement Protocol: POST /mp/collect?measurement_id=G-…&api_secret=… with {client_id, user_id?,
// timestamp_micros, events: [...]}. GA4 wants the API secret in the query string (the one vendor where a
// secret sits in a URL: it is never logged, callers log the path only). The collect endpoint answers
// 2xx with an empty body whatever the payload; /debug/mp/collect returns validationMessages and is what
// `validate` calls. GA4 dedupes purchases on transaction_id.
import { z } from 'zod';
import { VendorHttpError, VendorResponseError, parseRetryAfter } from '../http';
import type { Ga4Credentials } from './credentials';

const VENDOR = 'ga4';

export const ga4ValidationSchema = z
  .object({ validationMessages: z.array(z.object({ fieldPath: z.string().optional(), description: z.string().optional(), validationCode: z.string().optional() }).passthrough()) })
  .passthrough();

function collectUrl(credentials: Ga4Credentials, debug: boolean): URL {
  const url = new URL(`${credentials.apiBaseUrl}/${debug ? 'debug/' : ''}mp/collect`);
  url.searchParams.set('measurement_id', credentials.measurementId);
  url.searchParams.set('api_secret', credentials.apiSecret);
  return url;
}

async function post(url: URL, body: unknown, timeoutMs: number): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new VendorHttpError(VENDOR, 0, `${VENDOR}: request to ${url.origin}${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`, null);
  }
  const text = await response.text();
  if (!response.ok) throw new VendorHttpError(VENDOR, response.status, `${VENDOR}: ${url.pathname} answered ${response.status}: ${text.slice(0, 300)}`, parseRetryAfter(response.headers.get('retry-after')));
  return { status: response.status, text };
}

/** Sends the events; resolves with the HTTP status (GA4 says nothing more). */
export async function sendGa4Events(credentials: Ga4Credentials, body: unknown, options: { timeoutMs?: number } = {}): Promise<{ status: number }> {
  const { status } = await post(collectUrl(credentials, false), body, options.timeoutMs ?? 30_000);
  return { status };
}

/** The validation server's verdict on a payload (empty list: valid). */
export async function validateGa4Events(credentials: Ga4Credentials, body: unknown, options: { timeoutMs?: number } = {}): Promise<z.infer<typeof ga4ValidationSchema>> {
  const { text } = await post(collectUrl(credentials, true), body, options.timeoutMs ?? 30_000);
  const parsed = ga4ValidationSchema.safeParse(JSON.parse(text || '{}'));
  if (!parsed.success) throw new VendorResponseError(VENDOR, `${VENDOR}: unexpected validation answer`);
  return parsed.data;
}
