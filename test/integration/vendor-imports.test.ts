// Stripe and Shopify imports end to end: the import workflow on a real Temporal server reads the local
// fake vendors (their documented list/pagination shapes) into Postgres; a second run of the same import
// adds nothing. (WooCommerce, with the worker killed mid-way, is in commerce-imports.test.ts.)
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { connectVendor, countRows, runImportOnce } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FAKE_SHOPIFY_TOKEN, shopifyOrder, startFakeShopify, type FakeShopify } from '../support/fakes/shopify';
import {
  FAKE_STRIPE_API_KEY,
  FAKE_STRIPE_WEBHOOK_SECRET,
  startFakeStripe,
  stripeCharge,
  stripeDispute,
  stripeRefund,
  stripeSubscription,
  type FakeStripe,
} from '../support/fakes/stripe';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let stripe: FakeStripe;
let shopify: FakeShopify;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  stripe = await startFakeStripe();
  shopify = await startFakeShopify();
});
afterAll(async () => {
  await stripe?.close();
  await shopify?.close();
  await env?.teardown();
  await db?.drop();
});

const runImport = (companyId: string, source: string, since: string | null) => runImportOnce(db, env, { companyId, source, since });

test('a Stripe import reads charges, refunds, disputes and subscriptions page by page, and a second run adds nothing', async () => {
  const company = await createTestCompany(db.ownerPool);
  await connectVendor(db, company.companyId, 'stripe', { apiKey: FAKE_STRIPE_API_KEY, webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET, apiBaseUrl: stripe.url });
  // 120 charges: more than one page of 100, so starting_after pagination is exercised.
  const charges = Array.from({ length: 120 }, (_, i) => stripeCharge({ amount: 1000 + i, currency: 'eur' }));
  stripe.add(...charges);
  const refunded = charges[0]!;
  stripe.add(stripeRefund({ charge: refunded.id, amount: 400, currency: 'eur' }));
  stripe.add(stripeDispute({ charge: charges[1]!.id, amount: 1001, currency: 'eur' }));
  stripe.add(stripeSubscription({ currency: 'eur', status: 'active' }));

  const first = await runImport(company.companyId, 'stripe', '2020-01-01T00:00:00Z');
  const byStream = Object.fromEntries(first.streams.map((s) => [s.stream, s]));
  expect(byStream.charges).toMatchObject({ done: true, rowsRead: 120, rowsRejected: 0 });
  expect(byStream.charges!.pages).toBeGreaterThanOrEqual(2);
  expect(byStream.refunds).toMatchObject({ done: true, rowsRead: 1 });
  expect(byStream.disputes).toMatchObject({ done: true, rowsRead: 1 });
  expect(byStream.subscriptions).toMatchObject({ done: true, rowsRead: 1 });
  // Stripe lists newest first: the second page starts after the oldest charge of the first page of 100.
  const pagedFrom = stripe.requestsTo('/v1/charges').map((r) => r.query.get('starting_after'));
  expect(pagedFrom).toEqual([null, charges[20]!.id]);

  expect(await countRows(db, 'payments', company.companyId)).toBe(120);
  expect(await countRows(db, 'refunds', company.companyId)).toBe(1);
  expect(await countRows(db, 'disputes', company.companyId)).toBe(1);
  expect(await countRows(db, 'subscriptions', company.companyId)).toBe(1);
  const revenue = await db.ownerPool.oneFirst(sql.type(z.object({ total: z.coerce.number() }))`
    SELECT coalesce(sum(amount_minor), 0) AS total FROM payments WHERE company_id = ${company.companyId}`);
  expect(revenue).toBe(charges.reduce((sum, c) => sum + c.amount, 0));

  await runImport(company.companyId, 'stripe', '2020-01-01T00:00:00Z');
  expect(await countRows(db, 'payments', company.companyId)).toBe(120);
  expect(await countRows(db, 'refunds', company.companyId)).toBe(1);
}, 90_000);

test('a Shopify import follows the Link header page_info and stores each order once', async () => {
  const company = await createTestCompany(db.ownerPool);
  await connectVendor(db, company.companyId, 'shopify', { shopDomain: 'lux-demo.myshopify.com', accessToken: FAKE_SHOPIFY_TOKEN, webhookSecret: 'unused', apiBaseUrl: shopify.url });
  const base = Date.UTC(2025, 0, 1);
  for (let i = 0; i < 300; i++) {
    const at = new Date(base + i * 60_000).toISOString();
    shopify.orders.push(shopifyOrder({ id: 5_000_000 + i, name: `#${2000 + i}`, created_at: at, updated_at: at }));
  }
  const first = await runImport(company.companyId, 'shopify', '2024-12-01T00:00:00Z');
  expect(first.streams[0]).toMatchObject({ stream: 'orders', done: true, rowsRead: 300, rowsRejected: 0 });
  expect(shopify.requests.some((r) => r.query.page_info !== undefined)).toBe(true);
  expect(await countRows(db, 'orders', company.companyId)).toBe(300);

  await runImport(company.companyId, 'shopify', null);
  expect(await countRows(db, 'orders', company.companyId)).toBe(300);
}, 90_000);
