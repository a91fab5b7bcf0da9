// Money arrives from vendors as decimal strings ("19.99", WooCommerce and Shopify) or already in minor
// units (Stripe). We store integer minor units, so decimal strings are converted exactly, digit by
// digit: never through a float (0.1 + 0.2 is not 0.3, and 19.99 * 100 is 1998.9999999999998).

/** ISO 4217 currencies whose minor unit is not 2 digits. Everything else has 2. */
const MINOR_UNIT_DIGITS: Record<string, number> = {
  // no minor unit
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // three digits
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // four digits
  CLF: 4, UYW: 4,
};

export function minorUnitDigits(currency: string): number {
  return MINOR_UNIT_DIGITS[currency.toUpperCase()] ?? 2;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * "19.99" EUR → 1999; "1000" JPY → 1000; "5.5" EUR → 550. Throws (with the value in the message) when
 * the text is not a plain decimal or carries more digits than the currency has, except trailing
 * zeros ("19.990" is fine): silently rounding a vendor's amount would make revenue wrong.
 */
export function decimalToMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === 'number' ? numberToPlainText(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ''] = match;
  const digits = minorUnitDigits(currency);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > digits) {
    throw new Error(`amount ${JSON.stringify(amount)} has more decimals than ${currency.toUpperCase()} allows (${digits})`);
  }
  const minor = Number(`${whole}${significant.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) throw new Error(`amount ${JSON.stringify(amount)} is too large`);
  return sign === '-' ? -minor : minor;
}

/** A JSON number as the decimal text it was written as (12.5 → "12.5"); exponents are refused. */
function numberToPlainText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite amount: ${value}`);
  const text = String(value);
  if (/e/i.test(text)) throw new Error(`amount ${text} is not a plain decimal`);
  return text;
}
