import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { describeIssues } from '../../lib/zod-issues';

/** Bad input will not get better on retry: fail the activity for good, saying what was wrong. */
export function parseActivityInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const reasons = describeIssues(parsed.error).join('; ');
    throw ApplicationFailure.nonRetryable(`invalid activity input: ${reasons}`, 'InvalidInput');
  }
  return parsed.data as z.infer<S>;
}
