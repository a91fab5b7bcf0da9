// `npm run audit:review [-- --strict] [-- --registry <url>] [-- --json]`: the repeatable substitute for
// `npm audit --omit=dev` where the registry refuses the advisory endpoint (docs/security.md § Dependency
// audit). Reads package-lock.json, looks every production package up in the registry (GET /<name>, at
// most 8 at a time, 30 s each) and reports deprecated installed versions and newer releases within the
// same major. It does not know about advisories: that review is manual, see docs/security.md.
// Exit: 0 done; with --strict 1 = a production package is deprecated, 2 = check incomplete (lookups
// failed, or the registry strips deprecations); 3 = could not run (lockfile, registry unreachable).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
import {
  DEPRECATION_CANARY,
  exitCode,
  formatReview,
  productionPackages,
  registryMetadata,
  registryReportsDeprecation,
  review,
  type FetchFailure,
  type RegistryMetadata,
} from '../lib/security/dependency-review';
import { describeIssues } from '../lib/zod-issues';

const CONCURRENCY = 8;
const TIMEOUT_MS = 30_000;
const ATTEMPTS = 2;

/** An error that stops the review before it has a result (exit 3; messages are for people). */
class FatalError extends Error {}

function parseArgs(argv: string[]): { strict: boolean; json: boolean; registry: string; lockfile: string } {
  let registry = process.env.npm_config_registry || 'https://registry.npmjs.org/';
  let lockfile = path.resolve(__dirname, '..', 'package-lock.json');
  let strict = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--strict') strict = true;
    else if (arg === '--json') json = true;
    else if (arg === '--registry' || arg === '--lockfile') {
      const value = argv[++i];
      if (!value) throw new FatalError(`${arg} needs a value`);
      if (arg === '--registry') registry = value;
      else lockfile = path.resolve(value);
    } else throw new FatalError(`unknown argument ${arg} (use --strict, --json, --registry <url>, --lockfile <path>)`);
  }
  if (!/^https?:\/\//.test(registry)) throw new FatalError(`--registry must be an http(s) URL, got ${registry}`);
  return { strict, json, registry: registry.endsWith('/') ? registry : `${registry}/`, lockfile };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  // fetch() wraps the network error (ENOTFOUND, ECONNREFUSED, certificate...) in `cause`.
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = cause && 'code' in cause ? ` ${String(cause.code)}` : '';
  return cause ? `${error.message}:${code} ${cause.message}` : error.message;
}

async function fetchMetadata(registry: string, name: string): Promise<RegistryMetadata> {
  // Scoped names keep their @ and escape the slash: @koa/router -> @koa%2frouter.
  const url = `${registry}${name.replace('/', '%2f')}`;
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        // The abbreviated document where the registry offers it (much smaller), the full one otherwise.
        headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      lastError = describeFetchError(error);
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      lastError = `HTTP ${response.status} ${response.statusText}`;
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      lastError = `unreadable body (${describeFetchError(error)})`;
      continue;
    }
    const parsed = registryMetadata.safeParse(body);
    if (!parsed.success) throw new Error(`GET ${url}: unexpected metadata: ${describeIssues(parsed.error, 'document').join('; ')}`);
    return parsed.data;
  }
  throw new Error(`GET ${url}: ${lastError} (${ATTEMPTS} attempts)`);
}

/** Run `work` over `items`, at most `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  let lock: unknown;
  try {
    lock = JSON.parse(readFileSync(args.lockfile, 'utf8'));
  } catch (error) {
    throw new FatalError(`cannot read ${args.lockfile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let packages;
  try {
    packages = productionPackages(lock);
  } catch (error) {
    const detail = error instanceof ZodError ? describeIssues(error, 'lockfile').join('; ') : error instanceof Error ? error.message : String(error);
    throw new FatalError(`${args.lockfile} is not a usable lockfile: ${detail}`);
  }

  // The canary doubles as the reachability probe: one clear message instead of hundreds of failures.
  let canary: RegistryMetadata;
  try {
    canary = await fetchMetadata(args.registry, DEPRECATION_CANARY.name);
  } catch (error) {
    throw new FatalError(
      `registry ${args.registry} is unreachable or unusable: ${error instanceof Error ? error.message : String(error)}\n` +
        'Check the network/proxy, or point --registry (or npm_config_registry) at a reachable npm registry.',
    );
  }

  const names = [...new Set(packages.map((p) => p.name))];
  const metadata = new Map<string, RegistryMetadata>();
  const failures: FetchFailure[] = [];
  let done = 0;
  await pool(names, CONCURRENCY, async (name) => {
    try {
      metadata.set(name, await fetchMetadata(args.registry, name));
    } catch (error) {
      failures.push({ name, error: error instanceof Error ? error.message : String(error) });
    }
    done++;
    if (!args.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${names.length} looked up`);
  });
  if (!args.json && process.stderr.isTTY) process.stderr.write('\n');
  failures.sort((a, b) => (a.name < b.name ? -1 : 1));

  const result = review(packages, metadata, failures, registryReportsDeprecation(canary));
  process.stdout.write(args.json ? `${JSON.stringify({ registry: args.registry, ...result }, null, 2)}\n` : formatReview(result, args.registry));
  const code = exitCode(result, args.strict);
  if (code === 2 && !args.json) process.stderr.write('--strict: the check is incomplete (see above), exiting 2.\n');
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dependency-review: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
