// Stripe objects → our normalised commerce records (lib/commerce/records.ts). Pure mapping: no I/O, no
// clock, never throws. A row that does not fit becomes a rejected row whose reason names the field,
// and whose raw copy has personal data removed (it is stored in rejected_rows).
//
// The rules (also in docs/integrations/stripe.md):
// - Amounts: Stripe amounts are already integer minor units of the charge's currency; copied as they
//   are. Currencies are upper-cased.
// - A charge is always a Payment (externalId = charge id).
// - A charge with metadata.order_id pays for an order the store platform owns (WooCommerce, Shopify):
//   it yields only the Payment, whose orderExternalId points at that order. The store's integration
//   produces the order itself.
// - A captured, succeeded charge WITHOUT metadata.order_id is also an Order (source stripe,
//   externalId = charge id, no line items), so a business that sells through Stripe alone (Payment
//   Links, Checkout, subscriptions) still has orders, revenue and attribution.
// - Money is counted under the charge id only. An invoice becomes records through the charge that
//   paid it (same keys, plus invoiceId/subscriptionId), so a subscription payment is counted once
//   whether it arrived as a charge or as an invoice; see invoiceRecords.
// - Emails are hashed (lib/enrichment/privacy hashEmail) before they enter a record.
import type { z } from 'zod';
import {
  disputeSchema,
  orderSchema,
  paymentSchema,
  refundSchema,
  subscriptionSchema,
  type CommerceRecord,
  type NormaliseResult,
  type Order,
  type Payment,
  type Refund,
  type Subscription,
  type TrackingLink,
  type Dispute,
  type PAYMENT_STATUSES,
} from '../../lib/commerce/records';
import { hashEmail, scrubEmails } from '../../lib/enrichment/privacy';
import { fieldErrors } from '../../lib/zod-issues';
import {
  expandableId,
  stripeChargeSchema,
  stripeDisputeSchema,
  stripeEventSchema,
  stripeInvoiceSchema,
  stripeRefundSchema,
  stripeSubscriptionSchema,
  type StripeCharge,
  type StripeInvoice,
  type StripeInvoicePayment,
  type StripeRefund,
  type StripeSubscription,
} from './schemas';

type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Metadata keys a checkout sets so a payment can be tied back to our tracking (docs/integrations/stripe.md). */
export const STRIPE_TRACKING_METADATA = { visitorId: 'lux_visitor_id', sessionId: 'lux_session_id', userId: 'lux_user_id' } as const;
/** Metadata key naming the store platform's order a charge pays for. */
export const STRIPE_ORDER_ID_METADATA = 'order_id';

/** Which object each supported event carries, and so which mapping applies. */
const EVENT_OBJECTS = {
  'charge.succeeded': 'charge',
  'charge.failed': 'charge',
  'charge.captured': 'charge',
  'charge.updated': 'charge',
  'charge.refunded': 'charge',
  'charge.refund.updated': 'refund',
  'refund.created': 'refund',
  'refund.updated': 'refund',
  'refund.failed': 'refund',
  'charge.dispute.created': 'dispute',
  'charge.dispute.updated': 'dispute',
  'charge.dispute.closed': 'dispute',
  'invoice.payment_succeeded': 'invoice',
  'invoice.paid': 'invoice',
  'customer.subscription.created': 'subscription',
  'customer.subscription.updated': 'subscription',
  'customer.subscription.deleted': 'subscription',
} as const satisfies Record<string, 'charge' | 'refund' | 'dispute' | 'invoice' | 'subscription'>;

export type StripeEventType = keyof typeof EVENT_OBJECTS;
/** Event types normaliseStripeEvent maps; any other verified event is stored raw and rejected here. */
export const STRIPE_SUPPORTED_EVENT_TYPES = Object.keys(EVENT_OBJECTS) as StripeEventType[];

export function isSupportedStripeEventType(type: string): type is StripeEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_OBJECTS, type);
}

