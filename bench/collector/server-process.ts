// Parent side: runs one benchmark server in its own process (`node --import tsx bench/collector/<file>`),
// so the server and the load generator never share an event loop or a CPU-time slice of one process.
// `--import tsx`, not tsx's CLI: the CLI would run the server in a child of its own, and `pid` (whose
// memory bench/scale samples) would be the CLI's.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { READY_PREFIX } from './serve';

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export type ServerProcess = { url: string; pid: number; stop: () => Promise<void> };

export async function startServer(file: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'collector', file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    // stdin is a pipe the child watches: if this process dies, the server notices and exits.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await waitForReady(child, file);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? -1, stop: () => stopChild(child, file) };
}

function waitForReady(child: ChildProcess, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${file} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${String(code)} before it was ready`));
    });
    // Anything else the server prints (pino logs) goes on to stderr, out of the result table's way.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve(Number(line.slice(READY_PREFIX.length)));
      } else process.stderr.write(`[${file}] ${line}\n`);
    });
  });
}

function stopChild(child: ChildProcess, file: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`${file} did not stop within ${STOP_TIMEOUT_MS} ms; killing it\n`);
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
