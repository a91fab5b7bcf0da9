// Proves the ESLint rules that keep workflows deterministic actually fire: lints a probe file's text
// (never written to disk) as if it lived in workflows/.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

type LintResult = { messages: Array<{ ruleId: string | null; message: string }> };

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const eslintBin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const pending = run(process.execPath, [eslintBin, '--stdin', '--stdin-filename', filePath, '--format', 'json'], { cwd: root });
  pending.child.stdin?.end(code);
  // ESLint exits 1 when it reports errors; its JSON is on stdout either way.
  const { stdout } = await pending.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }));
  const [result] = JSON.parse(stdout) as LintResult[];
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const probe = 'workflows/__lint_probe__.ts';

describe('workflow determinism lint rules', () => {
  jest.setTimeout(60_000);

  it('reject Node builtins, database/HTTP/email packages and value imports of activities in workflows/', async () => {
    const messages = await lintAs(
      probe,
      [
        "import { readFileSync } from 'node:fs';",
        "import pg from 'pg';",
        "import nodemailer from 'nodemailer';",
        "import { createActivities } from '../activities';",
        'export const used = [readFileSync, pg, nodemailer, createActivities];',
        '',
      ].join('\n'),
    );
    expect(messages.join('\n')).toMatch(/'node:fs' import is restricted/);
    expect(messages.join('\n')).toMatch(/'pg' import is restricted/);
    expect(messages.join('\n')).toMatch(/'nodemailer' import is restricted/);
    expect(messages.join('\n')).toMatch(/'\.\.\/activities' import is restricted/);
  });

  it('allow type-only imports of activities and the workflow SDK', async () => {
    const messages = await lintAs(
      probe,
      [
        "import { proxyActivities } from '@temporalio/workflow';",
        "import type { Activities } from '../activities';",
        "export const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });",
        '',
      ].join('\n'),
    );
    expect(messages).toEqual([]);
  });

  it('make a floating promise an error', async () => {
    const messages = await lintAs(probe, 'async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n');
    expect(messages).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises/)]);
  });
});