// ---------------------------------------------------------------------------------------------------
// Public entry points: raw JSON in, NormaliseResult out.

/** A charge → its Payment, plus an Order when it is a standalone sale, plus Refunds when charge.refunds is expanded. */
export function normaliseStripeCharge(raw: unknown): NormaliseResult {
  return run(raw, () => chargeRecords(parse(stripeChargeSchema, raw, 'charge'), {}));
}

/** A refund → Refund. When refund.charge is expanded (the refunds import does), the order link is known too. */
export function normaliseStripeRefund(raw: unknown): NormaliseResult {
  return run(raw, () => refundRecords(raw, 'refund'));
}

/** A paid invoice → the records of the charge(s) that paid it, tagged with invoice and subscription ids. */
export function normaliseStripeInvoice(raw: unknown): NormaliseResult {
  return run(raw, () => invoiceRecords(parse(stripeInvoiceSchema, raw, 'invoice'), 'invoice', {}));
}

export function normaliseStripeSubscription(raw: unknown): NormaliseResult {
  return run(raw, () => [{ kind: 'subscription', subscription: subscriptionRecord(parse(stripeSubscriptionSchema, raw, 'subscription'), 'subscription') }]);
}

export function normaliseStripeDispute(raw: unknown): NormaliseResult {
  return run(raw, () => [{ kind: 'dispute', dispute: disputeRecord(raw, 'dispute') }]);
}

/**
 * A webhook event (already verified, see webhook.ts) → records. Supported types are
 * STRIPE_SUPPORTED_EVENT_TYPES; anything else is rejected as unsupported (it is still stored raw).
 * The event's `created` is the order's sourceUpdatedAt: Stripe objects carry no last-modified time.
 */
