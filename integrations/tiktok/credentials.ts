// A company's TikTok ads connection (`lux integrations set tiktok`): a Business API access token of an
// app authorised by the advertiser, and the advertiser ids to import.
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

export const tiktokCredentialsSchema = z.object({
  /** TikTok for Business developer portal → the app's long-lived access token (sent as Access-Token). */
  accessToken: z.string().trim().min(1, 'the access token must not be empty'),
  /** The advertiser accounts to import (comma-separated on the command line). */
  advertiserIds: z.preprocess(listInput, z.array(z.string().trim().regex(/^\d{1,30}$/, 'expected a TikTok advertiser id (digits)')).min(1, 'give at least one advertiser id')),
  apiBaseUrl: httpBaseUrl.default('https://business-api.tiktok.com'),
});

export type TikTokCredentials = z.infer<typeof tiktokCredentialsSchema>;
