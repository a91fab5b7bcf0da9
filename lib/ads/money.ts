// Ad platforms report spend either in micros (Google: cost_micros, an int64 as a string) or as a decimal
// string in the account currency (Meta "12.34", TikTok "5.20"). Both become an exact integer number of
// micros first, then integer minor units; all arithmetic is on integers (BigInt), never floats.
import { minorUnitDigits } from '../commerce/money';

const MICROS_DIGITS = 6;
const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** "1230000" → 1230000. Throws on anything but a non-negative integer within the safe range. */
export function parseMicros(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!INTEGER.test(text)) throw new Error(`expected a non-negative integer number of micros, got ${JSON.stringify(value)}`);
  const micros = BigInt(text);
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount ${JSON.stringify(value)} micros is too large`);
  return Number(micros);
}

/**
 * "12.34" → 12340000 micros, exactly. Refuses more than six decimals (rounding a vendor's amount
 * silently would make spend wrong) and anything that is not a plain non-negative decimal.
 */
export function decimalToMicros(value: string | number): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new Error(`expected a non-negative decimal amount, got ${JSON.stringify(value)}`);
  const [, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > MICROS_DIGITS) throw new Error(`amount ${JSON.stringify(value)} has more than ${MICROS_DIGITS} decimals`);
  return parseMicros(`${whole}${significant.padEnd(MICROS_DIGITS, '0')}`);
}

/**
 * Micros → minor units of `currency`: 1230000 EUR → 123 (cents), 1500000000 JPY → 1500 (yen).
 * Exact whenever the micros are a whole number of minor units (Google's are in practice); otherwise
 * rounded half-up, and `exact` says so (spendMicros keeps the precise amount).
 */
export function microsToMinor(micros: number, currency: string): { minor: number; exact: boolean } {
  if (!Number.isSafeInteger(micros) || micros < 0) throw new Error(`expected a non-negative integer number of micros, got ${micros}`);
  const digits = minorUnitDigits(currency);
  const divisor = 10n ** BigInt(MICROS_DIGITS - Math.min(digits, MICROS_DIGITS));
  const value = BigInt(micros);
  const quotient = value / divisor;
  const remainder = value % divisor;
  const minor = remainder * 2n >= divisor ? quotient + 1n : quotient;
  return { minor: Number(minor), exact: remainder === 0n };
}
