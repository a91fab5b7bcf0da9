// The collector's Koa app, built from its dependencies; collector/server.ts listens.
import Koa from 'koa';
import Router from '@koa/router';
import { sql } from 'slonik';
import { isConnectionError } from '../lib/db/errors';
import type { DatabasePool } from '../lib/db/pool';
import type { Logger } from '../lib/logger';
import { attributionAfterPurchase, type StartOrderAttribution } from './attribution/after-purchase';
import { corsForIngest } from './cors';
import { GroupCommitter, type GroupCommitOptions } from './ingest/group-commit';
import { KeyResolver } from './key-resolver';
import { createLimiters, ipRateLimit, type RateLimits } from './rate-limit';
import { DEFAULT_BODY_TIMEOUT_MS } from './read-body';
import { adminAuth } from './auth/admin-auth';
import { adminRoutes } from './routes/admin';
import { dashboardRoutes } from './routes/dashboards';
import { messageRoutes } from './routes/messages';
import { eventRoutes } from './routes/events';
import { loginRoutes } from './routes/login';
import { privacyRoutes } from './routes/privacy';
import { snippetRoutes } from './routes/snippet';
import { webhookRoutes } from './routes/webhooks';
import type { StartWebhookProcessing } from './webhooks/start-processing';
import type { CredentialsKey } from '../lib/credentials/cipher';

export type CollectorDeps = {
  appPool: DatabasePool;
  logger: Logger;
  ipHashSecret: string;
  /** Take the client IP from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy?: boolean;
  groupCommit?: GroupCommitOptions;
  keyCacheTtlMs?: number;
  /** Decrypts integration credentials (webhook secrets); webhooks answer 503 without it. */
  credentialsKey?: CredentialsKey;
  /** Starts the processWebhook workflow; without it webhooks are stored and left for the import sweep. */
  startWebhookProcessing?: StartWebhookProcessing;
  /** Starts an order's attribution after a storefront purchase; without it the pending sweep attributes it. */
  startOrderAttribution?: StartOrderAttribution;
  /** Ingest rate limits per IP hash and per key (collector/rate-limit.ts); none: unlimited. */
  rateLimits?: RateLimits;
  /** How long a request body may take to arrive before 408 (slow senders); default 10 s. */
  bodyTimeoutMs?: number;
  /** MESSAGE_LINK_SECRET: signs the open pixel, click and short-link tokens (/m/...); without it they answer 503. */
  messageLinkSecret?: string;
  /** ADMIN_SESSION_SECRET: signs admin/dashboard session tokens (POST /admin/login); none: secret keys only. */
  adminSessionSecret?: string;
  /** PUBLIC_COLLECTOR_URL: base of the tracked URLs the send log hands out (default: the request's origin). */
  publicUrl?: string;
};

export function createApp(deps: CollectorDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy ?? false;
  const router = new Router();
  const keys = new KeyResolver(deps.appPool, deps.keyCacheTtlMs);
  const committer = new GroupCommitter(deps.appPool, deps.logger, deps.groupCommit);
  const onPurchasesStored = deps.startOrderAttribution
    ? attributionAfterPurchase({ appPool: deps.appPool, logger: deps.logger, start: deps.startOrderAttribution })
    : undefined;
  const limiters = createLimiters(deps.rateLimits);
  const events = eventRoutes({ keys, committer, ipHashSecret: deps.ipHashSecret, logger: deps.logger, onPurchasesStored, siteKeyLimiter: limiters.siteKey });
  const bodyTimeoutMs = deps.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;

  // Liveness: the process answers.
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  // Readiness: Postgres answers. Load balancers stop sending events when this fails.
  router.get('/readyz', async (ctx) => {
    try {
      await deps.appPool.query(sql.unsafe`SELECT 1`);
      ctx.body = { ok: true, postgres: 'up' };
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check failed: postgres unavailable');
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { ok: false, postgres: 'down' };
    }
  });

  app.use(errorMiddleware(deps.logger));
  app.use(async function bodyReadDeadline(ctx, next) {
    ctx.state.bodyTimeoutMs = bodyTimeoutMs;
    await next();
  });
  // CORS wraps the ingest paths only, so errors from them (401, 422, 503) are readable by the snippet.
  const ingestCors = corsForIngest();
  app.use(async function corsOnIngestPaths(ctx, next) {
    if (ctx.path === '/e' || ctx.path === '/e/batch') await ingestCors(ctx, next);
    else await next();
  });
  app.use(ipRateLimit(limiters.ip, deps.ipHashSecret, deps.logger));
  app.use(events.routes());
  app.use(snippetRoutes().routes());
  app.use(webhookRoutes({ appPool: deps.appPool, keys, logger: deps.logger, credentialsKey: deps.credentialsKey, startProcessing: deps.startWebhookProcessing }).routes());
  // Everything under /admin: secret key or session token, role, audit_log (collector/auth/admin-auth.ts).
  const adminAuthDeps = { appPool: deps.appPool, keys, logger: deps.logger, sessionSecret: deps.adminSessionSecret };
  app.use(loginRoutes(adminAuthDeps).routes());
  app.use(adminAuth(adminAuthDeps));
  app.use(adminRoutes({ appPool: deps.appPool, keys, logger: deps.logger }).routes());
  app.use(dashboardRoutes({ appPool: deps.appPool, logger: deps.logger, ipHashSecret: deps.ipHashSecret, auth: adminAuthDeps }).routes());
  app.use(privacyRoutes({ appPool: deps.appPool, logger: deps.logger }).routes());
  app.use(messageRoutes({ appPool: deps.appPool, keys, logger: deps.logger, messageLinkSecret: deps.messageLinkSecret, publicUrl: deps.publicUrl }).routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'unhandled collector error'));
  return app;
}

/** Turns thrown errors into JSON with a reason; 5xx details stay in the log, not the response. */
function errorMiddleware(logger: Logger): Koa.Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (isConnectionError(error)) {
        // Nothing was committed: tell the sender to retry (the snippet keeps the events and does).
        logger.warn({ err: error, path: ctx.path }, 'database unavailable; answering 503');
        ctx.status = 503;
        ctx.set('Retry-After', '2');
        ctx.body = { error: 'database unavailable: nothing was stored, retry later' };
        return;
      }
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
      const expose = status < 500 && (error as { expose?: boolean }).expose !== false;
      const details = (error as { details?: unknown }).details;
      ctx.status = status;
      ctx.body = { error: expose ? (error as Error).message : 'internal error', ...(expose && details ? { errors: details } : {}) };
      if (status >= 500) logger.error({ err: error, path: ctx.path }, 'request failed');
    }
  };
}
