// v_integration_status and `lux integrations status`: what is configured, what it imported, and which
// metrics stay empty because an integration is missing.
import { sql } from 'slonik';
import { formatIntegrationStatus, getIntegrationStatus } from '../../lib/integrations/status';
import { connectVendor } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('a configured integration shows its last sync and rows; a missing one names the metrics that stay empty', async () => {
  const companyId = (await createTestCompany(db.ownerPool)).companyId;
  await connectVendor(db, companyId, 'woocommerce', { storeUrl: 'https://shop.example', consumerKey: 'ck_x', consumerSecret: 'cs_x', webhookSecret: 'secret' });
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO import_cursors (company_id, source, stream, cursor, state, run_started_at, rows_stored, last_completed_at)
    VALUES (${companyId}, 'woocommerce', 'orders', '{}'::jsonb, 'completed', now(), 42, '2026-03-01T10:00:00Z')`);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO rejected_rows (company_id, source, stream, reason, row_sha256) VALUES (${companyId}, 'woocommerce', 'orders', 'total: not a number', 'x')`);

  const rows = await getIntegrationStatus(db.appPool, companyId);
  const woo = rows.find((r) => r.integration === 'woocommerce');
  expect(woo).toMatchObject({ configured: true, last_successful_sync: Date.parse('2026-03-01T10:00:00Z'), rows_imported: 42, last_error: 'rejected row: total: not a number', metrics_missing: [] });
  // Shopify is missing, but WooCommerce already gives orders and revenue: only checkouts started stay empty.
  expect(rows.find((r) => r.integration === 'shopify')).toMatchObject({ configured: false, metrics_missing: ['checkouts_started'] });
  expect(rows.find((r) => r.integration === 'google_ads')).toMatchObject({ configured: false, last_successful_sync: null, rows_imported: 0 });
  expect(rows.find((r) => r.integration === 'google_ads')?.metrics_missing).toEqual(expect.arrayContaining(['ad_spend', 'cac', 'roas', 'conversion_forwarding:google_ads']));
  const table = formatIntegrationStatus(rows);
  expect(table.split('\n')[0]).toMatch(/^integration\s+configured\s+last successful sync\s+rows\s+last error\s+metrics$/);
  expect(table).toMatch(/woocommerce\s+yes\s+2026-03-01T10:00:00.000Z\s+42/);
  expect(table).toMatch(/shopify\s+no\s+-\s+0\s+-\s+missing: checkouts_started/);
});

test('another company sees none of these rows', async () => {
  const other = (await createTestCompany(db.ownerPool, 'Other')).companyId;
  const rows = await getIntegrationStatus(db.appPool, other);
  expect(rows.every((r) => !r.configured && r.rows_imported === 0)).toBe(true);
});
