// What a company stores to receive Mailgun event webhooks (`lux integrations set mailgun --webhook-signing-key …`):
// the HTTP webhook signing key (Mailgun: Sending → Webhooks → HTTP webhook signing key). docs/integrations/mailgun.md.
import { z } from 'zod';

export const mailgunCredentialsSchema = z.object({
  webhookSigningKey: z.string().trim().min(16, 'expected the Mailgun HTTP webhook signing key (Sending → Webhooks)').max(200),
});
export type MailgunCredentials = z.infer<typeof mailgunCredentialsSchema>;
