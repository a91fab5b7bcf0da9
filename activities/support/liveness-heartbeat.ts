// Liveness heartbeats for activities that spend their time in one long database statement and so have no
// progress to report. Temporal cannot tell a crashed worker from a slow one: an activity started by a
// worker that then died is retried only when a timeout fires, and without a heartbeat timeout that is the
// start-to-close timeout (5 minutes for an attribution batch, 15 for a rollup day): a SIGKILLed worker
// stalled each lane of a backfill that long (test/faults/worker-kill-backfills.test.ts). With the
// workflow's heartbeatTimeout set and this timer beating, a dead worker is noticed within that timeout.
//
// A timer, not heartbeats between steps: the statement may well take longer than the heartbeat timeout
// on a busy database. The SDK throttles what it sends (at most one heartbeat per 0.8 × the timeout).
import { Context } from '@temporalio/activity';

/** The running activity's context, or null when the function is called directly (tests, benchmarks). */
function currentActivityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

/**
 * Runs `work`, heartbeating every quarter of the activity's heartbeat timeout until it settles. Without a
 * heartbeat timeout (the workflow did not ask for one) or outside an activity it just runs `work`.
 */
export async function withLivenessHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = currentActivityContext();
  const timeoutMs = context?.info.heartbeatTimeoutMs;
  if (!context || !timeoutMs) return work();
  // the first beat after a quarter of the timeout, not at once: most batches and days finish sooner and
  // need none (the server counts the heartbeat timeout from the start of the attempt)
  const timer = setInterval(() => context.heartbeat(), Math.max(1, Math.floor(timeoutMs / 4)));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
