import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** Starts test/support/worker-process.ts and resolves once its worker polls the task queue. */
export async function spawnWorkerProcess(env: { appDatabaseUrl: string; taskQueue: string; credentialsKeyHex: string }): Promise<ChildProcess> {
  // `node --import tsx`, not tsx's CLI: the CLI runs the script in a child of its own, which a SIGKILL of the CLI
  // would leave running (the "killed" worker would go on working).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'support', 'worker-process.ts')], {
    cwd: root,
    env: { ...process.env, LUX_CHILD_APP_DATABASE_URL: env.appDatabaseUrl, LUX_CHILD_TASK_QUEUE: env.taskQueue, LUX_CHILD_CREDENTIALS_KEY: env.credentialsKeyHex },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited (${String(code)}) before it was ready: ${stderr}`)));
  });
  return child;
}
