// TikTok Events API 2.0: POST /open_api/v1.3/event/track/ with header Access-Token and
// {event_source: 'web', event_source_id: <pixel code>, data: [...]} (../shared/REFERENCE.md, 2nd-hand).
// Like the report API it answers HTTP 200 with {code, message, request_id}: code 0 is success, 40100 its
// rate limit and 5xxxx server errors (retryable), anything else is final (tiktokError decides).
import { z } from 'zod';
import { fetchVendorJson } from '../http';
import type { TikTokCredentials } from './credentials';
import { tiktokError } from './import';

const VENDOR = 'tiktok';
export const TIKTOK_EVENTS_PATH = '/open_api/v1.3/event/track/';

export const tiktokEventsResponseSchema = z
  .object({ code: z.number().int(), message: z.string().optional(), request_id: z.string().optional(), data: z.unknown().optional() })
  .passthrough();
export type TikTokEventsResponse = z.infer<typeof tiktokEventsResponseSchema>;

export async function sendTikTokEvents(credentials: TikTokCredentials, body: unknown, options: { timeoutMs?: number } = {}): Promise<TikTokEventsResponse> {
  const response = await fetchVendorJson(
    {
      vendor: VENDOR,
      url: new URL(`${credentials.apiBaseUrl}${TIKTOK_EVENTS_PATH}`),
      method: 'POST',
      headers: { 'access-token': credentials.accessToken, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: options.timeoutMs ?? 30_000,
    },
    tiktokEventsResponseSchema,
  );
  if (response.data.code !== 0) throw tiktokError(response.data.code, response.data.message ?? '', response.data.request_id ?? null);
  return response.data;
}
