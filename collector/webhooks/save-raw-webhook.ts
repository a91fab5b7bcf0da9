// Appends one verified delivery to raw_webhooks, its body encrypted (it carries personal data in clear). A redelivery of the same vendor event (same dedupe key)
// stores nothing and reports the id of the first one.
import { createHash } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { VerifiedWebhook, WebhookHeaders } from '../../integrations/contracts';
import { sealBytes, webhookBodyContext, type CredentialsKey } from '../../lib/credentials/cipher';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';

/** Headers worth keeping for the audit trail. Signatures and anything else are not stored. */
const AUDIT_HEADERS = [
  'content-type',
  'user-agent',
  'x-wc-webhook-source',
  'x-wc-webhook-topic',
  'x-wc-webhook-resource',
  'x-wc-webhook-event',
  'x-wc-webhook-id',
  'x-wc-webhook-delivery-id',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  'x-shopify-webhook-id',
  'x-shopify-event-id',
  'x-shopify-triggered-at',
];

export function auditHeaders(headers: WebhookHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of AUDIT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') kept[name] = value.slice(0, 500);
  }
  return kept;
}

export type SavedWebhook = { webhookId: number; duplicate: boolean };

const idRow = z.object({ webhook_id: z.coerce.number() });

export async function saveRawWebhook(
  pool: DatabasePool,
  key: CredentialsKey,
  companyId: string,
  source: string,
  webhook: VerifiedWebhook,
  rawBody: Buffer,
  headers: WebhookHeaders,
): Promise<SavedWebhook> {
  const digest = createHash('sha256').update(rawBody).digest('hex');
  const sealed = sealBytes(key, webhookBodyContext(companyId, source, webhook.dedupeKey), rawBody);
  return withTenant(pool, companyId, async (tx) => {
    const inserted = await tx.maybeOne(sql.type(idRow)`
      INSERT INTO raw_webhooks (company_id, source, topic, dedupe_key, delivery_id, headers, key_id, body_iv, body_ciphertext,
        body_auth_tag, body_bytes, body_sha256)
      VALUES (${companyId}, ${source}, ${webhook.topic}, ${webhook.dedupeKey}, ${webhook.deliveryId},
        ${JSON.stringify(auditHeaders(headers))}::jsonb, ${sealed.keyId}, ${sql.binary(sealed.iv)}, ${sql.binary(sealed.ciphertext)},
        ${sql.binary(sealed.authTag)}, ${rawBody.length}, ${digest})
      ON CONFLICT (company_id, source, dedupe_key) DO NOTHING
      RETURNING webhook_id`);
    if (inserted) return { webhookId: inserted.webhook_id, duplicate: false };
    const first = await tx.one(sql.type(idRow)`
      SELECT webhook_id FROM raw_webhooks WHERE company_id = ${companyId} AND source = ${source} AND dedupe_key = ${webhook.dedupeKey}`);
    return { webhookId: first.webhook_id, duplicate: true };
  });
}
