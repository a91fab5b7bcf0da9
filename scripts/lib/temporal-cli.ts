// Finds the Temporal CLI (which embeds the real Temporal server used by `start-dev`), or installs it.
// Order: $TEMPORAL_CLI → `temporal` on PATH → our cache → `go install` into the cache → Temporal's CDN.
// Every step says what it did; when none works the error lists what was tried.
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** v1.5.1 is the newest tag that `go install` can build (later tags carry a replace directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install' | 'download';
export type TemporalCli = { path: string; source: TemporalCliSource };
type Log = (message: string) => void;

export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.LUX_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lux-analytics');
  return path.join(base, `temporal-${TEMPORAL_CLI_VERSION}`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function goInstall(goBinary: string, cacheDir: string, log: Log): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  log(`Building the Temporal CLI with \`go install ${GO_PACKAGE}\` into ${cacheDir} (a few minutes, once)…`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(goBinary, ['install', GO_PACKAGE], {
      env: { ...process.env, GOBIN: cacheDir, CGO_ENABLED: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install exited with ${code}: ${stderr.trim()}`)),
    );
  });
  return path.join(cacheDir, 'temporal');
}

function cdnPlatform(): { platform: string; arch: string } {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return { platform, arch };
}

async function download(cacheDir: string, log: Log): Promise<string> {
  const { platform, arch } = cdnPlatform();
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
  log(`Downloading the Temporal CLI from ${url}…`);
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  await mkdir(cacheDir, { recursive: true });
  const archive = path.join(cacheDir, 'temporal.tar.gz');
  await writeFile(archive, Buffer.from(await response.arrayBuffer()));
  await execFileAsync('tar', ['-xzf', archive, '-C', cacheDir, 'temporal']);
  await rm(archive, { force: true });
  return path.join(cacheDir, 'temporal');
}

export async function findOrInstallTemporalCli(
  options: { log?: Log; env?: NodeJS.ProcessEnv } = {},
): Promise<TemporalCli> {
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const tried: string[] = [];

  if (env.TEMPORAL_CLI) {
    if (await isExecutable(env.TEMPORAL_CLI)) {
      log(`Temporal CLI: ${env.TEMPORAL_CLI} (from TEMPORAL_CLI)`);
      return { path: env.TEMPORAL_CLI, source: 'TEMPORAL_CLI' };
    }
    // An explicit setting that points nowhere is a mistake to report, not to route around.
    throw new Error(`TEMPORAL_CLI is set to ${env.TEMPORAL_CLI}, which is not an executable file.`);
  }

  const onPath = await findOnPath('temporal', env);
  if (onPath) {
    log(`Temporal CLI: ${onPath} (found on PATH)`);
    return { path: onPath, source: 'PATH' };
  }
  tried.push('no `temporal` on PATH');

  const cacheDir = temporalCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) {
    log(`Temporal CLI: ${cached} (cached)`);
    return { path: cached, source: 'cache' };
  }
  tried.push(`nothing cached at ${cached}`);

  const go = await findOnPath('go', env);
  if (go) {
    try {
      const built = await goInstall(go, cacheDir, log);
      log(`Temporal CLI: built ${built}`);
      return { path: built, source: 'go install' };
    } catch (error) {
      tried.push(`go install failed: ${(error as Error).message}`);
    }
  } else {
    tried.push('no Go toolchain on PATH for `go install`');
  }

  try {
    const downloaded = await download(cacheDir, log);
    log(`Temporal CLI: downloaded ${downloaded}`);
    return { path: downloaded, source: 'download' };
  } catch (error) {
    tried.push(`download failed: ${(error as Error).message}`);
  }

  throw new Error(
    `Could not find or install the Temporal CLI v${TEMPORAL_CLI_VERSION}:\n  - ${tried.join('\n  - ')}\n` +
      'Install it yourself and set TEMPORAL_CLI=/path/to/temporal, or point TEMPORAL_ADDRESS at a running server.',
  );
}
