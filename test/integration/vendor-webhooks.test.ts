// Stripe, Shopify and GoHighLevel webhooks end to end, each signed the way the vendor signs (Stripe's own
// SDK helper, Shopify's HMAC, GHL's Ed25519): collector (verify on raw bytes, store raw, start workflow) →
// real Temporal → worker activity → payments/orders/refunds/leads in Postgres. Redelivery is a no-op and a
// bad signature stores nothing. (WooCommerce has its own file: commerce-webhooks.test.ts.)
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { hashEmail } from '../../lib/enrichment/privacy';
import { allOrders, connectVendor, countRows, postWebhook, startCommerceStack } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { shopifyOrder, shopifyWebhookHeaders } from '../support/fakes/shopify';
import { FAKE_STRIPE_API_KEY, FAKE_STRIPE_WEBHOOK_SECRET, signStripeWebhook, startFakeStripe, stripeCharge, stripeEvent, type FakeStripe } from '../support/fakes/stripe';
import { createTestCompany } from '../support/fixtures';
import { connectTestTemporal } from '../support/temporal';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Awaited<ReturnType<typeof startCommerceStack>>;
let stripe: FakeStripe;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  stack = await startCommerceStack(db, env);
  stripe = await startFakeStripe();
});
afterAll(async () => {
  await stripe?.close();
  await stack?.stop();
  await env?.teardown();
  await db?.drop();
});

const webhookUrl = (vendor: string, siteKey: string) => `${stack.collector.url}/webhooks/${vendor}/${siteKey}`;

async function processed(answer: { status: number; body: Record<string, unknown> | null }) {
  expect(answer.status).toBe(200);
  return stack.awaitWorkflow(answer.body?.workflow_id as string);
}

describe('Stripe', () => {
  async function connected() {
    const company = await createTestCompany(db.ownerPool);
    await connectVendor(db, company.companyId, 'stripe', { apiKey: FAKE_STRIPE_API_KEY, webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET, apiBaseUrl: stripe.url });
    return company;
  }
  const deliver = (url: string, event: unknown, secret = FAKE_STRIPE_WEBHOOK_SECRET) => {
    const body = JSON.stringify(event);
    return postWebhook(url, body, { 'Content-Type': 'application/json', 'Stripe-Signature': signStripeWebhook(body, secret) });
  };

  test('charge.succeeded delivered 3 times yields one payment and one order with the visitor link', async () => {
    const company = await connected();
    const charge = stripeCharge({ amount: 4200, currency: 'usd', metadata: { lux_visitor_id: 'visitor-stripe-1' }, billing_details: { email: 'Buyer@Example.com' } as never });
    stripe.add(charge);
    const event = stripeEvent('charge.succeeded', charge);
    const url = webhookUrl('stripe', company.siteKey);
    const answers = [await deliver(url, event), await deliver(url, event), await deliver(url, event)];
    expect(answers.map((a) => a.body?.duplicate)).toEqual([false, true, true]);
    await expect(processed(answers[0]!)).resolves.toMatchObject({ outcome: 'stored', counts: { payments: 1, orders: 1 } });

    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
    expect(await countRows(db, 'payments', company.companyId)).toBe(1);
    expect(await allOrders(db, company.companyId)).toEqual([
      expect.objectContaining({ source: 'stripe', external_id: charge.id, currency: 'USD', total_minor: 4200, visitor_id: 'visitor-stripe-1', email_hash: hashEmail('buyer@example.com') }),
    ]);
  });

  test('charge.refunded records the refund against the same payment, once', async () => {
    const company = await connected();
    const charge = stripeCharge({ amount: 3000, currency: 'eur' });
    stripe.add(charge);
    const url = webhookUrl('stripe', company.siteKey);
    await processed(await deliver(url, stripeEvent('charge.succeeded', charge)));
    const refunded = { ...charge, refunded: true, amount_refunded: 3000 };
    const refundEvent = stripeEvent('charge.refunded', refunded);
    const first = await deliver(url, refundEvent);
    await processed(first);
    expect((await deliver(url, refundEvent)).body?.duplicate).toBe(true);

    const payment = await db.ownerPool.one(sql.type(z.object({ amount_minor: z.coerce.number(), amount_refunded_minor: z.coerce.number() }))`
      SELECT amount_minor, amount_refunded_minor FROM payments WHERE company_id = ${company.companyId} AND external_id = ${charge.id}`);
    expect(payment).toEqual({ amount_minor: 3000, amount_refunded_minor: 3000 });
    expect(await countRows(db, 'payments', company.companyId)).toBe(1);
  });

  test('a signature made with another secret is refused with 401 and nothing is stored', async () => {
    const company = await connected();
    const answer = await deliver(webhookUrl('stripe', company.siteKey), stripeEvent('charge.succeeded', stripeCharge()), 'whsec_someoneElsesSecret');
    expect(answer.status).toBe(401);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(0);
    expect(await countRows(db, 'payments', company.companyId)).toBe(0);
  });
});

