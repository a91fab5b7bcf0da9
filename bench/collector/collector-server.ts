// Our collector under test: createApp exactly as collector/server.ts builds it (a lux_app pool, so
// Row Level Security applies), with the group-commit options and pool size the benchmark passes in.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createApp } from '../../collector/app';
import type { GroupCommitOptions } from '../../collector/ingest/group-commit';
import { createDatabasePool } from '../../lib/db/pool';
import { createLogger } from '../../lib/logger';
import { requiredEnv, serve } from './serve';

async function main(): Promise<void> {
  const appPool = await createDatabasePool(requiredEnv('BENCH_APP_URL'), { maximumPoolSize: Number(requiredEnv('BENCH_POOL_SIZE')) });
  const groupCommit = JSON.parse(requiredEnv('BENCH_GROUP_COMMIT')) as GroupCommitOptions;
  // 'warn': the collector logs nothing per request at 'info' either, and a failing flush still shows
  // up (the parent passes every stdout line but the ready line on to its stderr).
  const logger = createLogger('collector-bench', 'warn');
  const app = createApp({ appPool, logger, ipHashSecret: randomBytes(32).toString('hex'), groupCommit });
  serve(createServer(app.callback()), 'collector', () => appPool.end());
}

main().catch((error: unknown) => {
  process.stderr.write(`collector bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
