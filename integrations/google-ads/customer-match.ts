// Google Ads Customer Match (REST, v17+; docs/audiences.md cites Google's reference for each field):
//   userLists:mutate                 create the customer list once → results[0].resourceName
//   googleAds:searchStream (GAQL)    find a list by name (a create whose answer we never saw did create it)
//   offlineUserDataJobs:create       a CUSTOMER_MATCH_USER_LIST job for the list → resourceName
//   {job}:addOperations              create/remove operations, ≤ 10,000 identifiers a request, with
//                                    enablePartialFailure (200 + partialFailureError for refused operations)
//   {job}:run                        start processing → a long-running Operation (name); Google takes
//                                    hours, LUX does not wait for it
// Pure I/O with zod-checked answers; what to send is decided in lib/audiences.
import { z } from 'zod';
import { postGoogleAds, googleErrorCodes } from './client';
import type { GoogleAdsCredentials } from './credentials';
import { googleAccessToken } from './import';
import { googleAdsSearchStreamSchema } from './schemas';

const resourceName = (kind: string) => z.string().regex(new RegExp(`^customers/\\d{10}/${kind}/\\d+$`), `expected a ${kind} resource name`);
export const userListResourceNameSchema = resourceName('userLists');
export const offlineUserDataJobResourceNameSchema = resourceName('offlineUserDataJobs');

const mutateUserListsResponse = z.object({ results: z.array(z.object({ resourceName: userListResourceNameSchema }).passthrough()).min(1) }).passthrough();
const createJobResponse = z.object({ resourceName: offlineUserDataJobResourceNameSchema }).passthrough();
const statusSchema = z.object({ code: z.number().optional(), message: z.string().optional(), details: z.array(z.unknown()).optional() }).passthrough();
export const addOperationsResponseSchema = z.object({ partialFailureError: statusSchema.optional(), warning: statusSchema.optional() }).passthrough();
export type AddOperationsResponse = z.infer<typeof addOperationsResponseSchema>;
const runJobResponse = z.object({ name: z.string().optional() }).passthrough();
const userListRow = z.object({ userList: z.object({ resourceName: userListResourceNameSchema }).passthrough() }).passthrough();

/** The list name is taken in this customer: a list with it exists already (maybe ours, created by an attempt whose answer was lost). */
export class UserListNameTakenError extends Error {
  override name = 'UserListNameTakenError';
}

export type CustomerMatchClient = ReturnType<typeof createCustomerMatchClient>;

export function createCustomerMatchClient(credentials: GoogleAdsCredentials, options: { timeoutMs?: number } = {}) {
  const token = googleAccessToken(credentials); // one token for the whole sync, refreshed when it expires
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  return {
    async createUserList(customerId: string, body: unknown): Promise<string> {
      const response = await postGoogleAds(
        credentials,
        token,
        {
          path: `customers/${customerId}/userLists:mutate`,
          body,
          operation: 'userLists:mutate',
          ...timeout,
          classifyError: (failure) => (googleErrorCodes(safeJson(failure.text)).includes('userListError:NAME_ALREADY_USED') ? new UserListNameTakenError('google_ads: a user list with this name exists already') : null),
        },
        mutateUserListsResponse,
      );
      return response.results[0]?.resourceName as string;
    },

    /** Our list by its (LUX-generated) name, or null. */
    async findUserListByName(customerId: string, name: string): Promise<string | null> {
      if (!/^[\w ().-]+$/.test(name)) throw new TypeError(`findUserListByName: unexpected characters in ${JSON.stringify(name)}`);
      const batches = await postGoogleAds(
        credentials,
        token,
        { path: `customers/${customerId}/googleAds:searchStream`, body: { query: `SELECT user_list.resource_name FROM user_list WHERE user_list.name = '${name}'` }, operation: 'searchStream', ...timeout },
        googleAdsSearchStreamSchema,
      );
      for (const batch of batches) for (const row of batch.results ?? []) return userListRow.parse(row).userList.resourceName;
      return null;
    },

    async createJob(customerId: string, body: unknown): Promise<string> {
      const response = await postGoogleAds(credentials, token, { path: `customers/${customerId}/offlineUserDataJobs:create`, body, operation: 'offlineUserDataJobs:create', ...timeout }, createJobResponse);
      return response.resourceName;
    },

    async addOperations(jobResourceName: string, body: unknown): Promise<AddOperationsResponse> {
      offlineUserDataJobResourceNameSchema.parse(jobResourceName);
      return postGoogleAds(credentials, token, { path: `${jobResourceName}:addOperations`, body, operation: 'offlineUserDataJobs:addOperations', ...timeout }, addOperationsResponseSchema);
    },

    async runJob(jobResourceName: string): Promise<string | null> {
      offlineUserDataJobResourceNameSchema.parse(jobResourceName);
      const response = await postGoogleAds(credentials, token, { path: `${jobResourceName}:run`, body: {}, operation: 'offlineUserDataJobs:run', ...timeout }, runJobResponse);
      return response.name ?? null;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
