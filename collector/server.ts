// Entrypoint: the collector HTTP server.
import { loadConfigOrExit } from '../lib/config';
import { createDatabasePool } from '../lib/db/pool';
import { createLogger } from '../lib/logger';
import { parseCredentialsKey } from '../lib/credentials/cipher';
import { createApp } from './app';
import { temporalAttributionStarter } from './attribution/after-purchase';
import { temporalWebhookStarter } from './webhooks/start-processing';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('collector', config.LOG_LEVEL);
  const appPool = await createDatabasePool(config.APP_DATABASE_URL, { maximumPoolSize: config.DATABASE_POOL_SIZE });
  const startWebhookProcessing = temporalWebhookStarter({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const startOrderAttribution = temporalAttributionStarter({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  if (!config.LUX_CREDENTIALS_KEY) logger.warn('LUX_CREDENTIALS_KEY is not set: vendor webhooks will be answered 503');
  const app = createApp({
    appPool,
    logger,
    ipHashSecret: config.IP_HASH_SECRET,
    messageLinkSecret: config.MESSAGE_LINK_SECRET,
    adminSessionSecret: config.ADMIN_SESSION_SECRET,
    publicUrl: config.PUBLIC_COLLECTOR_URL,
    trustProxy: config.TRUST_PROXY,
    bodyTimeoutMs: config.COLLECTOR_BODY_TIMEOUT_MS,
    rateLimits: {
      ip: { perSecond: config.RATE_LIMIT_IP_PER_SECOND, burst: config.RATE_LIMIT_IP_BURST },
      siteKey: { perSecond: config.RATE_LIMIT_KEY_PER_SECOND, burst: config.RATE_LIMIT_KEY_BURST },
    },
    credentialsKey: config.LUX_CREDENTIALS_KEY ? parseCredentialsKey(config.LUX_CREDENTIALS_KEY) : undefined,
    startWebhookProcessing,
    startOrderAttribution,
  });
  const server = app.listen(config.COLLECTOR_PORT, config.COLLECTOR_HOST, () =>
    logger.info({ host: config.COLLECTOR_HOST, port: config.COLLECTOR_PORT }, 'collector listening'),
  );
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down collector');
    server.close(() => {
      Promise.all([appPool.end(), startWebhookProcessing.close(), startOrderAttribution.close()]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`collector failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
