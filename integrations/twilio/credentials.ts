// What a company stores to receive Twilio status callbacks and inbound messages
// (`lux integrations set twilio --auth-token … [--account-sid AC…] [--public-base-url https://…]`).
// docs/integrations/twilio.md.
import { z } from 'zod';

export const twilioCredentialsSchema = z.object({
  /** The account's Auth Token: Twilio signs every request with it (X-Twilio-Signature). */
  authToken: z.string().trim().regex(/^[A-Za-z0-9]{16,64}$/, 'expected the Twilio Auth Token (32 letters and digits)'),
  /** The account (AC…): deliveries for any other account are refused even when signed. */
  accountSid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'expected an account SID (AC + 32 hex)').optional(),
  /**
   * The collector's public base URL as Twilio calls it (https://collect.example.com). Twilio signs the full
   * URL it requested; behind a proxy that rewrites host or scheme the collector cannot see it, so it is
   * configured here. Without it the URL is rebuilt from the request (X-Forwarded-* with TRUST_PROXY).
   */
  publicBaseUrl: z
    .string()
    .url()
    .refine((v) => /^https?:$/.test(new URL(v).protocol) && ['', '/'].includes(new URL(v).pathname), 'expected an http(s) URL without a path')
    .transform((v) => v.replace(/\/$/, ''))
    .optional(),
});
export type TwilioCredentials = z.infer<typeof twilioCredentialsSchema>;
