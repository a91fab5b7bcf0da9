// POST /e (one event) and POST /e/batch (up to 500). A 2xx means every stored event is committed.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { eventSchema, batchEnvelopeSchema, bodyFieldErrors, LIMITS, singleEnvelopeSchema, type FieldError } from '../../lib/ingest/event-schema';
import type { DropReason } from '../../lib/ingest/company-policy';
import { prepareEvent, prepareRequest, type RawEventRow } from '../../lib/ingest/prepare-event';
import { checkStandardProperties } from '../../lib/ingest/standard-events';
import type { Logger } from '../../lib/logger';
import type { OnPurchasesStored } from '../attribution/after-purchase';
import { isOriginAllowed } from '../cors';
import type { GroupCommitter } from '../ingest/group-commit';
import type { DropCounts } from '../ingest/save-event-batch';
import type { KeyResolver, ResolvedKey } from '../key-resolver';
import { refuseOverLimit, type TokenBucketLimiter } from '../rate-limit';
import { readJsonBody } from '../read-body';

export type EventRouteDeps = {
  keys: KeyResolver;
  committer: GroupCommitter;
  ipHashSecret: string;
  logger: Logger;
  /** Called after commit with the order ids of newly stored purchase events (starts their attribution). */
  onPurchasesStored?: OnPurchasesStored;
  /** Requests per site key (or per secret key's company); none: unlimited. */
  siteKeyLimiter?: TokenBucketLimiter;
};

type IngestSummary = {
  accepted: number;
  duplicates: number;
  dropped: DropCounts;
  rejected: Array<{ index: number; errors: FieldError[] }>;
  visitorId?: string;
};

/**
 * Authenticates, then takes one token from the key's bucket (one per request, not per event). Returns
 * undefined when the key is over its limit and the 429 has been set.
 */
async function authenticateWithinLimit(ctx: Koa.Context, deps: EventRouteDeps, bodySiteKey: string | undefined): Promise<ResolvedKey | undefined> {
  const key = await authenticate(ctx, deps.keys, bodySiteKey);
  const limiter = deps.siteKeyLimiter;
  if (limiter === undefined) return key;
  // Site keys are public, but the bucket is named by company and kind so no key text is kept or logged.
  const bucket = `${key.kind}:${key.companyId}`;
  const taken = limiter.take(bucket);
  if (taken.ok) return key;
  if (limiter.shouldLog(bucket)) {
    deps.logger.warn({ limit: 'site_key', company_id: key.companyId, key_kind: key.kind, rejected_total: limiter.rejected, path: ctx.path }, 'rate limit: requests refused for a key');
  }
  refuseOverLimit(ctx, 'site_key', taken.retryAfterSeconds);
  return undefined;
}

/** Secret key (Authorization: Bearer lux_sk_…) → server source; otherwise the site key → browser. */
async function authenticate(ctx: Koa.Context, keys: KeyResolver, bodySiteKey: string | undefined): Promise<ResolvedKey> {
  const authorization = ctx.get('authorization');
  if (authorization) {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) ctx.throw(401, 'Authorization must be "Bearer <secret key>"');
    const key = await keys.resolveSecretKey(token);
    if (!key) ctx.throw(401, 'unknown or revoked secret key');
    if (!key.scopes.includes('ingest')) ctx.throw(403, 'this secret key may not send events');
    return key;
  }
  const siteKey = bodySiteKey ?? (ctx.get('x-lux-site-key') || undefined);
  if (!siteKey) ctx.throw(401, 'missing site key: send "site_key" in the body or the X-Lux-Site-Key header');
  const key = await keys.resolveSiteKey(siteKey);
  if (!key) ctx.throw(401, 'unknown or revoked site key');
  if (!isOriginAllowed(ctx.get('origin') || undefined, key.allowedOrigins)) ctx.throw(403, 'origin not allowed for this site key');
  return key;
}

