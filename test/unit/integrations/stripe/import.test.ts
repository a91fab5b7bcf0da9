import Stripe from 'stripe';
import type { ImportStream } from '../../../../integrations/contracts';
import { VendorHttpError, VendorResponseError } from '../../../../integrations/http';
import { createStripeClient } from '../../../../integrations/stripe/client';
import {
  createStripeChargesStream,
  createStripeDisputesStream,
  createStripeInvoicesStream,
  createStripeRefundsStream,
  createStripeStreams,
  createStripeSubscriptionsStream,
  prepareStripeEvent,
  stripeListCursorSchema,
  type StripeListCursor,
} from '../../../../integrations/stripe/import';
import { normaliseStripeEvent } from '../../../../integrations/stripe/normalise';
import type { CommerceRecord } from '../../../../lib/commerce/records';
import {
  FAKE_STRIPE_WEBHOOK_SECRET,
  startFakeStripe,
  stripeCharge,
  stripeDispute,
  stripeEvent,
  stripeInvoice,
  stripeRefund,
  stripeSubscription,
  type FakeStripe,
} from '../../../support/fakes/stripe';

let fake: FakeStripe;
beforeEach(async () => {
  fake = await startFakeStripe();
});
afterEach(async () => {
  await fake.close();
});

const credentials = () => ({ apiKey: fake.apiKey, webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET, apiBaseUrl: fake.url });

/** Runs a stream from `cursor` to done, returning every page. */
async function drain(stream: ImportStream<StripeListCursor>, cursor: StripeListCursor) {
  const pages = [];
  for (let page = await stream.fetchPage(cursor); ; page = await stream.fetchPage(page.cursor)) {
    pages.push(page);
    // The persisted cursor must survive the JSON round trip and the stream's own schema.
    expect(stripeListCursorSchema.parse(JSON.parse(JSON.stringify(page.cursor)))).toEqual(page.cursor);
    if (page.done) return pages;
    if (pages.length > 50) throw new Error('stream never finished');
  }
}
const idsOf = (rows: unknown[]) => rows.map((row) => (row as { id: string }).id);
function recordsOf(stream: ImportStream<StripeListCursor>, rows: unknown[]): CommerceRecord[] {
  return rows.flatMap((row) => {
    const result = stream.normalise(row);
    if (result.ok !== true) throw new Error(result.rejected.reason);
    return result.records;
  });
}

