// The real collector entrypoint (collector/server.ts) in a process of its own, so a fault test can
// SIGKILL it mid-request (a crash, not a graceful shutdown) and start another one on the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/lib/free-port';

const root = path.resolve(__dirname, '..', '..');

export type CollectorProcess = { url: string; child: ChildProcess; kill: () => Promise<void>; stop: () => Promise<void> };

export async function spawnCollectorProcess(env: { ownerUrl: string; appUrl: string; ipHashSecret: string; extra?: Record<string, string> }): Promise<CollectorProcess> {
  const port = await freePort();
  // `node --import tsx`, not tsx's CLI: the CLI runs the script in a child of its own, and a SIGKILL of
  // the CLI would leave that child serving.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'collector', 'server.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: env.ownerUrl,
      APP_DATABASE_URL: env.appUrl,
      COLLECTOR_HOST: '127.0.0.1',
      COLLECTOR_PORT: String(port),
      IP_HASH_SECRET: env.ipHashSecret,
      // Load from one loopback IP: the ingest rate limits would answer 429, which is not what is tested.
      RATE_LIMIT_IP_PER_SECOND: '0',
      RATE_LIMIT_KEY_PER_SECOND: '0',
      // Nothing listens here: purchases are not sent, and the Temporal client connects lazily anyway.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      LOG_LEVEL: 'error',
      ...env.extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited (${String(child.exitCode)}) before it was ready: ${stderr}`);
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`collector did not answer /healthz within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