describe('Shopify', () => {
  const secret = 'shopify-client-secret-for-tests';
  async function connected() {
    const company = await createTestCompany(db.ownerPool);
    await connectVendor(db, company.companyId, 'shopify', { shopDomain: 'lux-demo.myshopify.com', accessToken: 'shpat_0123456789abcdef', webhookSecret: secret });
    return company;
  }

  test('orders/create redelivered (same event id) yields one order; a tampered body is refused', async () => {
    const company = await connected();
    const order = shopifyOrder({ id: 820982911946154500, name: '#1001' });
    const body = JSON.stringify(order);
    const headers = shopifyWebhookHeaders({ rawBody: body, secret, topic: 'orders/create', eventId: randomUUID() });
    const url = webhookUrl('shopify', company.siteKey);
    const first = await postWebhook(url, body, headers);
    const again = await postWebhook(url, body, headers);
    expect(again.body?.duplicate).toBe(true);
    await expect(processed(first)).resolves.toMatchObject({ outcome: 'stored', counts: { orders: 1 } });
    expect((await allOrders(db, company.companyId)).map((o) => [o.source, o.external_id])).toEqual([['shopify', String(order.id)]]);

    const tampered = await postWebhook(url, body.replace('"#1001"', '"#1002"'), headers);
    expect(tampered.status).toBe(401);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
  });
});

describe('GoHighLevel', () => {
  const ghl = generateKeyPairSync('ed25519');
  const publicKey = ghl.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  test('a signed ContactCreate yields one lead with the hashed email; an unsigned one is refused', async () => {
    const company = await createTestCompany(db.ownerPool);
    await connectVendor(db, company.companyId, 'gohighlevel', { publicKey });
    const contact = {
      type: 'ContactCreate',
      locationId: 've9EPM428h8vShlRW1KT',
      id: 'nmFmQEsNgz6AVpgLVUJ0',
      email: 'Lead.Person@example.com',
      dateAdded: '2025-01-28T14:34:58.000Z',
      timestamp: '2025-01-28T14:35:00.000Z',
      webhookId: randomUUID(),
      customData: { lux_visitor_id: 'visitor-ghl-1' },
    };
    const body = JSON.stringify(contact);
    const url = webhookUrl('gohighlevel', company.siteKey);
    const signature = sign(null, Buffer.from(body), ghl.privateKey).toString('base64');
    const headers = { 'Content-Type': 'application/json', 'x-ghl-signature': signature };
    const first = await postWebhook(url, body, headers);
    expect((await postWebhook(url, body, headers)).body?.duplicate).toBe(true);
    await expect(processed(first)).resolves.toMatchObject({ outcome: 'stored', counts: { leads: 1 } });

    const leads = await db.ownerPool.any(sql.type(z.object({ kind: z.string(), external_id: z.string(), email_hash: z.string().nullable(), visitor_id: z.string().nullable() }))`
      SELECT kind, external_id, email_hash, visitor_id FROM leads WHERE company_id = ${company.companyId}`);
    expect(leads).toEqual([{ kind: 'contact', external_id: contact.id, email_hash: hashEmail('lead.person@example.com'), visitor_id: 'visitor-ghl-1' }]);

    const unsigned = await postWebhook(url, JSON.stringify({ ...contact, webhookId: randomUUID() }), { 'Content-Type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
  });
});
