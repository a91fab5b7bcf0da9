import { z } from 'zod';

/** Input for creating a company; validated before it reaches the database. */
export const companyInputSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  timeZone: z.string().refine(isIanaTimeZone, 'expected an IANA time zone such as Europe/Berlin'),
  reportingCurrency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR'),
});
export type CompanyInput = z.infer<typeof companyInputSchema>;

export function isIanaTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}
