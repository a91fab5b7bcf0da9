// A throwaway Postgres cluster of a test's own (initdb into a temp dir, a free port), for tests that stop
// and restart the server: the shared server on 5432 is never touched. Uses the Debian/Ubuntu server
// binaries (/usr/lib/postgresql/<v>/bin); as root, runs them as the `postgres` OS user (initdb refuses root).
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../scripts/lib/free-port';

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

export type PrivatePostgres = {
  port: number;
  adminUrl: string;
  /** stop -m fast (clients disconnected, in-flight transactions rolled back), then start again after pauseMs */
  restart: (pauseMs: number) => Promise<void>;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  destroy: () => Promise<void>;
};

export function findPostgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : null;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBinDir();
  if (!bin) throw new Error('no Postgres server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lux-private-pg-'));
  const asRoot = process.getuid?.() === 0;
  const pgUid = asRoot ? Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()) : undefined;
  const pgGid = asRoot ? Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()) : undefined;
  if (pgUid !== undefined && pgGid !== undefined) chownSync(dir, pgUid, pgGid);
  const run = (tool: string, args: string[]) =>
    asRoot ? execFileAsync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : execFileAsync(path.join(bin, tool), args);
  const data = path.join(dir, 'data');
  await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = async (): Promise<void> => void (await run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']));
  const stop = async (): Promise<void> => void (await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']));
  await start();
  return {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    restart: async (pauseMs) => {
      await stop();
      await new Promise((r) => setTimeout(r, pauseMs));
      await start();
    },
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `database` on the private server and applies the real migrations (scripts/migrate.ts). */
export async function createMigratedDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  await execFileAsync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/migrate.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url.toString() },
  });
  return url.toString();
}
