// Reading and writing a company's integration credentials (encrypted; see cipher.ts). Callers pass the
// vendor's zod schema, so what comes out of the database is checked like any other input.
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool';
import { withTenant } from '../db/tenant';
import { describeIssues } from '../zod-issues';
import { openCredentials, sealCredentials, type CredentialsKey } from './cipher';

export const INTEGRATION_SOURCES = ['woocommerce', 'shopify', 'stripe', 'gohighlevel', 'google_ads', 'meta', 'tiktok', 'mailgun', 'twilio', 'gsc', 'meta_pages', 'x', 'ga4'] as const;
export type IntegrationSource = (typeof INTEGRATION_SOURCES)[number];

const sealedRow = z.object({ key_id: z.string(), iv: z.instanceof(Buffer), ciphertext: z.instanceof(Buffer), auth_tag: z.instanceof(Buffer) });

export class CredentialsNotFoundError extends Error {
  override name = 'CredentialsNotFoundError';
}

export async function saveIntegrationCredentials<S extends z.ZodTypeAny>(
  pool: DatabasePool,
  key: CredentialsKey,
  companyId: string,
  source: IntegrationSource,
  schema: S,
  credentials: unknown,
): Promise<void> {
  const parsed = schema.safeParse(credentials);
  if (!parsed.success) throw new Error(`invalid ${source} credentials: ${describeIssues(parsed.error, 'credentials').join('; ')}`);
  const sealed = sealCredentials(key, companyId, source, JSON.stringify(parsed.data));
  await withTenant(pool, companyId, (tx) =>
    tx.query(sql.unsafe`
      INSERT INTO integration_credentials (company_id, source, key_id, iv, ciphertext, auth_tag)
      VALUES (${companyId}, ${source}, ${sealed.keyId}, ${sql.binary(sealed.iv)}, ${sql.binary(sealed.ciphertext)}, ${sql.binary(sealed.authTag)})
      ON CONFLICT (company_id, source) DO UPDATE SET
        key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext, auth_tag = EXCLUDED.auth_tag,
        updated_at = now()`),
  );
}

/** The decrypted, validated credentials, or CredentialsNotFoundError when the company has none for source. */
export async function loadIntegrationCredentials<S extends z.ZodTypeAny>(
  pool: DatabasePool,
  key: CredentialsKey,
  companyId: string,
  source: IntegrationSource,
  schema: S,
): Promise<z.infer<S>> {
  const row = await withTenant(pool, companyId, (tx) =>
    tx.maybeOne(sql.type(sealedRow)`
      SELECT key_id, iv, ciphertext, auth_tag FROM integration_credentials
      WHERE company_id = ${companyId} AND source = ${source}`),
  );
  if (!row) throw new CredentialsNotFoundError(`company ${companyId} has no ${source} integration configured (lux integrations set ${source} ...)`);
  const plaintext = openCredentials(key, companyId, source, { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag });
  const parsed = schema.safeParse(JSON.parse(plaintext));
  if (!parsed.success) throw new Error(`stored ${source} credentials of company ${companyId} are no longer valid: ${describeIssues(parsed.error, 'credentials').join('; ')}`);
  return parsed.data as z.infer<S>;
}

/** Which integrations a company has configured (no secrets). */
export async function listIntegrations(pool: DatabasePool, companyId: string): Promise<Array<{ source: string; updatedAt: string }>> {
  const rows = await withTenant(pool, companyId, (tx) =>
    tx.any(sql.type(z.object({ source: z.string(), updated_at: z.number() }))`
      SELECT source, updated_at FROM integration_credentials WHERE company_id = ${companyId} ORDER BY source`),
  );
  return rows.map((r) => ({ source: r.source, updatedAt: new Date(r.updated_at).toISOString() }));
}
