// Client clocks are wrong and retry queues hold events for a while, so a browser's occurred_at is
// clamped into [received − 72 h, received + 2 min]; the original is kept as client_occurred_at.
// Server-side sources (secret key) may backfill, so their time is kept as given.
export const BROWSER_MAX_PAST_MS = 72 * 60 * 60 * 1000;
export const BROWSER_MAX_FUTURE_MS = 2 * 60 * 1000;

export type OccurredAt = { occurredAt: Date; clientOccurredAt: Date | null };

export function resolveOccurredAt(value: string | number | undefined, receivedAt: Date, source: 'browser' | 'server'): OccurredAt {
  if (value === undefined) return { occurredAt: receivedAt, clientOccurredAt: null };
  const client = new Date(value);
  if (Number.isNaN(client.getTime())) return { occurredAt: receivedAt, clientOccurredAt: null };
  if (source === 'server') return { occurredAt: client, clientOccurredAt: client };
  const min = receivedAt.getTime() - BROWSER_MAX_PAST_MS;
  const max = receivedAt.getTime() + BROWSER_MAX_FUTURE_MS;
  const clamped = Math.min(Math.max(client.getTime(), min), max);
  return { occurredAt: new Date(clamped), clientOccurredAt: client };
}