async function ingest(ctx: Koa.Context, deps: EventRouteDeps, key: ResolvedKey, events: unknown[]): Promise<IngestSummary> {
  const receivedAt = new Date();
  const fallbackVisitorId = randomUUID();
  const request = prepareRequest({
    source: key.kind === 'secret' ? ('server' as const) : ('browser' as const),
    receivedAt,
    ip: ctx.ip || undefined,
    userAgent: ctx.get('user-agent') || undefined,
    gpcHeader: ctx.get('sec-gpc').trim() === '1',
    ipHashSecret: deps.ipHashSecret,
    fallbackVisitorId,
  });
  const company = { trackingEnabled: key.trackingEnabled, settings: key.settings };
  const rows: RawEventRow[] = [];
  const drops: DropCounts = {};
  const rejected: IngestSummary['rejected'] = [];
  events.forEach((candidate, index) => {
    const parsed = eventSchema.safeParse(candidate);
    if (!parsed.success) {
      rejected.push({ index, errors: bodyFieldErrors(parsed.error) });
      return;
    }
    const standard = checkStandardProperties(parsed.data.event_name, parsed.data.properties);
    if (!standard.ok) {
      rejected.push({ index, errors: standard.errors });
      return;
    }
    const prepared = prepareEvent({ ...parsed.data, properties: standard.properties }, request, company);
    if (prepared.store) rows.push(prepared.row);
    else drops[prepared.reason] = (drops[prepared.reason] ?? 0) + 1;
  });

  const summary: IngestSummary = { accepted: 0, duplicates: 0, dropped: drops, rejected };
  if (rows.length === 0 && Object.keys(drops).length === 0) return summary;
  try {
    const outcome = await deps.committer.submit(key.companyId, rows, drops);
    for (const row of rows) {
      if (outcome.suppressed.has(row.event_id)) drops.suppressed = (drops.suppressed ?? 0) + 1;
      else if (outcome.inserted.has(row.event_id)) summary.accepted += 1;
      else summary.duplicates += 1;
    }
    // Storefront purchases just committed: their orders' attribution starts (after the answer; never fails it).
    if (deps.onPurchasesStored) {
      const orderIds = rows.filter((r) => r.event_name === 'purchase' && outcome.inserted.has(r.event_id)).flatMap((r) => {
        const id = r.properties.order_id;
        return typeof id === 'string' || typeof id === 'number' ? [String(id)] : [];
      });
      if (orderIds.length > 0) deps.onPurchasesStored(key.companyId, orderIds);
    }
  } catch (error) {
    // The error middleware answers (503 + Retry-After when Postgres is unavailable); log the context here.
    deps.logger.warn({ company_id: key.companyId, events: rows.length, err: error }, 'storing events failed');
    throw error;
  }
  if (rows.some((r) => r.visitor_id === fallbackVisitorId)) summary.visitorId = fallbackVisitorId;
  deps.logger.debug({ company_id: key.companyId, accepted: summary.accepted, duplicates: summary.duplicates, dropped: drops, rejected: rejected.length }, 'events ingested');
  return summary;
}

function droppedReason(dropped: DropCounts): DropReason | null {
  return (Object.keys(dropped)[0] as DropReason | undefined) ?? null;
}

export function eventRoutes(deps: EventRouteDeps): Router {
  const router = new Router();

  router.post('/e', async (ctx) => {
    const body = await readJsonBody(ctx, LIMITS.singleBodyBytes);
    const envelope = singleEnvelopeSchema.safeParse(body);
    if (!envelope.success) return ctx.throw(400, 'expected a JSON object');
    const { site_key: siteKey, ...event } = envelope.data;
    const key = await authenticateWithinLimit(ctx, deps, siteKey);
    if (!key) return;
    const summary = await ingest(ctx, deps, key, [event]);
    if (summary.rejected.length > 0) {
      ctx.status = 422;
      ctx.body = { error: 'invalid event', errors: summary.rejected[0]?.errors ?? [] };
      return;
    }
    ctx.body = {
      ok: true,
      stored: summary.accepted === 1,
      duplicate: summary.duplicates === 1,
      dropped: droppedReason(summary.dropped),
      ...(summary.visitorId ? { visitor_id: summary.visitorId } : {}),
    };
  });

  router.post('/e/batch', async (ctx) => {
    const body = await readJsonBody(ctx, LIMITS.batchBodyBytes);
    const envelope = batchEnvelopeSchema.safeParse(body);
    if (!envelope.success) {
      const errors = bodyFieldErrors(envelope.error);
      // Too many events is a size problem (413); anything else about the envelope is a bad request.
      ctx.status = errors.some((e) => e.path === 'events' && /at most/.test(e.message)) ? 413 : 400;
      ctx.body = { error: 'invalid batch', errors };
      return;
    }
    const key = await authenticateWithinLimit(ctx, deps, envelope.data.site_key);
    if (!key) return;
    const summary = await ingest(ctx, deps, key, envelope.data.events);
    const allRejected = summary.rejected.length === envelope.data.events.length;
    ctx.status = allRejected ? 422 : 200;
    ctx.body = {
      ok: !allRejected,
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      dropped: summary.dropped,
      rejected: summary.rejected,
      ...(summary.visitorId ? { visitor_id: summary.visitorId } : {}),
    };
  });

  return router;
}
