// Admin operation (owner pool): a company with one site key and one admin secret key.
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { generateSecretKey, generateSiteKey } from '../keys';
import { companyInputSchema, type CompanyInput } from './company-input';

export type CreatedCompany = { companyId: string; siteKey: string; secretKey: string };

const companyIdRow = z.object({ company_id: z.string().uuid() });

export async function createCompany(ownerPool: DatabasePool, input: CompanyInput): Promise<CreatedCompany> {
  const company = companyInputSchema.parse(input);
  const siteKey = generateSiteKey();
  const secret = generateSecretKey();
  return ownerPool.transaction(async (tx) => {
    const { company_id: companyId } = await tx.one(sql.type(companyIdRow)`
      INSERT INTO companies (name, time_zone, reporting_currency)
      VALUES (${company.name}, ${company.timeZone}, ${company.reportingCurrency})
      RETURNING company_id`);
    await tx.query(sql.unsafe`
      INSERT INTO site_keys (company_id, site_key) VALUES (${companyId}, ${siteKey})`);
    await tx.query(sql.unsafe`
      INSERT INTO secret_keys (company_id, key_hash, key_prefix, label, scopes)
      VALUES (${companyId}, ${secret.hash}, ${secret.prefix}, 'admin', ${sql.array(['ingest', 'admin'], 'text')})`);
    return { companyId, siteKey, secretKey: secret.key };
  });
}
