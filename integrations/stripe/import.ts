// Import streams over Stripe's list endpoints (contract: integrations/contracts.ts ImportStream), plus
// the reads that complete an invoice (its charge) for the invoices stream and for invoice webhooks.
//
// How a run pages: Stripe lists newest first and pages with starting_after=<last id of the previous
// page>; objects created while a run is under way appear above the first page and cannot shift the
// pages below it. An incremental run asks for created[gte] = the newest `created` of the previous run
// (gte, not gt: objects created in that same second after the previous run read are not lost; the
// ones read twice are upserts on the same key).
//
// What this cannot see: Stripe lists filter by creation time only, never by update time. A charge
// refunded or disputed after the run that imported it, or a subscription canceled later, is caught by
// the webhooks (charge.refunded, charge.dispute.*, customer.subscription.*) and by the refunds and
// disputes streams, which list the refund or dispute itself as a new object. Subscription changes
// without webhooks only show up in a full re-import (initialCursor(null)).
import type Stripe from 'stripe';
import { z } from 'zod';
import type { NormaliseResult } from '../../lib/commerce/records';
import { describeIssues } from '../../lib/zod-issues';
import type { ImportPage, ImportStream } from '../contracts';
import { VendorResponseError } from '../http';
import { STRIPE_VENDOR, callStripe, createStripeClient, type StripeClientOptions } from './client';
import type { StripeCredentialsInput } from './credentials';
import {
  isSupportedStripeEventType,
  normaliseStripeCharge,
  normaliseStripeDispute,
  normaliseStripeInvoice,
  normaliseStripeRefund,
  normaliseStripeSubscription,
} from './normalise';
import { expandableId, stripeEventSchema, stripeInvoiceSchema, stripeListPageSchema, unixSeconds, type StripeInvoicePayment } from './schemas';

export const stripeListCursorSchema = z
  .object({
    /** Lower bound of `created` (unix seconds) for this run; null reads everything. */
    createdGte: unixSeconds.nullable(),
    /** Id of the last row of the last stored page; null starts from the newest. */
    startingAfter: z.string().min(1).nullable(),
    /** The newest `created` seen in this run: the next run's createdGte. */
    highWater: unixSeconds.nullable(),
  })
  .strict();
export type StripeListCursor = z.infer<typeof stripeListCursorSchema>;

export const STRIPE_STREAMS = ['charges', 'refunds', 'subscriptions', 'disputes', 'invoices'] as const;
export type StripeStreamName = (typeof STRIPE_STREAMS)[number];

/** Stripe's maximum page size. */
export const STRIPE_MAX_PAGE_SIZE = 100;

export type StripeStreamOptions = StripeClientOptions & {
  /** Rows per page, 1–100 (default 100). */
  pageSize?: number;
  /** An existing client (shared between streams); otherwise one is built from the credentials. */
  client?: Stripe;
};

type ListParams = { limit: number; starting_after?: string; created?: { gte: number } };

type StreamDefinition = {
  stream: StripeStreamName;
  list: (stripe: Stripe, params: ListParams) => Promise<unknown>;
  normalise: (row: unknown) => NormaliseResult;
  /** Reads a page needs before its rows can be normalised (invoices: the charges that paid them). */
  completeRows?: (stripe: Stripe, rows: unknown[]) => Promise<unknown[]>;
};

const DEFINITIONS: Record<StripeStreamName, StreamDefinition> = {
  charges: {
    stream: 'charges',
    list: (stripe, params) => stripe.charges.list(params),
    normalise: normaliseStripeCharge,
  },
  refunds: {
    stream: 'refunds',
    // The charge comes along so the refund knows whether its charge is itself the order (normalise.ts).
    list: (stripe, params) => stripe.refunds.list({ ...params, expand: ['data.charge'] }),
    normalise: normaliseStripeRefund,
  },
  subscriptions: {
    stream: 'subscriptions',
    // Without status=all Stripe leaves canceled subscriptions out, and churn is what we need to see.
    list: (stripe, params) => stripe.subscriptions.list({ ...params, status: 'all' }),
    normalise: normaliseStripeSubscription,
  },
  disputes: {
    stream: 'disputes',
    list: (stripe, params) => stripe.disputes.list(params),
    normalise: normaliseStripeDispute,
  },
  invoices: {
    stream: 'invoices',
    // payments is includable (absent unless expanded). Expanding deeper (to the charge) would exceed
    // Stripe's four-level expand limit on a list, hence completeRows.
    list: (stripe, params) => stripe.invoices.list({ ...params, status: 'paid', expand: ['data.payments'] }),
    normalise: normaliseStripeInvoice,
    completeRows: async (stripe, rows) => {
      const completed: unknown[] = [];
      // One at a time: at most one extra read per invoice, and gentle on Stripe's rate limit.
      for (const row of rows) completed.push(await expandStripeInvoice(stripe, row));
      return completed;
    },
  },
};

