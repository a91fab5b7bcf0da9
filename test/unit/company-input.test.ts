import { companyInputSchema, isIanaTimeZone } from '../../lib/companies/company-input';

describe('company input', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata'])('accepts the IANA zone %s', (zone) => {
    expect(isIanaTimeZone(zone)).toBe(true);
  });
  it.each(['Mars/Olympus', 'CEST', '+02:00', ''])('rejects %j as a time zone', (zone) => {
    expect(isIanaTimeZone(zone)).toBe(false);
  });
  it('requires an ISO 4217 reporting currency', () => {
    const result = companyInputSchema.safeParse({ name: 'Shop', timeZone: 'UTC', reportingCurrency: 'eur' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('ISO 4217');
  });
});
