// bench/scale: a Temporal dev server of the bench's own (in memory) and the real lux worker
// (createLuxWorker, lux_app pool: RLS on) on a task queue of its own, as bench/attribution runs them.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { DatabasePool } from '../../lib/db/pool';
import { createLogger } from '../../lib/logger';
import { freePort } from '../../scripts/lib/free-port';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';
import { startTemporalDevServer } from '../../scripts/lib/temporal-server';
import { createLuxWorker } from '../../workers/create-worker';

export type BenchTemporal = { client: Client; address: string; taskQueue: string; stop: () => Promise<void> };

export async function startBenchTemporal(appPool: DatabasePool, log: (message: string) => void): Promise<BenchTemporal> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = await findOrInstallTemporalCli({ log });
  const server = await startTemporalDevServer({ cliPath: cli.path, port: await freePort() });
  const taskQueue = 'bench-scale';
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createLuxWorker({ connection: nativeConnection, namespace: 'default', taskQueue, appPool, logger: createLogger('bench-scale-worker', 'warn') });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    address: server.address,
    taskQueue,
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}
