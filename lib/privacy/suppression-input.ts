import { z } from 'zod';
import { hashEmail } from '../enrichment/privacy';

/** A person to stop tracking: by visitor id, user id, or email (hashed here; never stored raw). */
export const suppressionInputSchema = z
  .object({
    kind: z.enum(['visitor_id', 'user_id', 'email', 'email_hash']),
    value: z.string().min(1).max(254),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .transform((input, ctx) => {
    if (input.kind !== 'email') return { kind: input.kind, value: input.value, reason: input.reason ?? '' };
    const hash = hashEmail(input.value);
    if (!hash) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: 'expected an email address' });
      return z.NEVER;
    }
    return { kind: 'email_hash' as const, value: hash, reason: input.reason ?? '' };
  });
export type Suppression = z.output<typeof suppressionInputSchema>;
