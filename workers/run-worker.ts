// What every worker entrypoint does: read the config, connect to Postgres and Temporal, run one task
// queue's worker until SIGINT/SIGTERM, then close everything.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../lib/config';
import { parseCredentialsKey, type CredentialsKey } from '../lib/credentials/cipher';
import { createDatabasePool, type DatabasePool } from '../lib/db/pool';
import { createLogger, type Logger } from '../lib/logger';
import type { TaskQueue } from '../lib/task-queues';
import { createLuxWorker } from './create-worker';

/** Work an entrypoint does once at start, before polling (e.g. the analytics worker registers schedules). */
export type WorkerStartHook = (context: { client: Client; appPool: DatabasePool; logger: Logger }) => Promise<void>;

export function runWorkerProcess(name: string, taskQueue: TaskQueue, onStart?: WorkerStartHook): void {
  main(name, taskQueue, onStart).catch((error: unknown) => {
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

async function main(name: string, taskQueue: TaskQueue, onStart?: WorkerStartHook): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(name, config.LOG_LEVEL);
  // The SDK's own INFO lines (bundle stats, state changes) drown our structured logs; keep its warnings.
  Runtime.install({ logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN') });
  // Without the key, activities that need integration credentials fail for good with a message naming
  // LUX_CREDENTIALS_KEY; everything else still runs.
  const credentialsKey: CredentialsKey | undefined = config.LUX_CREDENTIALS_KEY ? parseCredentialsKey(config.LUX_CREDENTIALS_KEY) : undefined;
  const appPool = await createDatabasePool(config.APP_DATABASE_URL, { maximumPoolSize: config.DATABASE_POOL_SIZE });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const alerts = { smtpUrl: config.SMTP_URL, fromEmail: config.ALERT_FROM_EMAIL };
  const worker = await createLuxWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, appPool, logger, credentialsKey, alerts });
  if (onStart) {
    const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      await onStart({ client: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), appPool, logger });
    } finally {
      await clientConnection.close();
    }
  }

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down worker');
    worker.shutdown();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  logger.info({ task_queue: taskQueue, temporal: config.TEMPORAL_ADDRESS }, 'worker started');
  await worker.run();
  await connection.close();
  await appPool.end();
  logger.info('worker stopped');
}
