// zod schemas of the Stripe objects we read. A Stripe response is a trust boundary: the fields we use
// are checked strictly (a wrong type fails with the field's path), everything else passes through
// untouched so Stripe adding fields never breaks an import.
//
// Checked against the installed SDK's type definitions (stripe 23.1.0, API version 2026-10-28.endive,
// node_modules/stripe/cjs/resources/*.d.ts). What moved since the API versions most examples show
// (the 2025-03-31.basil changes):
// - charge.invoice no longer exists: a charge does not say which invoice it paid. The invoice says it,
//   in invoice.payments (an includable list: only present when requested with expand).
// - invoice.charge, invoice.payment_intent and invoice.subscription no longer exist: the subscription
//   is invoice.parent.subscription_details.subscription, the payments are invoice.payments.data[]
//   (InvoicePayment: payment.type charge | payment_intent | payment_record).
// - subscription.current_period_end moved to each subscription item (items.data[].current_period_end).
// - charge.refunds is not included unless expanded (it is absent from webhook payloads).
// A webhook endpoint may be pinned to an older API version than the SDK, so the legacy fields
// (charge.invoice, invoice.charge, invoice.subscription, subscription.current_period_end) are
// accepted as optional and used when present.
import { z } from 'zod';

/** Unix seconds, as Stripe sends every timestamp. */
export const unixSeconds = z.number().int().nonnegative();
const minorAmount = z.number().int().nonnegative();
/** Stripe sends currencies lower-case (usd); we store them upper-case. */
const stripeCurrency = z.string().regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO currency code');
const objectId = z.string().trim().min(1);

/** An id, or the object it names when the request expanded it. */
export const expandableSchema = z.union([objectId, z.object({ id: objectId }).passthrough()]);
export type Expandable = z.infer<typeof expandableSchema>;

export function expandableId(value: Expandable | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Stripe metadata: string values; absent or null read as empty. */
export const metadataSchema = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});

/** stripe-node's Decimal (duck-typed, as the SDK itself does) → its decimal string; anything else unchanged. */
function decimalToString(value: unknown): unknown {
  return isDecimalLike(value) ? value.toString() : value;
}

function isDecimalLike(value: unknown): value is { toString(): string } {
  return typeof value === 'object' && value !== null && 'toFixed' in value && 'isZero' in value;
}

/** Stripe's list envelope (every list endpoint and every embedded list). */
export function stripeListSchema<T extends z.ZodTypeAny>(item: T) {
  return z
    .object({
      object: z.literal('list'),
      data: z.array(item),
      has_more: z.boolean(),
      url: z.string().optional(),
    })
    .passthrough();
}

/** A list page as an import reads it: rows stay raw (each row is normalised on its own), but pagination needs id and created. */
export const stripeListPageSchema = stripeListSchema(z.object({ id: objectId, created: unixSeconds }).passthrough());

export const stripeChargeSchema = z
  .object({
    id: objectId,
    object: z.literal('charge'),
    amount: minorAmount,
    amount_refunded: minorAmount,
    captured: z.boolean(),
    created: unixSeconds,
    currency: stripeCurrency,
    customer: expandableSchema.nullable(),
    billing_details: z.object({ email: z.string().nullable().optional() }).passthrough().nullable(),
    receipt_email: z.string().nullable(),
    /** The number on the receipt Stripe emailed, when it sent one. */
    receipt_number: z.string().nullable().optional(),
    disputed: z.boolean(),
    refunded: z.boolean(),
    status: z.enum(['succeeded', 'pending', 'failed']),
    metadata: metadataSchema,
    payment_intent: expandableSchema.nullable().optional(),
    /** Only when expanded (`expand: ['refunds']`); each refund is parsed on its own. */
    refunds: stripeListSchema(z.unknown()).nullish(),
    /** Legacy: API versions before 2025-03-31.basil only. */
    invoice: expandableSchema.nullish(),
  })
  .passthrough();
export type StripeCharge = z.infer<typeof stripeChargeSchema>;

export const stripeRefundSchema = z
  .object({
    id: objectId,
    object: z.literal('refund'),
    amount: minorAmount,
    /** The charge refunded; an object when expanded (the refunds import expands it). Null for refunds not tied to a charge. */
    charge: expandableSchema.nullable(),
    created: unixSeconds,
    currency: stripeCurrency,
    reason: z.string().nullable().optional(),
    /** pending | requires_action | succeeded | failed | canceled */
    status: z.string().nullable(),
    failure_reason: z.string().optional(),
    metadata: metadataSchema,
  })
  .passthrough();
export type StripeRefund = z.infer<typeof stripeRefundSchema>;

export const stripeDisputeSchema = z
  .object({
    id: objectId,
    object: z.literal('dispute'),
    amount: minorAmount,
    charge: expandableSchema,
    created: unixSeconds,
    currency: stripeCurrency,
    reason: z.string().nullable(),
    status: z.string().min(1),
  })
  .passthrough();
