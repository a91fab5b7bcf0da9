// Child-process side of a benchmark server: listen on a free port of 127.0.0.1, tell the parent which
// (one line on stdout, see server-process.ts), and shut down cleanly when the parent sends SIGTERM.
import type { Server } from 'node:http';

export const READY_PREFIX = 'BENCH_SERVER_READY ';

export function serve(server: Server, name: string, close: () => Promise<void> = async () => undefined): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error(`${name}: no TCP address`);
    process.stdout.write(`${READY_PREFIX}${address.port}\n`);
  });
  const shutdown = (): void => {
    server.close();
    server.closeAllConnections();
    // Requests cut off by the load generator may still be committing: give them a moment before the
    // pool closes under them (their rows count as "stored without answer", not as errors).
    new Promise((resolve) => setTimeout(resolve, 1000)).then(close).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // The parent may die without signalling (kill -9, crash): never outlive it.
  process.stdin.on('end', shutdown);
  process.stdin.resume();
}

/** Reads a required environment variable (the parent passes settings this way). */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}