export function normaliseStripeEvent(event: unknown): NormaliseResult {
  return run(event, () => {
    const envelope = parse(stripeEventSchema, event, 'event');
    if (!isSupportedStripeEventType(envelope.type)) {
      throw new RowRejected(`unsupported event type ${envelope.type}: stored raw, not normalised (supported: ${STRIPE_SUPPORTED_EVENT_TYPES.join(', ')})`);
    }
    const object = envelope.data.object;
    const root = 'data.object';
    const context: ChargeContext = { observedAt: envelope.created };
    switch (EVENT_OBJECTS[envelope.type]) {
      case 'charge':
        return chargeRecords(parse(stripeChargeSchema, object, root), context);
      case 'refund':
        return refundRecords(object, root);
      case 'dispute':
        return [{ kind: 'dispute', dispute: disputeRecord(object, root) }];
      case 'invoice':
        return invoiceRecords(parse(stripeInvoiceSchema, object, root), root, context);
      case 'subscription':
        return [{ kind: 'subscription', subscription: subscriptionRecord(parse(stripeSubscriptionSchema, object, root), root) }];
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Charges

type ChargeContext = {
  /** When the caller knows the charge paid an invoice (the charge itself no longer says so). */
  invoiceId?: string | null;
  subscriptionId?: string | null;
  /** Where tracking ids may also be: the invoice's and subscription's metadata (Stripe does not copy them onto the charge). */
  fallbackMetadata?: Array<Record<string, string> | undefined>;
  fallbackEmail?: string | null;
  /** Unix seconds of the event that carried this state (webhooks), for the order's sourceUpdatedAt. */
  observedAt?: number;
};

function chargeRecords(charge: StripeCharge, context: ChargeContext): CommerceRecord[] {
  const refunds = embeddedRefunds(charge);
  const records: CommerceRecord[] = [{ kind: 'payment', payment: chargePayment(charge, context) }];
  if (isStandaloneSale(charge)) records.push({ kind: 'order', order: chargeOrder(charge, refunds, context) });
  for (const refund of refunds) records.push({ kind: 'refund', refund });
  return records;
}

/**
 * A charge is an order of its own when nothing else owns the order (no metadata.order_id) and money
 * was actually taken (succeeded and captured). Failed, pending and uncaptured charges are payments only.
 */
function isStandaloneSale(charge: StripeCharge): boolean {
  return storeOrderId(charge.metadata) === null && charge.status === 'succeeded' && charge.captured;
}

function chargePayment(charge: StripeCharge, context: ChargeContext): Payment {
  return check(paymentSchema, 'payment', {
    source: 'stripe',
    externalId: charge.id,
    orderExternalId: storeOrderId(charge.metadata),
    invoiceId: context.invoiceId ?? expandableId(charge.invoice),
    subscriptionId: context.subscriptionId ?? null,
    customerExternalId: expandableId(charge.customer),
    emailHash: firstEmailHash(charge.billing_details?.email, charge.receipt_email, context.fallbackEmail),
    amountMinor: charge.amount,
    amountRefundedMinor: charge.amount_refunded,
    currency: charge.currency.toUpperCase(),
    status: paymentStatus(charge),
    sourceStatus: charge.status,
    createdAt: isoTime(charge.created),
    tracking: trackingFrom(charge.metadata, ...(context.fallbackMetadata ?? [])),
  });
}

/**
 * Our payment status. A dispute outranks refunds (the chargeback is what finance needs to see). An
 * uncaptured authorisation is pending until captured, refunded once released. Note that after a
 * partial capture Stripe counts the uncaptured remainder in amount_refunded, so such a charge reads as
 * partially refunded, as in Stripe's own dashboard.
 */
function paymentStatus(charge: StripeCharge): PaymentStatus {
  if (charge.status === 'failed') return 'failed';
  if (charge.status === 'pending') return 'pending';
  if (!charge.captured) return charge.refunded ? 'refunded' : 'pending';
  if (charge.disputed) return 'disputed';
  if (charge.refunded || (charge.amount > 0 && charge.amount_refunded >= charge.amount)) return 'refunded';
  if (charge.amount_refunded > 0) return 'partially_refunded';
  return 'succeeded';
}

function chargeOrder(charge: StripeCharge, refunds: Refund[], context: ChargeContext): Order {
  const fullyRefunded = charge.refunded || charge.amount_refunded >= charge.amount;
  return check(orderSchema, 'order', {
    source: 'stripe',
    externalId: charge.id,
    orderNumber: charge.receipt_number ?? null,
    status: fullyRefunded ? 'refunded' : charge.amount_refunded > 0 ? 'partially_refunded' : 'paid',
    sourceStatus: charge.status,
    currency: charge.currency.toUpperCase(),
    totalMinor: charge.amount,
    // A charge has one amount; Stripe does not break it down (Checkout line items live elsewhere).
    subtotalMinor: null,
    taxMinor: null,
    shippingMinor: null,
    discountMinor: null,
    customerExternalId: expandableId(charge.customer),
    emailHash: firstEmailHash(charge.billing_details?.email, charge.receipt_email, context.fallbackEmail),
    createdAt: isoTime(charge.created),
    // A succeeded charge is paid when it is created (async methods report succeeded only once paid).
    paidAt: isoTime(charge.created),
    sourceUpdatedAt: context.observedAt === undefined ? null : isoTime(context.observedAt),
    tracking: trackingFrom(charge.metadata, ...(context.fallbackMetadata ?? [])),
    items: [],
    refunds,
  });
}

/** charge.refunds, when the payload has it (expanded; this API version leaves it out by default). */
function embeddedRefunds(charge: StripeCharge): Refund[] {
  const list = charge.refunds;
  if (!list) return [];
  return list.data.map((raw, index) => refundRecord(parse(stripeRefundSchema, raw, `charge.refunds.data.${index}`), charge));
}

// ---------------------------------------------------------------------------------------------------
// Refunds

function refundRecords(raw: unknown, root: string): CommerceRecord[] {
  const refund = parse(stripeRefundSchema, raw, root);
  const charge = typeof refund.charge === 'object' && refund.charge !== null ? parse(stripeChargeSchema, refund.charge, `${root}.charge`) : null;
  return [{ kind: 'refund', refund: refundRecord(refund, charge) }];
}

/**
 * orderExternalId is only filled when we hold the charge and the charge is itself the order (a
 * standalone sale, whose order id is the charge id). With only a charge id we cannot tell a
 * standalone sale from a store's order, so it stays null; paymentExternalId (the charge id) still
 * ties the refund to its payment, and through it to the order. A refund of a store's order (charge
 * with metadata.order_id) also stays null: orderExternalId names an order of the same source, and
 * the store's own integration reports that order's refunds.
 *
 * A failed or canceled refund returned no money. Our Refund has no status, so it is emitted with
 * amount 0 (reason says why): a refund first stored while pending is then corrected by the upsert on
 * the same key instead of lingering at its original amount.
 */
function refundRecord(refund: StripeRefund, charge: StripeCharge | null): Refund {
  const returnedNoMoney = refund.status === 'failed' || refund.status === 'canceled';
  return check(refundSchema, 'refund', {
    source: 'stripe',
    externalId: refund.id,
    orderExternalId: charge !== null && isStandaloneSale(charge) ? charge.id : null,
    paymentExternalId: charge?.id ?? expandableId(refund.charge),
    amountMinor: returnedNoMoney ? 0 : refund.amount,
    currency: refund.currency.toUpperCase(),
    reason: returnedNoMoney ? [`refund ${refund.status}`, refund.failure_reason].filter(Boolean).join(': ') : (refund.reason ?? null),
    createdAt: isoTime(refund.created),
  });
}

// ---------------------------------------------------------------------------------------------------
// Invoices

/**
 * A paid invoice → the records of the charge(s) that paid it, with invoiceId and subscriptionId set.
 *
 * Why not a Payment keyed by the invoice id: every invoice paid through Stripe is paid by a charge,
 * and that charge arrives on its own too (charge.succeeded, the charges import) as a Payment keyed by
 * the charge id. Keying the invoice's view by the same charge id makes the two one row, so a
 * subscription payment is counted once whichever arrives first, and the invoice adds what the charge
 * no longer carries in this API version: the invoice and subscription ids.
 *
 * That needs the charge object, which an invoice only names through its (includable) payments list:
 * expandStripeInvoice (import.ts) fetches it; the invoices import always does, a webhook processor
 * should call prepareStripeEvent first. Without it:
 * - nothing was paid through Stripe (amount 0, or settled wholly outside Stripe): a Payment keyed by
 *   the invoice id, which no charge can duplicate;
 * - a payment recorded outside Stripe (payment_record): a Payment keyed by that record's id;
 * - otherwise the invoice is rejected with the reason, never turned into a second Payment.
 */
function invoiceRecords(invoice: StripeInvoice, root: string, context: ChargeContext): CommerceRecord[] {
  if (invoice.status !== 'paid') {
    throw new RowRejected(`${root}.status: invoice ${invoice.id} is ${invoice.status ?? 'null'}; only paid invoices are payments`);
  }
  const subscriptionDetails = invoice.parent?.subscription_details ?? null;
  const linked: ChargeContext = {
    ...context,
    invoiceId: invoice.id,
    subscriptionId: expandableId(subscriptionDetails?.subscription) ?? expandableId(invoice.subscription),
    fallbackMetadata: [invoice.metadata, subscriptionDetails?.metadata],
    fallbackEmail: invoice.customer_email ?? null,
  };

  const payments = invoice.payments;
  if (payments) {
    if (payments.has_more) {
      throw new RowRejected(`${root}.payments.has_more: invoice ${invoice.id} has more payments than the payload lists; its charges cannot all be linked`);
    }
    const paid = payments.data.map((payment, index) => ({ payment, index })).filter(({ payment }) => payment.status === 'paid');
    if (paid.length === 0) {
      if (invoice.amount_paid === 0) return [{ kind: 'payment', payment: invoicePayment(invoice, linked, invoice.id, invoice.amount_paid) }];
      throw new RowRejected(`${root}.payments: invoice ${invoice.id} paid ${invoice.amount_paid} but lists no paid payment`);
    }
    return paid.flatMap(({ payment, index }) => invoicePaymentRecords(invoice, payment, `${root}.payments.data.${index}.payment`, linked));
  }

  if (invoice.charge !== null && invoice.charge !== undefined && typeof invoice.charge === 'object') {
    // Older API versions: the charge is on the invoice itself (an object when expanded).
    return chargeRecords(parse(stripeChargeSchema, invoice.charge, `${root}.charge`), linked);
  }
  if (invoice.amount_paid === 0 || invoice.amount_paid_off_stripe === invoice.amount_paid) {
    return [{ kind: 'payment', payment: invoicePayment(invoice, linked, invoice.id, invoice.amount_paid) }];
  }
  throw new RowRejected(
    `${root}.payments: not in the payload, so the charge that paid invoice ${invoice.id} is unknown. Its money is recorded from the charge ` +
      '(charge.succeeded, the charges import); to link it to the invoice and subscription, expand the invoice first (prepareStripeEvent / expandStripeInvoice)',
  );
}

function invoicePaymentRecords(invoice: StripeInvoice, payment: StripeInvoicePayment, path: string, linked: ChargeContext): CommerceRecord[] {
  const charge = chargeObjectOf(payment);
  if (charge !== null) return chargeRecords(parse(stripeChargeSchema, charge, `${path}.charge`), linked);
  if (payment.payment.type === 'payment_record') {
    // Paid outside Stripe and recorded on the invoice: no charge exists, so this key cannot double count.
    const recordId = expandableId(payment.payment.payment_record) ?? payment.id;
    return [{ kind: 'payment', payment: invoicePayment(invoice, linked, recordId, payment.amount_paid ?? 0, payment.status_transitions?.paid_at ?? null) }];
  }
  const named = typeof payment.payment.charge === 'string' ? `charge ${payment.payment.charge}` : `${payment.payment.type} ${expandableId(payment.payment.payment_intent) ?? ''}`.trim();
  throw new RowRejected(
    `${path}: names ${named} but not the charge object, so invoice ${invoice.id} cannot be linked to its payment; expand it first (expandStripeInvoice). ` +
      'The money itself is recorded from the charge',
  );
}

/** The charge object of an invoice payment: payment.charge when expanded, or the expanded PaymentIntent's latest_charge. */
function chargeObjectOf(payment: StripeInvoicePayment): Record<string, unknown> | null {
  const { charge, payment_intent: intent } = payment.payment;
  if (typeof charge === 'object' && charge !== null) return charge;
  if (typeof intent === 'object' && intent !== null && typeof intent.latest_charge === 'object' && intent.latest_charge !== null) {
    return intent.latest_charge as Record<string, unknown>;
  }
  return null;
}

/** A Payment for money that moved without a Stripe charge (keyed so that no charge can share its key). */
function invoicePayment(invoice: StripeInvoice, linked: ChargeContext, externalId: string, amount: number, paidAt: number | null = null): Payment {
  return check(paymentSchema, 'payment', {
    source: 'stripe',
    externalId,
    orderExternalId: storeOrderId(invoice.metadata),
    invoiceId: invoice.id,
    subscriptionId: linked.subscriptionId ?? null,
    customerExternalId: expandableId(invoice.customer),
    emailHash: firstEmailHash(invoice.customer_email),
    amountMinor: amount,
    amountRefundedMinor: 0,
    currency: invoice.currency.toUpperCase(),
    status: 'succeeded',
    sourceStatus: invoice.status ?? 'paid',
    createdAt: isoTime(paidAt ?? invoice.status_transitions?.paid_at ?? invoice.created),
    tracking: trackingFrom(...(linked.fallbackMetadata ?? [])),
  });
}

// ---------------------------------------------------------------------------------------------------
// Subscriptions

const MONTHS_PER_INTERVAL = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 } as const;

/**
 * Monthly recurring revenue of one price: amount per billing period ÷ months per period
 * (day ×365/12, week ×52/12, month ÷1, year ÷12), each period being interval_count intervals long.
 * Not rounded: the subscription's total is rounded once.
 */
export function monthlyRecurringAmount(unitAmountMinor: number, quantity: number, interval: keyof typeof MONTHS_PER_INTERVAL, intervalCount: number): number {
  return (unitAmountMinor * quantity) / (MONTHS_PER_INTERVAL[interval] * intervalCount);
}

/**
 * MRR = Σ items (unit amount × quantity, per month), rounded to an integer. Nominal: discounts and
 * taxes are not applied, and the status is not looked at (a canceled subscription keeps the MRR it
 * had; MRR metrics filter on status). Metered prices contribute 0 (their revenue is only known when
 * invoiced). A tiered price (no unit amount) cannot be priced without its tiers and usage, so such a
 * subscription is rejected rather than under-counted.
 */
function subscriptionRecord(subscription: StripeSubscription, root: string): Subscription {
  const currency = subscription.currency.toUpperCase();
  if (subscription.items.has_more) {
    throw new RowRejected(`${root}.items.has_more: subscription ${subscription.id} has more items than the payload lists; its MRR would be incomplete`);
  }
  let monthly = 0;
  subscription.items.data.forEach((item, index) => {
    const path = `${root}.items.data.${index}.price`;
    const { price } = item;
    if (price.recurring === null) throw new RowRejected(`${path}.recurring: null; a subscription item needs a recurring price`);
    if (price.currency.toUpperCase() !== currency) throw new RowRejected(`${path}.currency: ${price.currency} differs from the subscription's ${subscription.currency}`);
    if (price.recurring.usage_type === 'metered') return;
    const unitAmount = price.unit_amount ?? (price.unit_amount_decimal ? Number(price.unit_amount_decimal) : null);
    if (unitAmount === null) throw new RowRejected(`${path}.unit_amount: null (tiered price?); MRR cannot be computed`);
    monthly += monthlyRecurringAmount(unitAmount, item.quantity ?? 1, price.recurring.interval, price.recurring.interval_count);
  });

  // The period end moved to the items; with items on different cycles the latest is when the customer's access ends.
  const itemPeriodEnds = subscription.items.data.map((item) => item.current_period_end).filter((end): end is number => typeof end === 'number');
  const periodEnd = itemPeriodEnds.length > 0 ? Math.max(...itemPeriodEnds) : (subscription.current_period_end ?? null);

  return check(subscriptionSchema, 'subscription', {
    source: 'stripe',
    externalId: subscription.id,
    customerExternalId: expandableId(subscription.customer),
    status: subscription.status,
    currency,
    mrrMinor: Math.round(monthly),
    startedAt: isoTime(subscription.start_date),
    canceledAt: subscription.canceled_at === null ? null : isoTime(subscription.canceled_at),
    endedAt: subscription.ended_at === null ? null : isoTime(subscription.ended_at),
    currentPeriodEnd: periodEnd === null ? null : isoTime(periodEnd),
  });
}

// ---------------------------------------------------------------------------------------------------
// Disputes

function disputeRecord(raw: unknown, root: string): Dispute {
  const dispute = parse(stripeDisputeSchema, raw, root);
  return check(disputeSchema, 'dispute', {
    source: 'stripe',
    externalId: dispute.id,
    paymentExternalId: expandableId(dispute.charge),
    amountMinor: dispute.amount,
    currency: dispute.currency.toUpperCase(),
    status: dispute.status,
    reason: dispute.reason,
    createdAt: isoTime(dispute.created),
  });
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Thrown inside a mapping to reject the row; caught in run(), never escapes this module. */
class RowRejected extends Error {}

function run(raw: unknown, build: () => CommerceRecord[]): NormaliseResult {
  try {
    return { ok: true, records: build() };
  } catch (error) {
    const reason = error instanceof RowRejected ? error.message : `unexpected error while mapping: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, rejected: { externalId: rejectedId(raw), reason, raw: redactPersonalData(raw) } };
  }
}

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new RowRejected(describe(result.error, root));
  return result.data as z.output<S>;
}

/** The record we built must satisfy the shared contract (lengths, formats); if not, reject rather than hand on a bad record. */
function check<S extends z.ZodTypeAny>(schema: S, root: string, record: z.input<S>): z.output<S> {
  return parse(schema, record, root);
}

function describe(error: z.ZodError, root: string): string {
  const issues = fieldErrors(error, { prefix: [root] });
  const shown = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return shown.join('; ');
}

function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function storeOrderId(metadata: Record<string, string>): string | null {
  return nonEmpty(metadata[STRIPE_ORDER_ID_METADATA]);
}

/**
 * Tracking ids from metadata, first source that has each. Charges carry the PaymentIntent's metadata
 * (payment_intent_data.metadata in Checkout). Checkout's client_reference_id is NOT copied onto the
 * charge by Stripe: a checkout that sets it must also put the visitor id in
 * payment_intent_data.metadata.lux_visitor_id (subscription_data.metadata for subscriptions).
 */
function trackingFrom(...sources: Array<Record<string, string> | undefined>): TrackingLink {
  const pick = (key: string): string | null => {
    for (const metadata of sources) {
      const value = nonEmpty(metadata?.[key]);
      if (value !== null) return value;
    }
    return null;
  };
  return {
    visitorId: pick(STRIPE_TRACKING_METADATA.visitorId),
    sessionId: pick(STRIPE_TRACKING_METADATA.sessionId),
    userId: pick(STRIPE_TRACKING_METADATA.userId),
  };
}

function firstEmailHash(...emails: Array<string | null | undefined>): string | null {
  for (const email of emails) {
    const hash = hashEmail(email);
    if (hash !== undefined) return hash;
  }
  return null;
}

function rejectedId(raw: unknown): string | null {
  if (!isRecord(raw)) return null;
  // For an event, the id of the object it is about (what a person looks up in the Dashboard).
  const data = raw.data;
  if (raw.object === 'event' && isRecord(data) && isRecord(data.object) && typeof data.object.id === 'string') return data.object.id;
  return typeof raw.id === 'string' ? raw.id : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Fields that hold a person's contact details, address or payment-method owner data. A rejected row is
 * stored for debugging, which never needs them; emails anywhere else are replaced by scrubEmails.
 */
const PERSONAL_FIELDS = new Set([
  'billing_details',
  'shipping',
  'receipt_email',
  'customer_email',
  'customer_name',
  'customer_phone',
  'customer_address',
  'customer_shipping',
  'customer_details',
  'customer_tax_ids',
  'payment_method_details',
  'evidence',
  'email',
  'phone',
]);
const MAX_REDACT_DEPTH = 12;

/** A copy of a vendor row safe to store in rejected_rows: personal fields replaced, emails scrubbed from every string. */
export function redactPersonalData(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (depth >= MAX_REDACT_DEPTH) return '[truncated]';
  // SDK value objects (stripe-node's Decimal) store their state in private fields; keep what they serialise to.
  if ('toJSON' in value && typeof value.toJSON === 'function') return redactPersonalData((value.toJSON as () => unknown)(), depth + 1);
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] = PERSONAL_FIELDS.has(key) && child !== null ? '[redacted]' : redactPersonalData(child, depth + 1);
  }
  return copy;
}
