// The one place that reads process.env. Every service calls loadConfig() at start-up; a missing or
// malformed variable stops the process with a message that names the variable and what is expected.
// Values are never echoed back (some are secrets).
import { z } from 'zod';
import { describeIssues } from './zod-issues';

const postgresUrl = z
  .string({ required_error: 'is required: a postgres:// connection URL' })
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
    message: 'expected a postgres:// or postgresql:// connection URL',
  });

const port = z.coerce
  .number({ invalid_type_error: 'expected a TCP port number' })
  .int('expected a TCP port number (integer)')
  .min(1, 'expected a TCP port between 1 and 65535')
  .max(65535, 'expected a TCP port between 1 and 65535');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

const rate = z.coerce
  .number({ invalid_type_error: 'expected requests per second (0 turns the limit off)' })
  .min(0, 'expected requests per second (0 turns the limit off)')
  .max(1_000_000, 'expected at most 1000000 requests per second');
const burst = z.coerce.number({ invalid_type_error: 'expected a whole number of requests' }).int('expected a whole number of requests').min(1, 'expected at least 1').max(10_000_000);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Owner connection: runs migrations and admin commands. */
  DATABASE_URL: postgresUrl,
  /**
   * Application connection (collector, workers, dashboards): a non-owner role so Row Level Security
   * applies. Defaults to DATABASE_URL with the user swapped for `lux_app` (fine with local trust auth).
   */
  APP_DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).max(255).regex(/^[A-Za-z0-9._-]+$/, 'expected a namespace name').default('default'),
  COLLECTOR_HOST: z.string().min(1).default('127.0.0.1'),
  COLLECTOR_PORT: port.default(8080),
  /** How long a request body may take to arrive before the collector answers 408 (slow senders). */
  COLLECTOR_BODY_TIMEOUT_MS: z.coerce.number({ invalid_type_error: 'expected milliseconds' }).int('expected whole milliseconds').min(100, 'expected at least 100 ms').max(300_000, 'expected at most 300000 ms').default(10_000),
  /**
   * Ingest rate limits (POST /e, /e/batch), per collector process, token buckets: requests per second
   * and burst, per client IP hash and per key (a company's site keys share one bucket, its secret keys
   * another). 0 turns a limit off. One request costs one token whatever its number of events.
   */
  RATE_LIMIT_IP_PER_SECOND: rate.default(50),
  RATE_LIMIT_IP_BURST: burst.default(200),
  RATE_LIMIT_KEY_PER_SECOND: rate.default(500),
  RATE_LIMIT_KEY_BURST: burst.default(2000),
  /** Behind a reverse proxy: take the client IP from X-Forwarded-For (only then). */
  TRUST_PROXY: z.enum(['true', 'false'], { message: 'expected true or false' }).default('false').transform((v) => v === 'true'),
  /** Public base URL of the collector, used in the snippet tag we print. */
  PUBLIC_COLLECTOR_URL: z.string().url('expected an http(s) URL').optional(),
  /** HMAC key for IP hashing. Long and random; rotating it breaks continuity of ip_hash. */
  IP_HASH_SECRET: z
    .string({ required_error: 'is required: a random secret of at least 32 characters (e.g. `openssl rand -hex 32`)' })
    .min(32, 'expected at least 32 characters of random secret (e.g. `openssl rand -hex 32`)'),
  /**
   * HMAC-SHA256 key of the first-party message tracking tokens (open pixel, click redirect, SMS short
   * links; lib/messages/tokens.ts). Optional: without it the collector's /m/ endpoints answer 503.
   * Rotating it invalidates every link already sent.
   */
  MESSAGE_LINK_SECRET: z.string().min(32, 'expected at least 32 characters of random secret (e.g. `openssl rand -hex 32`)').optional(),
  /**
   * AES-256-GCM key for integration credentials at rest (32 bytes, hex or base64; `openssl rand -hex 32`).
   * Optional here because only the collector's webhook endpoints, the import workers and `lux integrations`
   * need it; they fail with a message naming this variable when it is missing (lib/credentials/cipher.ts).
   */
  LUX_CREDENTIALS_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v.trim()) || Buffer.from(v.trim(), 'base64').length === 32, 'expected 32 bytes as 64 hex characters or base64 (`openssl rand -hex 32`)')
    .optional(),
  /**
   * HMAC-SHA256 key for admin/dashboard session tokens (POST /admin/login; lib/auth/session-token.ts).
   * Optional: without it only secret keys open the admin endpoints and sign-in answers 503.
   */
  ADMIN_SESSION_SECRET: z.string().min(32, 'expected at least 32 characters of random secret (e.g. `openssl rand -hex 32`)').optional(),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), 'expected an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:1025'),
  ALERT_FROM_EMAIL: z.string().email('expected an email address').default('alerts@lux.localhost'),
});

export type Config = z.infer<typeof configSchema> & { APP_DATABASE_URL: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The role the application connects as; created by the first migration. */
export const APP_ROLE = 'lux_app';

/** DATABASE_URL with the user swapped for the application role (and its password, if one is given). */
export function deriveAppDatabaseUrl(ownerUrl: string, appPassword = ''): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = appPassword;
  return url.toString();
}

type Env = Record<string, string | undefined>;

function parseEnv<S extends z.ZodTypeAny>(schema: S, env: Env): z.infer<S> {
  // Treat empty strings as unset so `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(describeIssues(parsed.error, '(environment)'));
  }
  return parsed.data as z.infer<S>;
}

export function loadConfig(env: Env = process.env): Config {
  const config = parseEnv(configSchema, env);
  return { ...config, APP_DATABASE_URL: config.APP_DATABASE_URL ?? deriveAppDatabaseUrl(config.DATABASE_URL) };
}

/** Migrations and admin commands need only the owner connection. */
export const migrationConfigSchema = configSchema.pick({ DATABASE_URL: true, LOG_LEVEL: true });
export type MigrationConfig = z.infer<typeof migrationConfigSchema>;

export function loadMigrationConfig(env: Env = process.env): MigrationConfig {
  return parseEnv(migrationConfigSchema, env);
}

/** The admin CLI: the owner connection plus what integrations and imports need. */
export const cliConfigSchema = configSchema.pick({
  DATABASE_URL: true,
  LOG_LEVEL: true,
  LUX_CREDENTIALS_KEY: true,
  TEMPORAL_ADDRESS: true,
  TEMPORAL_NAMESPACE: true,
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadCliConfig(env: Env = process.env): CliConfig {
  return parseEnv(cliConfigSchema, env);
}

/** For entrypoints: print the problems and exit(78, EX_CONFIG) instead of a stack trace. */
function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee README.md#configuration.\n`);
      process.exit(78);
    }
    throw error;
  }
}

export const loadConfigOrExit = (env: Env = process.env): Config => orExit(() => loadConfig(env));
export const loadMigrationConfigOrExit = (env: Env = process.env): MigrationConfig =>
  orExit(() => loadMigrationConfig(env));
export const loadCliConfigOrExit = (env: Env = process.env): CliConfig => orExit(() => loadCliConfig(env));
