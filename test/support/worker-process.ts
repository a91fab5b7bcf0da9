// A real worker in a process of its own, so a test can SIGKILL it mid-activity (a crash, not a graceful
// shutdown). Spawned by test/support/worker-child.ts; everything comes from the environment.
import { NativeConnection } from '@temporalio/worker';
import { parseCredentialsKey } from '../../lib/credentials/cipher';
import { createDatabasePool } from '../../lib/db/pool';
import { createLogger } from '../../lib/logger';
import { createLuxWorker } from '../../workers/create-worker';
import { connectTestTemporal, testWorkflowBundle } from './temporal';

async function main(): Promise<void> {
  const env = process.env;
  const appPool = await createDatabasePool(env.LUX_CHILD_APP_DATABASE_URL ?? '', { maximumPoolSize: 3 });
  const temporal = await connectTestTemporal();
  const connection: NativeConnection = temporal.nativeConnection;
  const worker = await createLuxWorker({
    connection,
    namespace: 'default',
    taskQueue: env.LUX_CHILD_TASK_QUEUE ?? '',
    workflowBundle: testWorkflowBundle(),
    appPool,
    logger: createLogger('child-worker', 'silent'),
    credentialsKey: parseCredentialsKey(env.LUX_CHILD_CREDENTIALS_KEY),
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((error: unknown) => {
  process.stderr.write(`child worker failed: ${String(error)}\n`);
  process.exit(1);
});
