// Vendor webhooks: POST /webhooks/:vendor/:siteKey. Raw first, then a workflow:
//   1. the site key names the company; the company's stored credentials give the vendor secret;
//   2. the signature is verified on the raw bytes, in constant time (401 and nothing stored otherwise);
//   3. the delivery is appended to raw_webhooks (a redelivery of the same event is stored once);
//   4. the processWebhook workflow is started, and we answer 200 at once.
// If Temporal cannot be reached the delivery is still stored and acknowledged (vendors such as
// WooCommerce disable a webhook after a few failures and never retry); the import schedule's sweep
// processes it later. If Postgres cannot be reached we answer 503 and the vendor retries.
import Router from '@koa/router';
import { integrationFor } from '../../integrations/registry';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import { CredentialsKeyError } from '../../lib/credentials/cipher';
import { CredentialsNotFoundError, loadIntegrationCredentials } from '../../lib/credentials/store';
import type { DatabasePool } from '../../lib/db/pool';
import type { Logger } from '../../lib/logger';
import type { KeyResolver } from '../key-resolver';
import { jsonNestsDeeperThan, mediaTypeOf, readRawBody, requireContentType, type ContentTypeRule } from '../read-body';
import { saveRawWebhook } from '../webhooks/save-raw-webhook';
import type { StartWebhookProcessing } from '../webhooks/start-processing';

/** Shopify and WooCommerce orders with many lines run to a few hundred kB; 5 MB leaves room. */
export const WEBHOOK_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** Vendor order payloads nest about 6 levels; anything near the verifiers' stack limit is refused unread. */
const MAX_WEBHOOK_JSON_DEPTH = 128;

export type WebhookRouteDeps = {
  appPool: DatabasePool;
  keys: KeyResolver;
  logger: Logger;
  credentialsKey?: CredentialsKey;
  startProcessing?: StartWebhookProcessing;
};

/**
 * What each vendor sends: JSON, except WooCommerce's unsigned creation ping and Twilio's status
 * callbacks, which are form-encoded. A delivery without a Content-Type or with another one is refused
 * (415) before anything is looked up.
 */
const WEBHOOK_CONTENT_TYPES: Record<string, ContentTypeRule> = {
  woocommerce: { allowed: ['application/json', 'application/x-www-form-urlencoded'], allowMissing: false },
  twilio: { allowed: ['application/x-www-form-urlencoded'], allowMissing: false },
};
const JSON_ONLY: ContentTypeRule = { allowed: ['application/json'], allowMissing: false };

export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const router = new Router({ prefix: '/webhooks' });

  router.post('/:vendor/:siteKey', async (ctx) => {
    const vendor = ctx.params.vendor ?? '';
    const integration = integrationFor(vendor);
    if (!integration) return ctx.throw(404, `unknown webhook vendor ${JSON.stringify(vendor.slice(0, 40))}: expected woocommerce, shopify, stripe, gohighlevel, mailgun or twilio`);
    requireContentType(ctx, WEBHOOK_CONTENT_TYPES[vendor] ?? JSON_ONLY);
    const site = await deps.keys.resolveSiteKey(ctx.params.siteKey ?? '');
    if (!site) return ctx.throw(401, 'unknown or revoked site key in the webhook URL');
    const companyId = site.companyId;
    const log = { company_id: companyId, vendor };

    const rawBody = await readRawBody(ctx, { limitBytes: WEBHOOK_BODY_LIMIT_BYTES, what: 'webhook body' });
    if (mediaTypeOf(ctx.get('content-type')) !== 'application/x-www-form-urlencoded' && jsonNestsDeeperThan(rawBody, MAX_WEBHOOK_JSON_DEPTH)) {
      return ctx.throw(400, `webhook body nests JSON deeper than ${MAX_WEBHOOK_JSON_DEPTH} levels: nothing was stored`);
    }
    if (!deps.credentialsKey) {
      deps.logger.error(log, 'webhook refused: LUX_CREDENTIALS_KEY is not set, so no webhook secret can be read');
      return ctx.throw(503, 'webhooks are not configured on this collector (LUX_CREDENTIALS_KEY missing)');
    }
    let credentials: unknown;
    try {
      credentials = await loadIntegrationCredentials(deps.appPool, deps.credentialsKey, companyId, integration.source, integration.credentialsSchema);
    } catch (error) {
      if (error instanceof CredentialsNotFoundError) {
        deps.logger.warn(log, 'webhook for an integration the company has not configured');
        ctx.throw(404, `no ${vendor} integration is configured for this site (lux integrations set ${vendor} ...)`);
      }
      if (error instanceof CredentialsKeyError) {
        deps.logger.error({ ...log, err: error }, 'webhook credentials cannot be decrypted');
        ctx.throw(503, 'the integration credentials cannot be read on this collector');
      }
      throw error;
    }

    // ctx.origin follows X-Forwarded-Proto/Host only with TRUST_PROXY (app.proxy).
    const verification = integration.verifyWebhook(rawBody, ctx.req.headers, credentials, { url: `${ctx.origin}${ctx.originalUrl}` });
    if (verification.ok === 'ping') {
      deps.logger.info(log, 'webhook creation ping answered');
      ctx.body = { ok: true, ping: true };
      return;
    }
    if (verification.ok === false) {
      // The reason goes to the log; the sender learns only that it was refused.
      deps.logger.warn({ ...log, reason: verification.reason, bytes: rawBody.length }, 'webhook signature or shape rejected; nothing stored');
      return ctx.throw(401, 'webhook signature verification failed: nothing was stored');
    }

    const webhook = verification.webhook;
    const saved = await saveRawWebhook(deps.appPool, deps.credentialsKey, companyId, integration.source, webhook, rawBody, ctx.req.headers);
    const logSaved = { ...log, webhook_id: saved.webhookId, topic: webhook.topic, duplicate: saved.duplicate };
    if (saved.duplicate && integration.refuseRedelivery) {
      // Mailgun: the dedupe key is the signature token, which is good for one delivery only. 406 tells
      // Mailgun not to retry; the first delivery with this token is stored and processed.
      deps.logger.warn(logSaved, 'webhook refused: signature token already used (replay)');
      return ctx.throw(406, 'webhook signature token already used: replay refused, nothing stored');
    }
    let workflowId: string | null = null;
    if (!saved.duplicate && deps.startProcessing) {
      try {
        workflowId = await deps.startProcessing({ companyId, source: integration.source, webhookId: saved.webhookId });
      } catch (error) {
        deps.logger.error({ ...logSaved, err: error }, 'webhook stored but its workflow could not be started; the import sweep will process it');
      }
    }
    deps.logger.info({ ...logSaved, workflow_id: workflowId }, saved.duplicate ? 'webhook redelivery ignored (already stored)' : 'webhook stored');
    ctx.body = { ok: true, webhook_id: saved.webhookId, duplicate: saved.duplicate, workflow_id: workflowId };
  });

  return router;
}
