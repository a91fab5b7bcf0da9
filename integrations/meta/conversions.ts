// Meta Conversions API: POST /v{N}/{pixel id}/events {data: [...], test_event_code?} (../shared/REFERENCE.md),
// the token in the Authorization header (never in the URL). Answers {events_received, messages,
// fbtrace_id}; errors are Graph error bodies (classifyMetaError: throttling codes are retryable). Meta
// dedupes on event_name + event_id within 48 hours, so a retry of a request that reached Meta is harmless.
import { z } from 'zod';
import { fetchVendorJson } from '../http';
import type { MetaCredentials } from './credentials';
import { classifyMetaError } from './import';

const VENDOR = 'meta';

export const metaEventsResponseSchema = z
  .object({ events_received: z.number().int().min(0), messages: z.array(z.unknown()).optional(), fbtrace_id: z.string().optional() })
  .passthrough();
export type MetaEventsResponse = z.infer<typeof metaEventsResponseSchema>;

export async function sendMetaEvents(credentials: MetaCredentials, pixelId: string, body: unknown, options: { timeoutMs?: number } = {}): Promise<MetaEventsResponse> {
  const url = new URL(`${credentials.apiBaseUrl}/${credentials.apiVersion}/${pixelId}/events`);
  const response = await fetchVendorJson(
    {
      vendor: VENDOR,
      url,
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: options.timeoutMs ?? 30_000,
      classifyError: classifyMetaError,
    },
    metaEventsResponseSchema,
  );
  return response.data;
}
