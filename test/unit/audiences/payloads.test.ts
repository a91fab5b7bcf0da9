// The Google Ads Customer Match request bodies (lib/audiences/payloads.ts).
import { createHash } from 'node:crypto';
import { addOperationsBody, createJobBody, createUserListBody, failedOperationIndexes } from '../../../lib/audiences/payloads';
import { userListName } from '../../../lib/audiences/settings';

const sha = (v: string): string => createHash('sha256').update(v).digest('hex');

test('the customer list is a CRM list matched on contact info, life span as an int64 string', () => {
  expect(createUserListBody({ name: 'LUX Purchasers (abcd1234)', description: 'd', membershipLifeSpanDays: 540 })).toEqual({
    operations: [{ create: { name: 'LUX Purchasers (abcd1234)', description: 'd', membershipLifeSpan: '540', crmBasedUserList: { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' } } }],
  });
});

test('an additions job states the consent of its people; a removals job states none', () => {
  const list = 'customers/1234567890/userLists/42';
  expect(createJobBody(list, 'add')).toEqual({
    job: { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList: list, consent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' } } },
  });
  expect(createJobBody(list, 'remove')).toEqual({ job: { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList: list } } });
});

test('one operation per person with the hashed email, partial failure on', () => {
  const hashes = [sha('jane@example.com'), sha('joe@example.com')];
  expect(addOperationsBody('add', hashes)).toEqual({
    operations: hashes.map((hashedEmail) => ({ create: { userIdentifiers: [{ hashedEmail }] } })),
    enablePartialFailure: true,
  });
  expect(addOperationsBody('remove', hashes.slice(0, 1))).toEqual({ operations: [{ remove: { userIdentifiers: [{ hashedEmail: hashes[0] }] } }], enablePartialFailure: true });
});

test('an identifier that is not a lower-case SHA-256 digest is never sent', () => {
  expect(() => addOperationsBody('add', ['jane@example.com'])).toThrow(TypeError);
  expect(() => addOperationsBody('add', [sha('x').toUpperCase()])).toThrow(TypeError);
});

test('the positions of refused operations are read from a GoogleAdsFailure', () => {
  const partialFailureError = {
    details: [
      {
        '@type': 'type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure',
        errors: [
          { errorCode: { offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, location: { fieldPathElements: [{ fieldName: 'operations', index: 3 }, { fieldName: 'create' }] } },
          { errorCode: { offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, location: { fieldPathElements: [{ fieldName: 'operations', index: 0 }] } },
        ],
      },
    ],
  };
  expect(failedOperationIndexes(partialFailureError)).toEqual([0, 3]);
  expect(failedOperationIndexes(undefined)).toEqual([]);
});

test('list names are stable per company and audience and carry no personal data', () => {
  expect(userListName('repeat_purchasers', '0123abcd-0000-4000-8000-000000000000')).toBe('LUX Repeat purchasers (0123abcd)');
});
