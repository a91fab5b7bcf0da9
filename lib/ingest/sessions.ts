// Server-side sessionisation for events that arrive without a session_id (server-side senders, old
// snippets): a new session after 30 minutes of inactivity or when the campaign changes. The snippet
// applies the same rules in the browser and sends its session_id, which is then kept as given.
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

export type OpenSession = { sessionId: string; lastSeenAt: Date; campaignKey: string };
export type SessionlessEvent = { eventId: string; visitorId: string; occurredAt: Date; campaignKey: string };

/**
 * Assigns a session id to each event (by event id). `latest` holds each visitor's most recent session
 * already stored. A new session's id is the id of its first event: deterministic, so a retried batch
 * lands in the same session.
 */
export function assignSessions(events: SessionlessEvent[], latest: Map<string, OpenSession>): Map<string, string> {
  // Copies, so the caller's map is not changed.
  const open = new Map([...latest].map(([visitor, session]) => [visitor, { ...session }]));
  const assigned = new Map<string, string>();
  const ordered = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.eventId.localeCompare(b.eventId));
  for (const event of ordered) {
    const current = open.get(event.visitorId);
    const expired = !current || event.occurredAt.getTime() - current.lastSeenAt.getTime() > SESSION_TIMEOUT_MS;
    const campaignChanged = !!current && event.campaignKey !== '' && event.campaignKey !== current.campaignKey;
    if (!current || expired || campaignChanged) {
      const session = { sessionId: event.eventId, lastSeenAt: event.occurredAt, campaignKey: event.campaignKey };
      open.set(event.visitorId, session);
      assigned.set(event.eventId, session.sessionId);
    } else {
      if (event.occurredAt > current.lastSeenAt) current.lastSeenAt = event.occurredAt;
      assigned.set(event.eventId, current.sessionId);
    }
  }
  return assigned;
}
