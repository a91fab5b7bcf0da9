// A company's GA4 Measurement Protocol connection, for teams that keep GA4 as a secondary view: the web
// stream's measurement id and an API secret (Admin → Data streams → Measurement Protocol API secrets).
// Server-side only: no Google script ever runs in the shop's browser.
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';

export const ga4CredentialsSchema = z.object({
  measurementId: z.string().trim().regex(/^G-[A-Z0-9]{4,20}$/, 'expected a GA4 measurement id such as G-ABC123DEF4'),
  apiSecret: z.string().trim().min(8, 'the API secret must not be empty'),
  apiBaseUrl: httpBaseUrl.default('https://www.google-analytics.com'),
});

export type Ga4Credentials = z.infer<typeof ga4CredentialsSchema>;
