// Daily FX rates from a CSV file, for `lux fx load <csv>`. Two layouts are read:
//
//   long (ours):  day,base_currency,quote_currency,rate[,source]
//                 2024-03-01,EUR,USD,1.0850,ecb
//   ECB wide:     Date,USD,JPY,...        (eurofxref-hist.csv / eurofxref.csv from the ECB: EUR base,
//                 2024-03-01,1.0850,162.50,...   one column per currency, "N/A" where there is none)
//
// Rates stay decimal text all the way into Postgres numeric: never parsed into a float. Every problem is
// reported with its line number, and nothing is loaded when any line is wrong.
import { isDay } from '../ads/days';

export type FxRate = { day: string; baseCurrency: string; quoteCurrency: string; rate: string; source: string };
export type FxCsvResult = { ok: true; rates: FxRate[]; skipped: number } | { ok: false; errors: string[] };

const CURRENCY = /^[A-Z]{3}$/;
const RATE = /^\d+(?:\.\d+)?$/;

export function parseFxRatesCsv(text: string, defaultSource: string): FxCsvResult {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, index) => ({ number: index + 1, cells: line.split(',').map((cell) => cell.trim()) }))
    .filter((line) => line.cells.some((cell) => cell !== ''));
  const header = lines.shift();
  if (!header) return { ok: false, errors: ['the file is empty'] };
  const names = header.cells.map((cell) => cell.toLowerCase());
  if (names[0] === 'day' && names[1] === 'base_currency' && names[2] === 'quote_currency' && names[3] === 'rate') return parseLong(lines, names.length > 4 && names[4] === 'source', defaultSource);
  if (names[0] === 'date' && header.cells.slice(1).filter((c) => c !== '').every((c) => CURRENCY.test(c))) return parseEcbWide(lines, header.cells, defaultSource);
  return { ok: false, errors: [`line ${header.number}: expected the header "day,base_currency,quote_currency,rate[,source]" or an ECB file ("Date,USD,JPY,...")`] };
}

type Line = { number: number; cells: string[] };

function parseLong(lines: Line[], hasSource: boolean, defaultSource: string): FxCsvResult {
  const errors: string[] = [];
  const rates: FxRate[] = [];
  for (const { number, cells } of lines) {
    const [day = '', base = '', quote = '', rate = '', source = ''] = cells;
    const problem = checkRate(day, base.toUpperCase(), quote.toUpperCase(), rate);
    if (problem) errors.push(`line ${number}: ${problem}`);
    else rates.push({ day, baseCurrency: base.toUpperCase(), quoteCurrency: quote.toUpperCase(), rate, source: hasSource && source !== '' ? source : defaultSource });
  }
  return finish(errors, rates, 0);
}

function parseEcbWide(lines: Line[], header: string[], defaultSource: string): FxCsvResult {
  const errors: string[] = [];
  const rates: FxRate[] = [];
  let skipped = 0;
  for (const { number, cells } of lines) {
    const day = cells[0] ?? '';
    for (let column = 1; column < header.length; column += 1) {
      const quote = header[column] ?? '';
      const rate = cells[column] ?? '';
      if (quote === '') continue; // the ECB files end every line with a comma
      if (rate === '' || rate.toUpperCase() === 'N/A') {
        skipped += 1;
        continue;
      }
      const problem = checkRate(day, 'EUR', quote, rate);
      if (problem) errors.push(`line ${number}, ${quote}: ${problem}`);
      else rates.push({ day, baseCurrency: 'EUR', quoteCurrency: quote, rate, source: defaultSource });
    }
  }
  return finish(errors, rates, skipped);
}

function checkRate(day: string, base: string, quote: string, rate: string): string | null {
  if (!isDay(day)) return `day ${JSON.stringify(day)} is not a calendar day (YYYY-MM-DD)`;
  if (!CURRENCY.test(base)) return `base currency ${JSON.stringify(base)} is not an ISO 4217 code`;
  if (!CURRENCY.test(quote)) return `quote currency ${JSON.stringify(quote)} is not an ISO 4217 code`;
  if (base === quote) return `base and quote currency are both ${base}`;
  if (!RATE.test(rate) || !/[1-9]/.test(rate)) return `rate ${JSON.stringify(rate)} is not a positive decimal such as 1.0850`;
  return null;
}

function finish(errors: string[], rates: FxRate[], skipped: number): FxCsvResult {
  if (errors.length > 0) return { ok: false, errors };
  const seen = new Map<string, FxRate>();
  const duplicates: string[] = [];
  for (const rate of rates) {
    const key = `${rate.day} ${rate.baseCurrency}/${rate.quoteCurrency}`;
    if (seen.has(key)) duplicates.push(`${key} appears more than once`);
    seen.set(key, rate);
  }
  if (duplicates.length > 0) return { ok: false, errors: duplicates };
  return { ok: true, rates, skipped };
}
