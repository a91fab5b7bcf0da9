// The Google Ads API request bodies of a Customer Match upload (REST JSON, camelCase), built from what a
// sync planned. Pure. Field names as in Google's reference (docs/audiences.md cites the pages):
//   POST /v{N}/customers/{cid}/userLists:mutate             {operations: [{create: UserList}]}
//   POST /v{N}/customers/{cid}/offlineUserDataJobs:create   {job: OfflineUserDataJob}
//   POST /v{N}/{job resource name}:addOperations            {operations, enablePartialFailure}
//   POST /v{N}/{job resource name}:run                      {}
import { isSha256Hex } from '../forwarding/hashing';

export type JobKind = 'add' | 'remove';

/** The customer list, created once per audience: matched on hashed contact info (our email hashes). */
export function createUserListBody(input: { name: string; description: string; membershipLifeSpanDays: number }): Record<string, unknown> {
  return {
    operations: [
      {
        create: {
          name: input.name,
          description: input.description,
          membershipLifeSpan: String(input.membershipLifeSpanDays), // int64: a string in REST JSON
          crmBasedUserList: { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' },
        },
      },
    ],
  };
}

/**
 * One job per kind and sync. Additions carry the consent of the people in them (only people whose newest
 * stated marketing consent is yes get into an addition: lib/audiences/segments.ts). Removals carry none:
 * Google does not need consent to take someone off a list, and those people may have withdrawn it.
 */
export function createJobBody(userListResourceName: string, kind: JobKind): Record<string, unknown> {
  return {
    job: {
      type: 'CUSTOMER_MATCH_USER_LIST',
      customerMatchUserListMetadata: {
        userList: userListResourceName,
        ...(kind === 'add' ? { consent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' } } : {}),
      },
    },
  };
}

/** One request of a job: one operation per person, each with their hashed email as the only identifier. */
export function addOperationsBody(kind: JobKind, emailHashes: readonly string[]): Record<string, unknown> {
  const bad = emailHashes.find((h) => !isSha256Hex(h));
  if (bad !== undefined) throw new TypeError('addOperationsBody: every identifier must be a lower-case SHA-256 hex digest');
  const verb = kind === 'add' ? 'create' : 'remove';
  return {
    operations: emailHashes.map((hashedEmail) => ({ [verb]: { userIdentifiers: [{ hashedEmail }] } })),
    enablePartialFailure: true,
  };
}

/** The operations[] positions a partialFailureError names (GoogleAdsFailure errors[].location.fieldPathElements). */
export function failedOperationIndexes(partialFailureError: { details?: unknown[] } | undefined): number[] {
  const indexes = new Set<number>();
  for (const detail of partialFailureError?.details ?? []) {
    const errors = (detail as { errors?: Array<{ location?: { fieldPathElements?: Array<{ fieldName?: string; index?: number }> } }> }).errors ?? [];
    for (const e of errors) {
      const element = e.location?.fieldPathElements?.find((f) => f.fieldName === 'operations');
      if (element !== undefined && typeof element.index === 'number') indexes.add(element.index);
    }
  }
  return [...indexes].sort((a, b) => a - b);
}
