// A company's Meta (Facebook/Instagram) ads connection (`lux integrations set meta`): a system-user
// access token with ads_read on the ad accounts, and the ad account ids to import.
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

/** "act_123" or "123" → "123" (the path adds the act_ prefix). */
const adAccountId = z
  .string()
  .trim()
  .transform((value) => value.replace(/^act_/, ''))
  .pipe(z.string().regex(/^\d{1,20}$/, 'expected a Meta ad account id such as act_1234567890'));

export const metaCredentialsSchema = z.object({
  /** Business Manager → System users → Generate token, with the ads_read permission. */
  accessToken: z.string().trim().min(1, 'the access token must not be empty'),
  /** The ad accounts to import (comma-separated on the command line). */
  adAccountIds: z.preprocess(listInput, z.array(adAccountId).min(1, 'give at least one ad account id')),
  /** Graph API version; versions expire about two years after release, so this is configuration. */
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'expected a Graph API version such as v21.0').default('v21.0'),
  apiBaseUrl: httpBaseUrl.default('https://graph.facebook.com'),
});

export type MetaCredentials = z.infer<typeof metaCredentialsSchema>;
