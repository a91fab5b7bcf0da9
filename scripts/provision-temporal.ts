// `npm run temporal:provision`: make sure the Temporal CLI is available (CI runs this first).
import { findOrInstallTemporalCli } from './lib/temporal-cli';

findOrInstallTemporalCli({ log: (m) => process.stdout.write(`${m}\n`) })
  .then((cli) => process.stdout.write(`${cli.path}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
