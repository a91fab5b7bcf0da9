import { decimalToMinorUnits, minorUnitDigits } from '../../../lib/commerce/money';

describe('decimalToMinorUnits', () => {
  it.each([
    ['19.99', 'EUR', 1999],
    ['0.10', 'USD', 10],
    ['5.5', 'EUR', 550],
    ['1000', 'JPY', 1000],
    ['1000.00', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['19.990', 'EUR', 1999],
    ['-3.50', 'EUR', -350],
    [' 7.00 ', 'gbp', 700],
  ])('converts %p %s to %p minor units', (amount, currency, expected) => {
    expect(decimalToMinorUnits(amount, currency)).toBe(expected);
  });

  it('converts a JSON number written as a plain decimal exactly (19.99 is not 1998.99...)', () => {
    expect(decimalToMinorUnits(19.99, 'EUR')).toBe(1999);
    expect(decimalToMinorUnits(0.3, 'USD')).toBe(30);
  });

  it.each([
    ['19.999', 'EUR', /more decimals than EUR allows \(2\)/],
    ['10.5', 'JPY', /more decimals than JPY allows \(0\)/],
    ['abc', 'EUR', /not a decimal amount/],
    ['1e3', 'EUR', /not a decimal amount/],
    ['', 'EUR', /not a decimal amount/],
    ['99999999999999999999', 'EUR', /too large/],
  ])('refuses %p %s rather than rounding or guessing', (amount, currency, message) => {
    expect(() => decimalToMinorUnits(amount, currency)).toThrow(message);
  });

  it('knows the minor unit of common currencies', () => {
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('jpy')).toBe(0);
    expect(minorUnitDigits('BHD')).toBe(3);
  });
});
