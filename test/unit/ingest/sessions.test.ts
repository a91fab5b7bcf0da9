import { assignSessions, type OpenSession, type SessionlessEvent } from '../../../lib/ingest/sessions';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 10, 0) + minutes * 60_000);
const ev = (id: string, minutes: number, campaignKey = '', visitorId = 'v'): SessionlessEvent => ({ eventId: id, visitorId, occurredAt: at(minutes), campaignKey });

describe('assignSessions', () => {
  it('keeps events within 30 minutes of each other in one session named after its first event', () => {
    const result = assignSessions([ev('b', 20), ev('a', 0), ev('c', 49)], new Map());
    expect([...result.values()]).toEqual(['a', 'a', 'a']);
  });

  it('starts a new session after more than 30 minutes of inactivity', () => {
    const result = assignSessions([ev('a', 0), ev('b', 31)], new Map());
    expect(result.get('b')).toBe('b');
  });

  it('starts a new session when a different campaign arrives, but not for an event without one', () => {
    const result = assignSessions([ev('a', 0, 'google|cpc|x'), ev('b', 1), ev('c', 2, 'meta|paid|y'), ev('d', 3)], new Map());
    expect(Object.fromEntries(result)).toEqual({ a: 'a', b: 'a', c: 'c', d: 'c' });
  });

  it('continues the visitor\'s stored session, and does not change the caller\'s map', () => {
    const stored: OpenSession = { sessionId: 'old', lastSeenAt: at(0), campaignKey: '' };
    const latest = new Map([['v', stored]]);
    const result = assignSessions([ev('a', 10)], latest);
    expect(result.get('a')).toBe('old');
    expect(latest.get('v')?.lastSeenAt).toEqual(at(0));
  });

  it('keeps visitors apart', () => {
    const result = assignSessions([ev('a', 0, '', 'v1'), ev('b', 1, '', 'v2')], new Map());
    expect(Object.fromEntries(result)).toEqual({ a: 'a', b: 'b' });
  });
});
