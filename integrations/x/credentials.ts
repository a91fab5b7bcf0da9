// A company's X (Twitter) connection (`lux integrations set x`): an API v2 bearer token (app-only, or a
// user's OAuth 2.0 token) that can read the accounts' posts, and the numeric user ids to import.
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

export const xCredentialsSchema = z.object({
  bearerToken: z.string().trim().min(1, 'the bearer token must not be empty'),
  /** Numeric X user ids (not @handles: a handle can change), comma-separated on the command line. */
  userIds: z.preprocess(listInput, z.array(z.string().trim().regex(/^\d{1,25}$/, 'expected a numeric X user id')).min(1, 'give at least one X user id')),
  apiBaseUrl: httpBaseUrl.default('https://api.x.com'),
});

export type XCredentials = z.infer<typeof xCredentialsSchema>;
