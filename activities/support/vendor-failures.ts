// Turns vendor errors into Temporal retry decisions: 429 and 5xx are retried (after the vendor's
// Retry-After when it sent one), bad credentials or a response of the wrong shape fail for good with a
// message an operator can act on. Everything else is left to the activity's retry policy.
import { ApplicationFailure } from '@temporalio/activity';
import { CredentialsKeyError } from '../../lib/credentials/cipher';
import { CredentialsNotFoundError } from '../../lib/credentials/store';
import { VendorHttpError, VendorResponseError } from '../../integrations/http';

export function toActivityFailure(error: unknown): unknown {
  if (error instanceof VendorHttpError) {
    if (!error.retryable) return ApplicationFailure.nonRetryable(error.message, 'VendorRejected', { status: error.status });
    return ApplicationFailure.create({
      message: error.message,
      type: 'VendorUnavailable',
      details: [{ status: error.status, retryAfterSeconds: error.retryAfterSeconds }],
      // Honour Retry-After: retrying earlier only earns another 429.
      nextRetryDelay: error.retryAfterSeconds !== null ? `${Math.max(1, error.retryAfterSeconds)} seconds` : undefined,
    });
  }
  if (error instanceof VendorResponseError) return ApplicationFailure.nonRetryable(error.message, 'VendorResponseShape');
  if (error instanceof CredentialsNotFoundError || error instanceof CredentialsKeyError) return ApplicationFailure.nonRetryable(error.message, 'Credentials');
  return error;
}
