// `lux fx load <csv> [--source ecb]`: loads daily FX rates by hand into the global fx_rates table (owner
// connection). Layouts: docs/fx.md (ours, day,base_currency,quote_currency,rate[,source], or the ECB's
// eurofxref-hist.csv as downloaded). Nothing is loaded when any line is wrong; every wrong line is named.
// `lux fx convert --amount 1999 --from USD --to EUR --day 2024-03-01`: what a conversion gives, and with which rate.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { loadFxRates } from '../../lib/fx/load-rates';
import { parseFxRatesCsv } from '../../lib/fx/rates-csv';
import { withOwnerPool } from './owner-pool';
import { printJson as print } from './options';



const conversionRow = z.object({ converted_minor: z.coerce.number().nullable(), rate: z.string().nullable(), rate_day: z.string().nullable(), method: z.string().nullable() });

export function registerFxCommands(program: Command): void {
  const fx = program.command('fx').description('daily FX rates (global: the same for every company)');

  fx.command('load')
    .description('load daily FX rates from a CSV file (ours or the ECB eurofxref-hist.csv)')
    .argument('<csv>', 'path of the CSV file')
    .option('--source <name>', 'where the rates come from, stored with each rate (default: the file name)')
    .action(async (file: string, options: { source?: string }) => {
      const parsed = parseFxRatesCsv(await readFile(file, 'utf8'), options.source ?? path.basename(file));
      if (!parsed.ok) throw new Error(`${file}: nothing loaded:\n  ${parsed.errors.slice(0, 50).join('\n  ')}${parsed.errors.length > 50 ? `\n  … and ${parsed.errors.length - 50} more` : ''}`);
      const result = await withOwnerPool((pool) => loadFxRates(pool, parsed.rates));
      const days = parsed.rates.map((r) => r.day).sort();
      print({ ok: true, file, rates: parsed.rates.length, written: result.written, unchanged: result.unchanged, emptyCellsSkipped: parsed.skipped, from: days[0] ?? null, to: days.at(-1) ?? null });
    });

  fx.command('convert')
    .description('convert an amount in minor units on a day, showing the rate used (or that there is none)')
    .requiredOption('--amount <minor>', 'amount in minor units, e.g. 1999')
    .requiredOption('--from <currency>')
    .requiredOption('--to <currency>')
    .requiredOption('--day <YYYY-MM-DD>')
    .action(async (o: { amount: string; from: string; to: string; day: string }) => {
      if (!/^-?\d+$/.test(o.amount)) throw new Error(`--amount ${o.amount} is not a whole number of minor units`);
      const row = await withOwnerPool((pool) =>
        pool.one(sql.type(conversionRow)`
          SELECT fx_convert_minor(${o.amount}::bigint, ${o.from}, ${o.to}, ${o.day}::date) AS converted_minor, l.rate::text AS rate, l.rate_day::text AS rate_day, l.method
          FROM (SELECT 1) one LEFT JOIN LATERAL fx_lookup(${o.from}, ${o.to}, ${o.day}::date) l ON true`),
      );
      print({ ok: row.converted_minor !== null, amountMinor: Number(o.amount), from: o.from.toUpperCase(), to: o.to.toUpperCase(), day: o.day, convertedMinor: row.converted_minor, rate: row.rate, rateDay: row.rate_day, method: row.method, ...(row.rate === null ? { error: 'no FX rate for this pair within 6 days before this day' } : {}) });
    });
}
