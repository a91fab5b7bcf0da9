// Runs a real Temporal server: the CLI's `server start-dev` (the Temporal server with SQLite, plus the
// Web UI). Used by `npm start` (persistent SQLite file under .lux/) and by the tests (in memory).
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../lib/search-attributes';

export type TemporalDevServerOptions = {
  cliPath: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for persistence; omitted → in memory. */
  dbFile?: string;
  namespace?: string;
  host?: string;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
};

export type TemporalDevServer = {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop: () => Promise<void>;
};

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited early with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal server at ${address} did not become ready in ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const host = options.host ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', host, '--port', String(options.port), '--namespace', namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');

  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = options.log;
  let output = '';
  const capture = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
    if (log) for (const line of chunk.toString().split('\n').filter(Boolean)) log(line);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  const address = `${host}:${options.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, child, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- temporal output ---\n${output}`);
  }
  return { address, uiUrl: options.uiPort ? `http://${host}:${options.uiPort}` : undefined, process: child, stop };
}
