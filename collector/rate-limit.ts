// Rate limiting on the ingest paths: an in-memory token bucket per client IP (by its HMAC hash, the
// same pseudonym raw_events keeps; the address itself is never a map key nor logged) and one per site
// or secret key. One bucket lookup per request for each, never per event: a batch of 500 events costs
// one token. Over the limit: 429 with Retry-After and a JSON reason, counted and logged (once a minute
// per bucket) without raw IPs or keys.
//
// Per process: N collector instances behind a load balancer allow N times the configured rate. That is
// the intent (a flood guard that costs nothing on the hot path, not a billing quota).
import type Koa from 'koa';
import { hashIp } from '../lib/enrichment/privacy';
import type { Logger } from '../lib/logger';

export type RateLimit = { perSecond: number; burst: number };
export type RateLimits = { ip?: RateLimit; siteKey?: RateLimit };

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

type Bucket = { tokens: number; at: number };

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly lastLogged = new Map<string, number>();
  /** Requests refused so far (for tests and logs). */
  rejected = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
  }

  take(key: string): TakeResult {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    this.rejected += 1;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond)) };
  }

  /** True at most once a minute per key: log a refused bucket without flooding the log. */
  shouldLog(key: string): boolean {
    const now = this.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < 60_000) return false;
    if (this.lastLogged.size >= 10_000) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled (they equal a fresh one); failing that, the oldest tenth. */
  private sweep(now: number): void {
    const fullAfterMs = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= fullAfterMs) this.buckets.delete(key);
    if (this.buckets.size < this.maxKeys) return;
    let drop = Math.ceil(this.maxKeys / 10);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** A limiter for each configured limit; a missing or zero rate means unlimited. */
export function createLimiters(limits: RateLimits | undefined): { ip?: TokenBucketLimiter; siteKey?: TokenBucketLimiter } {
  const make = (l: RateLimit | undefined) => (l && l.perSecond > 0 ? new TokenBucketLimiter(l) : undefined);
  return { ip: make(limits?.ip), siteKey: make(limits?.siteKey) };
}

export type LimitKind = 'ip' | 'site_key';

/** Answers 429 (the request goes no further). `logFields` must hold no raw IP or key. */
export function refuseOverLimit(ctx: Koa.Context, kind: LimitKind, retryAfterSeconds: number): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfterSeconds));
  ctx.body = {
    error: kind === 'ip' ? 'too many requests from this address: slow down and retry later' : 'too many requests for this key: slow down and retry later',
    reason: kind === 'ip' ? 'rate_limited_ip' : 'rate_limited_site_key',
    retry_after_seconds: retryAfterSeconds,
  };
}

/** Per-IP limit on POST /e and /e/batch, before the body is read. */
export function ipRateLimit(limiter: TokenBucketLimiter | undefined, ipHashSecret: string, logger: Logger): Koa.Middleware {
  return async function limitByIpHash(ctx, next) {
    if (limiter === undefined || ctx.method !== 'POST' || (ctx.path !== '/e' && ctx.path !== '/e/batch') || !ctx.ip) {
      await next();
      return;
    }
    const ipHash = hashIp(ctx.ip, ipHashSecret);
    const taken = limiter.take(ipHash);
    if (taken.ok) {
      await next();
      return;
    }
    if (limiter.shouldLog(ipHash)) {
      logger.warn({ limit: 'ip', ip_hash_prefix: ipHash.slice(0, 12), rejected_total: limiter.rejected, path: ctx.path }, 'rate limit: requests refused for an IP hash');
    }
    refuseOverLimit(ctx, 'ip', taken.retryAfterSeconds);
  };
}
