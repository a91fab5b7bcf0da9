// Reading raw_events back in tests (as the owner, so RLS does not hide rows the test wants to see).
import { sql } from 'slonik';
import { z } from 'zod';

export const storedRawEvent = z.object({
  event_id: z.string(),
  event_name: z.string(),
  visitor_id: z.string().nullable(),
  session_id: z.string().nullable(),
  user_id: z.string().nullable(),
  page_url: z.string().nullable(),
  referrer: z.string().nullable(),
  properties: z.record(z.unknown()),
  context: z.record(z.unknown()),
  ip_hash: z.string().nullable(),
  email_hash: z.string().nullable(),
  source: z.string(),
  occurred_at: z.coerce.number(),
  client_occurred_at: z.coerce.number().nullable(),
  received_at: z.coerce.number(),
});
export type StoredRawEvent = z.infer<typeof storedRawEvent>;

/** `SELECT *` of raw_events in a stable order: when they happened, then when they arrived. */
export const selectRawEvents = (where: ReturnType<typeof sql.fragment>) =>
  sql.type(storedRawEvent)`SELECT * FROM raw_events WHERE ${where} ORDER BY occurred_at, received_at`;
