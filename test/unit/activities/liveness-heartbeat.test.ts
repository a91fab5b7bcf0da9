import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { withLivenessHeartbeat } from '../../../activities/support/liveness-heartbeat';

/** A promise and the function that resolves it: the "statement" the activity waits on. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('withLivenessHeartbeat', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('heartbeats every quarter of the heartbeat timeout while the work runs, then stops', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 40_000 });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const statement = deferred<string>();
    const running = env.run(() => withLivenessHeartbeat(() => statement.promise));
    await jest.advanceTimersByTimeAsync(9_000);
    expect(beats).toBe(0); // a short activity sends none
    await jest.advanceTimersByTimeAsync(26_000); // ticks at 10, 20 and 30 s
    expect(beats).toBe(3);

    statement.resolve('rows written');
    await expect(running).resolves.toBe('rows written');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(beats).toBe(3);
  });

  it('stops heartbeating when the work fails, and passes the failure on', async () => {
    // the SDK logs the failed activity at WARN: expected here
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }, { logger: new DefaultLogger('ERROR') });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    let fail: (error: Error) => void = () => undefined;
    const failing = new Promise<never>((_, reject) => (fail = reject));
    const running = env.run(() => withLivenessHeartbeat(() => failing));
    await jest.advanceTimersByTimeAsync(11_000);
    expect(beats).toBe(2);
    fail(new Error('deadlock detected'));
    await expect(running).rejects.toThrow('deadlock detected');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(beats).toBe(2);
  });

  it('sends no heartbeat when the workflow set no heartbeat timeout', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const statement = deferred<number>();
    const running = env.run(() => withLivenessHeartbeat(() => statement.promise));
    await jest.advanceTimersByTimeAsync(120_000);
    statement.resolve(7);
    await expect(running).resolves.toBe(7);
    expect(beats).toBe(0);
  });

  it('just runs the work outside an activity (a test or benchmark calling the function directly)', async () => {
    await expect(withLivenessHeartbeat(() => Promise.resolve('direct'))).resolves.toBe('direct');
  });
});