export function createStripeStreams(credentials: StripeCredentialsInput, options: StripeStreamOptions = {}): ImportStream<StripeListCursor>[] {
  const client = options.client ?? createStripeClient(credentials, options);
  return STRIPE_STREAMS.map((name) => createStripeStream(name, credentials, { ...options, client }));
}

export function createStripeStream(name: StripeStreamName, credentials: StripeCredentialsInput, options: StripeStreamOptions = {}): ImportStream<StripeListCursor> {
  const definition = DEFINITIONS[name];
  const stripe = options.client ?? createStripeClient(credentials, options);
  const pageSize = options.pageSize ?? STRIPE_MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > STRIPE_MAX_PAGE_SIZE) {
    throw new RangeError(`stripe ${name}: pageSize must be an integer from 1 to ${STRIPE_MAX_PAGE_SIZE}, got ${pageSize}`);
  }

  return {
    vendor: STRIPE_VENDOR,
    stream: name,
    cursorSchema: stripeListCursorSchema,
    initialCursor: (since) => ({ createdGte: since === null ? null : sinceToUnix(since), startingAfter: null, highWater: null }),
    // A new run starts at the newest page again, from where the finished run left createdGte.
    restartCursor: (finished) => ({ createdGte: finished.createdGte, startingAfter: null, highWater: null }),
    fetchPage: (cursor) => fetchPage(definition, stripe, pageSize, cursor),
    normalise: definition.normalise,
  };
}

export const createStripeChargesStream = (credentials: StripeCredentialsInput, options?: StripeStreamOptions) => createStripeStream('charges', credentials, options);
export const createStripeRefundsStream = (credentials: StripeCredentialsInput, options?: StripeStreamOptions) => createStripeStream('refunds', credentials, options);
export const createStripeSubscriptionsStream = (credentials: StripeCredentialsInput, options?: StripeStreamOptions) => createStripeStream('subscriptions', credentials, options);
export const createStripeDisputesStream = (credentials: StripeCredentialsInput, options?: StripeStreamOptions) => createStripeStream('disputes', credentials, options);
export const createStripeInvoicesStream = (credentials: StripeCredentialsInput, options?: StripeStreamOptions) => createStripeStream('invoices', credentials, options);

async function fetchPage(definition: StreamDefinition, stripe: Stripe, pageSize: number, cursor: StripeListCursor): Promise<ImportPage<StripeListCursor>> {
  const params: ListParams = { limit: pageSize };
  if (cursor.startingAfter !== null) params.starting_after = cursor.startingAfter;
  if (cursor.createdGte !== null) params.created = { gte: cursor.createdGte };

  const response = await callStripe(() => definition.list(stripe, params));
  const page = stripeListPageSchema.safeParse(response);
  if (!page.success) {
    throw new VendorResponseError(STRIPE_VENDOR, `stripe: unexpected response shape from GET /v1/${definition.stream}: ${describeIssues(page.error, 'body').join('; ')}`);
  }
  const { data, has_more: hasMore } = page.data;
  if (hasMore && data.length === 0) {
    // Paging on would ask for the same page forever.
    throw new VendorResponseError(STRIPE_VENDOR, `stripe: GET /v1/${definition.stream} answered has_more with an empty page`);
  }

  const highWater = data.reduce<number | null>((newest, row) => (newest === null || row.created > newest ? row.created : newest), cursor.highWater);
  const rows: unknown[] = definition.completeRows ? await definition.completeRows(stripe, data) : data;
  const last = data[data.length - 1];

  if (hasMore && last !== undefined) {
    return { rows, cursor: { createdGte: cursor.createdGte, startingAfter: last.id, highWater }, done: false, totalRows: null };
  }
  return { rows, cursor: { createdGte: highWater ?? cursor.createdGte, startingAfter: null, highWater }, done: true, totalRows: null };
}

