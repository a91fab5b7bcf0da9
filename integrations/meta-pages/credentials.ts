// A company's Meta organic connection (`lux integrations set meta_pages`): a token that can read the
// insights of the Facebook Pages and Instagram professional accounts to import (a Page access token, or a
// system-user token of a system user assigned to the Pages, with read_insights, pages_read_engagement and
// instagram_manage_insights), and their ids. Separate from `meta` (ads_read on ad accounts): a different
// token, permissions and owner in most businesses.
import { z } from 'zod';
import { httpBaseUrl } from '../base-url';
import { listInput } from '../ad-report-stream';

const graphId = z.string().trim().regex(/^\d{1,25}$/, 'expected a numeric Graph API id');

export const metaPagesCredentialsSchema = z
  .object({
    accessToken: z.string().trim().min(1, 'the access token must not be empty'),
    /** Facebook Page ids (comma-separated on the command line). */
    facebookPageIds: z.preprocess(listInput, z.array(graphId)).default([]),
    /** Instagram professional account (IG user) ids. */
    instagramAccountIds: z.preprocess(listInput, z.array(graphId)).default([]),
    apiVersion: z.string().regex(/^v\d+\.\d+$/, 'expected a Graph API version such as v21.0').default('v21.0'),
    apiBaseUrl: httpBaseUrl.default('https://graph.facebook.com'),
  })
  .refine((c) => c.facebookPageIds.length + c.instagramAccountIds.length > 0, { message: 'give at least one Facebook Page id or Instagram account id', path: ['facebookPageIds'] });

export type MetaPagesCredentials = z.infer<typeof metaPagesCredentialsSchema>;