describe('charges stream', () => {
  it('pages newest first with limit and starting_after, then hands the next run its created[gte]', async () => {
    const charges = Array.from({ length: 7 }, () => stripeCharge());
    fake.add(...charges);
    const stream = createStripeChargesStream(credentials(), { pageSize: 3 });
    expect(stream).toMatchObject({ vendor: 'stripe', stream: 'charges' });

    const pages = await drain(stream, stream.initialCursor(null));
    const newestFirst = [...charges].reverse().map((charge) => charge.id);
    expect(pages.map((page) => idsOf(page.rows))).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
    expect(pages.map((page) => page.done)).toEqual([false, false, true]);
    expect(pages.map((page) => page.totalRows)).toEqual([null, null, null]);

    const newest = Math.max(...charges.map((charge) => charge.created));
    expect(pages[0]?.cursor).toEqual({ createdGte: null, startingAfter: newestFirst[2], highWater: newest });
    expect(pages[2]?.cursor).toEqual({ createdGte: newest, startingAfter: null, highWater: newest });

    const listed = fake.requestsTo('/v1/charges');
    expect(listed.map((request) => [request.query.get('limit'), request.query.get('starting_after'), request.query.get('created[gte]')])).toEqual([
      ['3', null, null],
      ['3', newestFirst[2], null],
      ['3', newestFirst[5], null],
    ]);
    expect(listed.every((request) => request.authorization === `Bearer ${fake.apiKey}`)).toBe(true);
    // The SDK's pinned API version (the shapes our schemas were checked against), and no telemetry to Stripe.
    expect(new Set(listed.map((request) => request.stripeVersion))).toEqual(new Set([Stripe.API_VERSION]));
    expect(listed.map((request) => request.telemetry)).toEqual([null, null, null]);
  });

  it('an incremental run asks for created[gte] and reads only what is new (plus the boundary second)', async () => {
    const old = Array.from({ length: 4 }, () => stripeCharge());
    fake.add(...old);
    const stream = createStripeChargesStream(credentials(), { pageSize: 2 });
    const first = await drain(stream, stream.initialCursor(null));
    const finished = first[first.length - 1]?.cursor;
    if (!finished) throw new Error('no cursor');

    const fresh = [stripeCharge(), stripeCharge()];
    fake.add(...fresh);
    const restarted = stream.restartCursor(finished);
    expect(restarted).toEqual({ createdGte: finished.highWater, startingAfter: null, highWater: null });

    const second = await drain(stream, restarted);
    const read = second.flatMap((page) => idsOf(page.rows));
    // The newest old charge shares the boundary second (gte): read again, an idempotent upsert.
    expect(read).toEqual([fresh[1]?.id, fresh[0]?.id, old[3]?.id]);
    expect(fake.requestsTo('/v1/charges').slice(-2).map((request) => request.query.get('created[gte]'))).toEqual([String(finished.highWater), String(finished.highWater)]);
    expect(second[second.length - 1]?.cursor.createdGte).toBe(fresh[1]?.created);

    // A run that finds nothing keeps its lower bound.
    const empty = await stream.fetchPage(stream.restartCursor({ createdGte: 2_000_000_000, startingAfter: null, highWater: null }));
    expect(empty).toEqual({ rows: [], cursor: { createdGte: 2_000_000_000, startingAfter: null, highWater: null }, done: true, totalRows: null });
  });

  it('a backfill bounded by since starts at that time', async () => {
    const charges = Array.from({ length: 3 }, () => stripeCharge());
    fake.add(...charges);
    const stream = createStripeChargesStream(credentials());
    const since = new Date((charges[1]?.created ?? 0) * 1000).toISOString();
    const pages = await drain(stream, stream.initialCursor(since));
    expect(idsOf(pages[0]?.rows ?? [])).toEqual([charges[2]?.id, charges[1]?.id]);
    expect(fake.requestsTo('/v1/charges')[0]?.query.get('created[gte]')).toBe(String(charges[1]?.created));
    expect(fake.requestsTo('/v1/charges')[0]?.query.get('limit')).toBe('100');
    expect(() => stream.initialCursor('yesterday-ish')).toThrow(/since must be an ISO 8601 time/);
  });

  it('resumes from a mid-way cursor and reads only the rest', async () => {
    const charges = Array.from({ length: 5 }, () => stripeCharge());
    fake.add(...charges);
    const firstRun = createStripeChargesStream(credentials(), { pageSize: 2 });
    const page1 = await firstRun.fetchPage(firstRun.initialCursor(null));
    expect(page1.done).toBe(false);

    // A new worker (new stream, new client) picks up the persisted cursor.
    const persisted = stripeListCursorSchema.parse(JSON.parse(JSON.stringify(page1.cursor)));
    const resumed = createStripeChargesStream(credentials(), { pageSize: 2 });
    const rest = await drain(resumed, persisted);
    const restIds = rest.flatMap((page) => idsOf(page.rows));
    expect(restIds).toEqual([charges[2]?.id, charges[1]?.id, charges[0]?.id]);
    expect(restIds.some((id) => idsOf(page1.rows).includes(id))).toBe(false);
    // highWater carried over from page 1 (the newest of the run), not from the later, older pages.
    expect(rest[rest.length - 1]?.cursor).toEqual({ createdGte: charges[4]?.created, startingAfter: null, highWater: charges[4]?.created });
  });

  it('normalises its rows', async () => {
    const standalone = stripeCharge();
    const forStore = stripeCharge({ metadata: { order_id: '5' } });
    fake.add(standalone, forStore);
    const stream = createStripeChargesStream(credentials());
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(recordsOf(stream, page.rows).map((record) => record.kind)).toEqual(['payment', 'payment', 'order']);
  });
});

