// `lux users add --company <id> --login <name> --role admin|analyst [--password-stdin]`: a person who
// signs in at POST /admin/login (the password is prompted for, without echo, or read from stdin).
//   users list --company <id>          users disable --company <id> --login <name>
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { addAdminUser, disableAdminUser, listAdminUsers } from '../../lib/auth/admin-users';
import { withOwnerPool } from './owner-pool';
import { printJson as print } from './options';



async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password: pipe it in with --password-stdin');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(question);
  output._writeToOutput = () => undefined;
  return new Promise((resolve) =>
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    }),
  );
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('people with admin or analyst access (POST /admin/login)');
  users
    .command('add')
    .requiredOption('--company <id>')
    .requiredOption('--login <name>')
    .requiredOption('--role <role>', 'admin (everything) or analyst (read-only)')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .action(async (o: { company: string; login: string; role: string; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readStdin() : await promptHidden('Password (≥ 12 characters): ');
      const created = await withOwnerPool((pool) => addAdminUser(pool, { companyId: o.company, login: o.login, role: o.role as 'admin', password }));
      print({ ok: true, user_id: created.userId, login: created.login, role: created.role, company_id: o.company });
    });
  users
    .command('list')
    .requiredOption('--company <id>')
    .action(async (o: { company: string }) => print(await withOwnerPool((pool) => listAdminUsers(pool, o.company))));
  users
    .command('disable')
    .requiredOption('--company <id>')
    .requiredOption('--login <name>')
    .action(async (o: { company: string; login: string }) => print({ ok: await withOwnerPool((pool) => disableAdminUser(pool, o.company, o.login)) }));
}