function sinceToUnix(since: string): number {
  const millis = Date.parse(since);
  if (Number.isNaN(millis)) throw new RangeError(`stripe: since must be an ISO 8601 time, got ${JSON.stringify(since)}`);
  return Math.max(0, Math.floor(millis / 1000));
}

// ---------------------------------------------------------------------------------------------------
// Completing invoices (see normalise.ts invoiceRecords for why the charge is needed).

/**
 * A paid invoice with the charge object of each paid payment attached at payments.data[].payment.charge
 * (for PaymentIntent payments: the PaymentIntent's succeeded charge), which is the shape Stripe would
 * return for an expand it refuses on lists. Reads: the invoice's payments when the payload lacks them
 * (webhooks), then one read per payment whose charge is not there yet. Needs only read access to
 * invoices and charges. Anything else (unpaid, not an invoice, nothing paid through Stripe) is
 * returned unchanged, for normalise to accept or reject with its reason.
 */
export async function expandStripeInvoice(stripe: Stripe, raw: unknown): Promise<unknown> {
  const parsed = stripeInvoiceSchema.safeParse(raw);
  if (!parsed.success || parsed.data.status !== 'paid') return raw;
  const invoice = parsed.data;

  let payments = invoice.payments;
  if (payments === undefined) {
    if (invoice.amount_paid === 0 || invoice.amount_paid_off_stripe === invoice.amount_paid) return raw;
    if (typeof invoice.charge === 'string') {
      // An older API version's payload names its charge on the invoice itself.
      const chargeId = invoice.charge;
      return { ...invoice, charge: { ...(await callStripe(() => stripe.charges.retrieve(chargeId))) } };
    }
    if (invoice.charge !== null && invoice.charge !== undefined) return raw;
    const retrieved = stripeInvoiceSchema.safeParse(await callStripe(() => stripe.invoices.retrieve(invoice.id, { expand: ['payments'] })));
    if (!retrieved.success || retrieved.data.payments === undefined) {
      throw new VendorResponseError(STRIPE_VENDOR, `stripe: GET /v1/invoices/${invoice.id}?expand[]=payments answered without a payments list`);
    }
    payments = retrieved.data.payments;
  }

  const data: StripeInvoicePayment[] = [];
  for (const payment of payments.data) data.push(await withCharge(stripe, payment));
  return { ...invoice, payments: { ...payments, data } };
}

async function withCharge(stripe: Stripe, payment: StripeInvoicePayment): Promise<StripeInvoicePayment> {
  const { charge, payment_intent: intent } = payment.payment;
  if (payment.status !== 'paid' || (typeof charge === 'object' && charge !== null)) return payment;

  let found: unknown = null;
  if (typeof charge === 'string') {
    found = await callStripe(() => stripe.charges.retrieve(charge));
  } else if (intent !== undefined) {
    const intentId = expandableId(intent);
    if (intentId !== null) {
      const list = await callStripe(() => stripe.charges.list({ payment_intent: intentId, limit: 10 }));
      // A PaymentIntent may have failed attempts before the charge that paid.
      found = list.data.find((candidate) => candidate.status === 'succeeded') ?? null;
    }
  }
  if (found === null || typeof found !== 'object') return payment; // normalise rejects it and says why
  return { ...payment, payment: { ...payment.payment, charge: { ...found } } };
}

/**
 * Prepares a verified webhook event for normaliseStripeEvent: an invoice event gets its invoice
 * completed by expandStripeInvoice (a webhook payload never carries the includable payments list);
 * any other event is returned unchanged. Call it in the activity that processes stored events, not in
 * the webhook receiver (it reads from Stripe).
 */
export async function prepareStripeEvent(stripe: Stripe, event: unknown): Promise<unknown> {
  const parsed = stripeEventSchema.safeParse(event);
  if (!parsed.success || !isSupportedStripeEventType(parsed.data.type) || parsed.data.data.object.object !== 'invoice') return event;
  const object = await expandStripeInvoice(stripe, parsed.data.data.object);
  return { ...parsed.data, data: { ...parsed.data.data, object } };
}
