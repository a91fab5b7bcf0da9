// A company's Google Ads connection (`lux integrations set google_ads`): an OAuth client with a refresh
// token of a user who can read the accounts, the developer token of our Google Ads API access, and the
// customer ids to import. Base URLs are configuration (tests point them at a local fake).
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

/** "123-456-7890" or "1234567890" → "1234567890" (the API wants the ten digits without dashes). */
const customerId = z
  .string()
  .trim()
  .transform((value) => value.replace(/-/g, ''))
  .pipe(z.string().regex(/^\d{10}$/, 'expected a Google Ads customer id such as 123-456-7890'));

export const googleAdsCredentialsSchema = z.object({
  /** Google Ads API Center → developer token (ours, approved for the access level we need). */
  developerToken: z.string().trim().min(1, 'the developer token must not be empty'),
  /** OAuth 2.0 client (Google Cloud console) and a refresh token granted the https://www.googleapis.com/auth/adwords scope. */
  clientId: z.string().trim().min(1),
  clientSecret: z.string().trim().min(1),
  refreshToken: z.string().trim().min(1),
  /** The ad accounts to import (comma-separated on the command line). */
  customerIds: z.preprocess(listInput, z.array(customerId).min(1, 'give at least one customer id')),
  /** The manager (MCC) account the user reaches the customers through, when there is one: sent as login-customer-id. */
  loginCustomerId: customerId.optional(),
  /** Google Ads API version; versions are sunset about a year after release, so this is configuration. */
  apiVersion: z.string().regex(/^v\d+$/, 'expected an API version such as v19').default('v19'),
  apiBaseUrl: httpBaseUrl.default('https://googleads.googleapis.com'),
  tokenUrl: httpBaseUrl.default('https://oauth2.googleapis.com/token'),
});

export type GoogleAdsCredentials = z.infer<typeof googleAdsCredentialsSchema>;
