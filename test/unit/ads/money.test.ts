import { decimalToMicros, microsToMinor, parseMicros } from '../../../lib/ads/money';
import { parseFxRatesCsv } from '../../../lib/fx/rates-csv';

describe('ad spend money', () => {
  it('reads micros as exact integers and refuses anything else', () => {
    expect(parseMicros('1230000')).toBe(1_230_000);
    expect(parseMicros('0')).toBe(0);
    expect(() => parseMicros('-5')).toThrow(/non-negative integer/);
    expect(() => parseMicros('1.5')).toThrow(/non-negative integer/);
    expect(() => parseMicros('99999999999999999999')).toThrow(/too large/);
  });

  it('converts decimal strings to micros digit by digit (no float: 19.99 stays 19990000)', () => {
    expect(decimalToMicros('19.99')).toBe(19_990_000);
    expect(decimalToMicros('0.1')).toBe(100_000);
    expect(decimalToMicros('12.345678')).toBe(12_345_678);
    expect(decimalToMicros('5.200000000')).toBe(5_200_000);
    expect(() => decimalToMicros('1.2345678')).toThrow(/more than 6 decimals/);
    expect(() => decimalToMicros('1e3')).toThrow(/decimal/);
    expect(() => decimalToMicros('-1.00')).toThrow(/non-negative/);
  });

  it('turns micros into minor units of the currency exactly, rounding half-up only sub-minor precision', () => {
    expect(microsToMinor(1_230_000, 'EUR')).toEqual({ minor: 123, exact: true });
    expect(microsToMinor(1_500_000_000, 'JPY')).toEqual({ minor: 1500, exact: true });
    expect(microsToMinor(1_234_000, 'KWD')).toEqual({ minor: 1234, exact: true });
    expect(microsToMinor(1_234_567, 'EUR')).toEqual({ minor: 123, exact: false });
    expect(microsToMinor(1_235_000, 'EUR')).toEqual({ minor: 124, exact: false });
    expect(microsToMinor(0, 'USD')).toEqual({ minor: 0, exact: true });
  });
});

describe('parseFxRatesCsv', () => {
  it('reads our long layout, keeping rates as decimal text', () => {
    const result = parseFxRatesCsv('day,base_currency,quote_currency,rate,source\n2024-03-01,EUR,USD,1.0850,ecb\n2024-03-01,eur,gbp,0.85500\n', 'file.csv');
    expect(result).toEqual({
      ok: true,
      skipped: 0,
      rates: [
        { day: '2024-03-01', baseCurrency: 'EUR', quoteCurrency: 'USD', rate: '1.0850', source: 'ecb' },
        { day: '2024-03-01', baseCurrency: 'EUR', quoteCurrency: 'GBP', rate: '0.85500', source: 'file.csv' },
      ],
    });
  });

  it("reads the ECB's wide file (EUR base, trailing commas, N/A cells skipped)", () => {
    const result = parseFxRatesCsv('Date,USD,JPY,RUB,\n2024-03-01,1.0850,162.50,N/A,\n2024-02-29,1.0813,162.39,N/A,\n', 'eurofxref-hist.csv');
    expect(result.ok && result.rates.map((r) => `${r.day} ${r.baseCurrency}/${r.quoteCurrency} ${r.rate}`)).toEqual([
      '2024-03-01 EUR/USD 1.0850',
      '2024-03-01 EUR/JPY 162.50',
      '2024-02-29 EUR/USD 1.0813',
      '2024-02-29 EUR/JPY 162.39',
    ]);
    expect(result.ok && result.skipped).toBe(2);
  });

  it('names every wrong line and loads nothing', () => {
    const result = parseFxRatesCsv('day,base_currency,quote_currency,rate\n2024-02-30,EUR,USD,1.08\n2024-03-01,EUR,EUR,1\n2024-03-01,EUR,USD,0\n2024-03-01,EUR,USD,1.1\n2024-03-01,EUR,USD,1.2\n', 'x');
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^line 2: day/), expect.stringMatching(/^line 3: base and quote/), expect.stringMatching(/^line 4: rate "0"/)] });
    expect(parseFxRatesCsv('2024-03-01,EUR,USD,1.1\n', 'x')).toEqual({ ok: false, errors: [expect.stringMatching(/expected the header/)] });
    expect(parseFxRatesCsv('day,base_currency,quote_currency,rate\n2024-03-01,EUR,USD,1.1\n2024-03-01,EUR,USD,1.2\n', 'x')).toEqual({ ok: false, errors: ['2024-03-01 EUR/USD appears more than once'] });
  });
});
