import { TokenBucketLimiter, createLimiters } from '../../../collector/rate-limit';
import { mediaTypeOf } from '../../../collector/read-body';

describe('TokenBucketLimiter', () => {
  it('allows the burst, then refuses with a Retry-After until tokens refill at the rate', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 500; // one token back
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.rejected).toBe(2);
    expect(limiter.take('b').ok).toBe(true); // buckets are independent
  });

  it('says how long until one token is back at a slow rate', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 0.1, burst: 1 }, () => now);
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    now = 9_000;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('keeps memory bounded: refilled buckets, then the oldest, are dropped', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => now, 100);
    for (let i = 0; i < 100; i += 1) limiter.take(`k${i}`);
    now = 5_000;
    limiter.take('new');
    expect(limiter.size).toBe(1);
    for (let i = 0; i < 150; i += 1) limiter.take(`x${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('logs a refused bucket at most once a minute', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => now);
    expect(limiter.shouldLog('a')).toBe(true);
    expect(limiter.shouldLog('a')).toBe(false);
    now = 60_000;
    expect(limiter.shouldLog('a')).toBe(true);
  });

  it('a zero or missing rate means no limiter', () => {
    expect(createLimiters(undefined)).toEqual({ ip: undefined, siteKey: undefined });
    expect(createLimiters({ ip: { perSecond: 0, burst: 10 } }).ip).toBeUndefined();
  });
});

test('mediaTypeOf drops parameters and case', () => {
  expect(mediaTypeOf('Text/Plain; charset=UTF-8')).toBe('text/plain');
  expect(mediaTypeOf(undefined)).toBe('');
});