describe('errors', () => {
  it('429 → retryable VendorHttpError with Retry-After, and no hidden SDK retry', async () => {
    fake.add(stripeCharge());
    fake.failNext(429, { retryAfter: 7 });
    const stream = createStripeChargesStream(credentials());
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ vendor: 'stripe', status: 429, retryAfterSeconds: 7, retryable: true });
    expect(fake.requestsTo('/v1/charges')).toHaveLength(1);
    // The next attempt (Temporal's retry) succeeds.
    expect((await stream.fetchPage(stream.initialCursor(null))).rows).toHaveLength(1);
  });

  it('503 → retryable, without Retry-After → null, still a single request', async () => {
    fake.failNext(503);
    const stream = createStripeDisputesStream(credentials());
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: null, retryable: true });
    expect(fake.requestsTo('/v1/disputes')).toHaveLength(1);
  });

  it('401 (bad key) → VendorHttpError that is not retryable', async () => {
    const stream = createStripeChargesStream({ ...credentials(), apiKey: 'rk_test_wrongKey123' });
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false, retryAfterSeconds: null });
    expect((error as Error).message).toMatch(/Invalid API Key provided/);
  });

  it('connection refused → status 0, retryable', async () => {
    const stream = createStripeChargesStream(credentials(), { timeoutMs: 2000 });
    await fake.close();
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ status: 0, retryable: true });
    fake = await startFakeStripe(); // afterEach closes it
  });

  it('a list envelope of the wrong shape → VendorResponseError naming the field', async () => {
    fake.replyNext(200, { object: 'list', data: [{ id: 'ch_1' }], has_more: 'no' });
    const stream = createStripeChargesStream(credentials());
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorResponseError);
    expect((error as Error).message).toMatch(/GET \/v1\/charges: .*data\.0\.created: Required.*has_more: Expected boolean/);
  });

  it('has_more with an empty page would loop forever → VendorResponseError', async () => {
    fake.replyNext(200, { object: 'list', data: [], has_more: true, url: '/v1/charges' });
    const stream = createStripeChargesStream(credentials());
    await expect(stream.fetchPage(stream.initialCursor(null))).rejects.toThrow(/has_more with an empty page/);
  });

  it('refuses credentials of the wrong shape before any request', () => {
    expect(() => createStripeClient({ apiKey: 'pk_test_public', webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET })).toThrow(/secret \(sk_\.\.\.\) or restricted \(rk_\.\.\.\)/);
    expect(() => createStripeClient({ apiKey: fake.apiKey, webhookSecret: 'secret' })).toThrow(/whsec_/);
    expect(() => createStripeClient({ ...credentials(), apiBaseUrl: `${fake.url}/v1` })).toThrow(/without a path/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('other streams', () => {
  it('createStripeStreams offers the five streams on one client', () => {
    expect(createStripeStreams(credentials()).map((stream) => stream.stream)).toEqual(['charges', 'refunds', 'subscriptions', 'disputes', 'invoices']);
  });

  it('subscriptions: status=all, so canceled subscriptions (churn) are included', async () => {
    const active = stripeSubscription({}, [{ unitAmount: 1000 }]);
    const canceled = stripeSubscription({ status: 'canceled', canceled_at: 1767300000, ended_at: 1767300000 }, [{ unitAmount: 12000, interval: 'year' }]);
    fake.add(active, canceled);
    const stream = createStripeSubscriptionsStream(credentials());
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(fake.requestsTo('/v1/subscriptions')[0]?.query.get('status')).toBe('all');
    const subscriptions = recordsOf(stream, page.rows).map((record) => (record.kind === 'subscription' ? [record.subscription.externalId, record.subscription.status, record.subscription.mrrMinor] : null));
    expect(subscriptions).toEqual([
      [canceled.id, 'canceled', 1000],
      [active.id, 'active', 1000],
    ]);
  });

  it('refunds: the charge is expanded, so a refund of a standalone sale points at its order', async () => {
    const standalone = stripeCharge();
    const storeCharge = stripeCharge({ metadata: { order_id: '9' } });
    fake.add(standalone, storeCharge, stripeRefund({ charge: standalone.id, amount: 300 }), stripeRefund({ charge: storeCharge.id, amount: 400 }));
    const stream = createStripeRefundsStream(credentials());
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(fake.requestsTo('/v1/refunds')[0]?.query.get('expand[0]')).toBe('data.charge');
    const refunds = recordsOf(stream, page.rows).map((record) => (record.kind === 'refund' ? [record.refund.paymentExternalId, record.refund.orderExternalId, record.refund.amountMinor] : null));
    expect(refunds).toEqual([
      [storeCharge.id, null, 400],
      [standalone.id, standalone.id, 300],
    ]);
    expect(JSON.stringify(page.rows)).toContain('Buyer.One@Example.com'); // the raw rows hold it…
    expect(JSON.stringify(recordsOf(stream, page.rows))).not.toContain('@'); // …the records never do
  });

  it('disputes: each dispute becomes a Dispute', async () => {
    fake.add(stripeDispute({ charge: 'ch_d1', status: 'won' }));
    const stream = createStripeDisputesStream(credentials());
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(recordsOf(stream, page.rows)).toEqual([{ kind: 'dispute', dispute: expect.objectContaining({ paymentExternalId: 'ch_d1', status: 'won' }) as unknown }]);
  });

  it('invoices: only paid ones, payments expanded, each linked to the charge that paid it', async () => {
    const charge = stripeCharge({ amount: 2900, payment_intent: 'pi_sub_1' });
    const failedAttempt = stripeCharge({ amount: 2900, payment_intent: 'pi_sub_1', status: 'failed', paid: false });
    const paid = stripeInvoice(
      { amount_paid: 2900, parent: { quote_details: null, type: 'subscription_details', subscription_details: { subscription: 'sub_A', metadata: {} } } },
      [{ payment: { type: 'payment_intent', payment_intent: 'pi_sub_1' } }],
    );
    const open = stripeInvoice({ status: 'open', amount_paid: 0 });
    fake.add(charge, failedAttempt, paid, open);

    const stream = createStripeInvoicesStream(credentials());
    const page = await stream.fetchPage(stream.initialCursor(null));
    const listRequest = fake.requestsTo('/v1/invoices')[0];
    expect([listRequest?.query.get('status'), listRequest?.query.get('expand[0]')]).toEqual(['paid', 'data.payments']);
    expect(fake.requestsTo('/v1/charges')[0]?.query.get('payment_intent')).toBe('pi_sub_1');

    const records = recordsOf(stream, page.rows);
    const payment = records.find((record) => record.kind === 'payment');
    expect(payment?.kind === 'payment' && payment.payment).toMatchObject({ externalId: charge.id, invoiceId: paid.id, subscriptionId: 'sub_A', status: 'succeeded' });
    expect(records.map((record) => record.kind)).toEqual(['payment', 'order']);
  });

  it('prepareStripeEvent completes an invoice webhook (no payments in the payload) so it normalises', async () => {
    const charge = stripeCharge({ payment_intent: 'pi_hook' });
    const invoice = stripeInvoice({}, [{ payment: { type: 'payment_intent', payment_intent: 'pi_hook' } }]);
    fake.add(charge, invoice);
    const { payments: _notInWebhooks, ...payload } = invoice;
    const event = stripeEvent('invoice.payment_succeeded', payload);
    expect(normaliseStripeEvent(event).ok).toBe(false);

    const prepared = await prepareStripeEvent(createStripeClient(credentials()), event);
    expect(fake.requestsTo(`/v1/invoices/${invoice.id}`)[0]?.query.get('expand[0]')).toBe('payments');
    const result = normaliseStripeEvent(JSON.parse(JSON.stringify(prepared)));
    if (result.ok !== true) throw new Error(result.rejected.reason);
    expect(result.records.find((record) => record.kind === 'payment')).toMatchObject({ payment: { externalId: charge.id, invoiceId: invoice.id } });

    // Other events pass through untouched, without a request.
    const before = fake.requests.length;
    const chargeEvent = stripeEvent('charge.succeeded', charge);
    expect(await prepareStripeEvent(createStripeClient(credentials()), chargeEvent)).toBe(chargeEvent);
    expect(fake.requests).toHaveLength(before);
  });
});