export type StripeDispute = z.infer<typeof stripeDisputeSchema>;

export const stripeRecurringSchema = z
  .object({
    interval: z.enum(['day', 'week', 'month', 'year']),
    interval_count: z.number().int().positive(),
    /** licensed (quantity × price) or metered (billed on usage afterwards). */
    usage_type: z.string().optional(),
  })
  .passthrough();

export const stripePriceSchema = z
  .object({
    id: objectId,
    currency: stripeCurrency,
    /** Null for tiered prices and for prices with sub-minor-unit precision (then unit_amount_decimal). */
    unit_amount: minorAmount.nullable(),
    /**
     * A decimal string on the wire; stripe-node 23 turns it into its own Decimal object when it reads a
     * response (its toString()/toJSON() give the string back), so both are accepted.
     */
    unit_amount_decimal: z.preprocess(decimalToString, z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal string').nullable().optional()),
    billing_scheme: z.string().optional(),
    recurring: stripeRecurringSchema.nullable(),
  })
  .passthrough();

export const stripeSubscriptionItemSchema = z
  .object({
    id: objectId,
    price: stripePriceSchema,
    /** Absent for metered prices. */
    quantity: z.number().int().nonnegative().optional(),
    /** Since 2025-03-31.basil the billing period lives on each item. */
    current_period_end: unixSeconds.optional(),
  })
  .passthrough();

export const stripeSubscriptionSchema = z
  .object({
    id: objectId,
    object: z.literal('subscription'),
    customer: expandableSchema.nullable(),
    status: z.string().min(1),
    currency: stripeCurrency,
    start_date: unixSeconds,
    created: unixSeconds,
    canceled_at: unixSeconds.nullable(),
    ended_at: unixSeconds.nullable(),
    items: stripeListSchema(stripeSubscriptionItemSchema),
    metadata: metadataSchema,
    /** Legacy: API versions before 2025-03-31.basil only. */
    current_period_end: unixSeconds.nullish(),
  })
  .passthrough();
export type StripeSubscription = z.infer<typeof stripeSubscriptionSchema>;

export const stripeInvoicePaymentSchema = z
  .object({
    id: objectId,
    object: z.literal('invoice_payment'),
    amount_paid: minorAmount.nullable(),
    currency: stripeCurrency,
    /** open | paid | canceled */
    status: z.string(),
    payment: z
      .object({
        /** charge | payment_intent | payment_record */
        type: z.string(),
        /** The charge; an object when expanded (expandStripeInvoice attaches it, also for payment_intent payments). */
        charge: z.union([objectId, z.record(z.string(), z.unknown())]).optional(),
        payment_intent: z.union([objectId, z.object({ id: objectId, latest_charge: z.unknown().optional() }).passthrough()]).optional(),
        payment_record: expandableSchema.optional(),
      })
      .passthrough(),
    status_transitions: z.object({ paid_at: unixSeconds.nullable() }).passthrough().optional(),
  })
  .passthrough();
export type StripeInvoicePayment = z.infer<typeof stripeInvoicePaymentSchema>;

export const stripeInvoiceSchema = z
  .object({
    id: objectId,
    object: z.literal('invoice'),
    /** draft | open | paid | uncollectible | void */
    status: z.string().nullable(),
    amount_paid: minorAmount,
    /** Part of amount_paid settled outside Stripe (recorded with mark-as-paid). */
    amount_paid_off_stripe: minorAmount.optional(),
    created: unixSeconds,
    currency: stripeCurrency,
    customer: expandableSchema.nullable(),
    customer_email: z.string().nullable().optional(),
    metadata: metadataSchema,
    parent: z
      .object({
        subscription_details: z
          .object({ subscription: expandableSchema, metadata: metadataSchema.optional() })
          .passthrough()
          .nullable()
          .optional(),
      })
      .passthrough()
      .nullish(),
    /** Only when expanded (`expand: ['payments']`, or `['data.payments']` on a list). */
    payments: stripeListSchema(stripeInvoicePaymentSchema).optional(),
    status_transitions: z.object({ paid_at: unixSeconds.nullable() }).passthrough().optional(),
    /** Legacy: API versions before 2025-03-31.basil only. */
    subscription: expandableSchema.nullish(),
    /** Legacy: API versions before 2025-03-31.basil only. */
    charge: z.union([objectId, z.record(z.string(), z.unknown())]).nullish(),
  })
  .passthrough();
export type StripeInvoice = z.infer<typeof stripeInvoiceSchema>;

/** The envelope of a webhook event (and of GET /v1/events). data.object is parsed by its own schema. */
export const stripeEventSchema = z
  .object({
    id: objectId,
    object: z.literal('event'),
    type: z.string().min(1),
    created: unixSeconds,
    api_version: z.string().nullable().optional(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }).passthrough(),
  })
  .passthrough();
export type StripeEvent = z.infer<typeof stripeEventSchema>;
