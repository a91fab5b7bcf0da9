import { BROWSER_MAX_FUTURE_MS, BROWSER_MAX_PAST_MS, resolveOccurredAt } from '../../../lib/ingest/occurred-at';

const received = new Date('2026-11-22T12:00:00Z');

describe('resolveOccurredAt', () => {
  it('uses the received time when the client sent none', () => {
    expect(resolveOccurredAt(undefined, received, 'browser')).toEqual({ occurredAt: received, clientOccurredAt: null });
  });
  it('keeps a plausible browser time as it is', () => {
    const t = '2026-11-22T11:59:00Z';
    expect(resolveOccurredAt(t, received, 'browser').occurredAt.toISOString()).toBe('2026-11-22T11:59:00.000Z');
  });
  it('clamps a browser time too far in the past and keeps the original', () => {
    const result = resolveOccurredAt('2020-01-01T00:00:00Z', received, 'browser');
    expect(result.occurredAt.getTime()).toBe(received.getTime() - BROWSER_MAX_PAST_MS);
    expect(result.clientOccurredAt?.toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });
  it('clamps a browser time in the future', () => {
    expect(resolveOccurredAt('2030-01-01T00:00:00Z', received, 'browser').occurredAt.getTime()).toBe(received.getTime() + BROWSER_MAX_FUTURE_MS);
  });
  it('accepts epoch milliseconds', () => {
    expect(resolveOccurredAt(received.getTime() - 1000, received, 'browser').occurredAt.getTime()).toBe(received.getTime() - 1000);
  });
  it('lets server-side senders backfill old events unclamped', () => {
    expect(resolveOccurredAt('2020-01-01T00:00:00Z', received, 'server').occurredAt.toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });
});
