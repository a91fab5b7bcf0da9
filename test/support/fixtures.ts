import { createCompany, type CreatedCompany } from '../../lib/companies/create-company';
import type { DatabasePool } from '../../lib/db/pool';

export async function createTestCompany(ownerPool: DatabasePool, name = 'Test Shop'): Promise<CreatedCompany> {
  return createCompany(ownerPool, { name, timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' });
}
