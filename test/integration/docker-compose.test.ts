// docker-compose.yml is for our users (there is no Docker engine here); a compose client can still
// parse and validate it. `docker compose` (v2 plugin) is preferred, `docker-compose` accepted.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const env = { ...process.env, IP_HASH_SECRET: 'x'.repeat(64) };

async function findComposeClient(): Promise<string[] | undefined> {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(command[0]!, [...command.slice(1), 'version'], { env });
      return command;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

let compose: string[] | undefined;
beforeAll(async () => {
  compose = await findComposeClient();
  if (!compose) console.warn('SKIPPED docker-compose validation: no `docker compose` or `docker-compose` client on this machine.');
});

test('docker-compose.yml is valid and defines the whole production-like stack', async () => {
  if (!compose) return;
  const [cmd, ...args] = compose;
  await run(cmd!, [...args, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env });
  const { stdout } = await run(cmd!, [...args, '-f', 'docker-compose.yml', 'config', '--services'], { cwd: root, env });
  expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
    ['collector', 'mailpit', 'metabase', 'migrate', 'postgres', 'temporal', 'temporal-init', 'temporal-ui', 'worker-analytics', 'worker-imports', 'worker-notifications'].sort(),
  );
});

test('the stack refuses to start without IP_HASH_SECRET', async () => {
  if (!compose) return;
  const [cmd, ...args] = compose;
  const withoutSecret = { ...process.env };
  delete withoutSecret.IP_HASH_SECRET;
  await expect(run(cmd!, [...args, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env: withoutSecret })).rejects.toThrow(
    /IP_HASH_SECRET/,
  );
});
