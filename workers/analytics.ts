// Entrypoint: the analytics worker (attribution, rollups, alert evaluation, stack checks).
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../lib/config';
import { createDatabasePool } from '../lib/db/pool';
import { createLogger } from '../lib/logger';
import { TASK_QUEUES } from '../lib/task-queues';
import { createAnalyticsWorker } from './create-analytics-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('worker-analytics', config.LOG_LEVEL);
  // The SDK's own INFO lines (bundle stats, state changes) drown our structured logs; keep its warnings.
  Runtime.install({ logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN') });
  const appPool = await createDatabasePool(config.APP_DATABASE_URL, { maximumPoolSize: config.DATABASE_POOL_SIZE });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createAnalyticsWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, appPool, logger });

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down worker');
    worker.shutdown();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  logger.info({ task_queue: TASK_QUEUES.analytics, temporal: config.TEMPORAL_ADDRESS }, 'worker started');
  await worker.run();
  await connection.close();
  await appPool.end();
  logger.info('worker stopped');
}

main().catch((error: unknown) => {
  process.stderr.write(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
