// The normalised commerce records every store, payment and CRM integration produces. integrations/<vendor>
// turns the vendor's own shapes into these (pure mapping, no business rules); activities store them.
//
// Rules that hold for every record here:
// - Money is integer minor units (1999 = 19.99) with an ISO 4217 currency in capitals.
// - Times are ISO 8601 strings with an offset (they cross Temporal's JSON boundary).
// - No raw personal data: an email is already normalised and SHA-256 hashed (lib/enrichment/privacy
//   hashEmail) when a record is built, so it never reaches Temporal's history or our tables in clear.
// - externalId is the vendor's stable id of the record; (company, source, externalId) is unique.
import { z } from 'zod';
import type { AdSpendRow } from '../ads/records';
import type { MessageEvent, MessageSend } from '../messages/records';
import type { SearchConsoleRow, SocialPageDay } from '../organic/records';

export const COMMERCE_SOURCES = ['woocommerce', 'shopify', 'stripe', 'storefront'] as const;
export type CommerceSource = (typeof COMMERCE_SOURCES)[number];

/**
 * Our order statuses. Each vendor's own status is kept verbatim in sourceStatus; this is the common
 * reading used by revenue metrics: only `paid`, `fulfilled` and `partially_refunded` count as revenue.
 */
export const ORDER_STATUSES = ['pending', 'paid', 'fulfilled', 'partially_refunded', 'refunded', 'cancelled', 'failed', 'on_hold', 'other'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const minor = z.number().int().nonnegative().max(1e13);
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code in capitals');
const isoTime = z.string().datetime({ offset: true });
const id = z.string().trim().min(1).max(200);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');

export const orderItemSchema = z.object({
  externalId: id,
  productId: id.nullable(),
  sku: z.string().max(200).nullable(),
  name: z.string().max(500).nullable(),
  quantity: z.number().int().nonnegative(),
  /** Unit price, minor units. */
  unitPriceMinor: minor,
  /** Line total after line discounts, minor units. */
  totalMinor: minor,
});
export type OrderItem = z.infer<typeof orderItemSchema>;

export const refundSchema = z.object({
  source: z.enum(COMMERCE_SOURCES),
  externalId: id,
  /** The order this refund belongs to (same source), when known. */
  orderExternalId: id.nullable(),
  /** The payment (e.g. Stripe charge) it refunds, when known. */
  paymentExternalId: id.nullable(),
  amountMinor: minor,
  currency,
  reason: z.string().max(500).nullable(),
  createdAt: isoTime,
});
export type Refund = z.infer<typeof refundSchema>;

/** Links from a platform record back to our tracking, carried in order meta / metadata (docs/integrations.md). */
export const trackingLinkSchema = z.object({
  visitorId: z.string().max(200).nullable(),
  sessionId: z.string().max(200).nullable(),
  userId: z.string().max(200).nullable(),
});
export type TrackingLink = z.infer<typeof trackingLinkSchema>;

export const orderSchema = z.object({
  source: z.enum(['woocommerce', 'shopify', 'stripe']),
  externalId: id,
  /** The number a customer sees (#1001), when the platform has one distinct from the id. */
  orderNumber: z.string().max(100).nullable(),
  status: z.enum(ORDER_STATUSES),
  sourceStatus: z.string().max(100),
  currency,
  totalMinor: minor,
  subtotalMinor: minor.nullable(),
  taxMinor: minor.nullable(),
  shippingMinor: minor.nullable(),
  discountMinor: minor.nullable(),
  customerExternalId: z.string().max(200).nullable(),
  emailHash: sha256Hex.nullable(),
  createdAt: isoTime,
  paidAt: isoTime.nullable(),
  /** The platform's last-modified time; a stored order is only replaced by a record at least as new. */
  sourceUpdatedAt: isoTime.nullable(),
  tracking: trackingLinkSchema,
  items: z.array(orderItemSchema),
  refunds: z.array(refundSchema),
});
export type Order = z.infer<typeof orderSchema>;

export const PAYMENT_STATUSES = ['succeeded', 'pending', 'failed', 'refunded', 'partially_refunded', 'disputed'] as const;

export const paymentSchema = z.object({
  source: z.literal('stripe'),
  externalId: id,
  /** The store order it pays for, when the payment says so (e.g. metadata.order_id). */
  orderExternalId: z.string().max(200).nullable(),
  invoiceId: z.string().max(200).nullable(),
  subscriptionId: z.string().max(200).nullable(),
  customerExternalId: z.string().max(200).nullable(),
  emailHash: sha256Hex.nullable(),
  amountMinor: minor,
  amountRefundedMinor: minor,
  currency,
  status: z.enum(PAYMENT_STATUSES),
  sourceStatus: z.string().max(100),
  createdAt: isoTime,
  tracking: trackingLinkSchema,
});
export type Payment = z.infer<typeof paymentSchema>;

export const disputeSchema = z.object({
  source: z.literal('stripe'),
  externalId: id,
  paymentExternalId: id.nullable(),
  amountMinor: minor,
  currency,
  status: z.string().max(100),
  reason: z.string().max(200).nullable(),
  createdAt: isoTime,
});
export type Dispute = z.infer<typeof disputeSchema>;

export const subscriptionSchema = z.object({
  source: z.literal('stripe'),
  externalId: id,
  customerExternalId: z.string().max(200).nullable(),
  status: z.string().max(100),
  currency,
  /** Monthly recurring revenue of the subscription, minor units (yearly ÷ 12, weekly × 52 ÷ 12, quantity applied). */
  mrrMinor: minor,
  startedAt: isoTime,
  canceledAt: isoTime.nullable(),
  endedAt: isoTime.nullable(),
  currentPeriodEnd: isoTime.nullable(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const leadSchema = z.object({
  source: z.literal('gohighlevel'),
  /** contact or opportunity */
  kind: z.enum(['contact', 'opportunity']),
  externalId: id,
  emailHash: sha256Hex.nullable(),
  status: z.string().max(100).nullable(),
  /** Opportunity value, when there is one. */
  valueMinor: minor.nullable(),
  currency: currency.nullable(),
  pipelineStage: z.string().max(200).nullable(),
  createdAt: isoTime,
  sourceUpdatedAt: isoTime.nullable(),
  tracking: trackingLinkSchema,
});
export type Lead = z.infer<typeof leadSchema>;

/** What one vendor record normalises into (a webhook or an import row). */
export type CommerceRecord =
  | { kind: 'order'; order: Order }
  | { kind: 'refund'; refund: Refund }
  | { kind: 'payment'; payment: Payment }
  | { kind: 'dispute'; dispute: Dispute }
  | { kind: 'subscription'; subscription: Subscription }
  | { kind: 'lead'; lead: Lead }
  /** An ad platform's daily spend row (lib/ads/records.ts): imports go through the same machinery. */
  | { kind: 'ad_spend'; adSpend: AdSpendRow }
  /** Email/SMS sends and events (lib/messages/records.ts): Mailgun and Twilio webhooks use the same machinery. */
  | { kind: 'message_send'; send: MessageSend }
  | { kind: 'message_event'; event: MessageEvent }
  /** Organic imports (lib/organic/records.ts): Search Console rows and social account days. */
  | { kind: 'search_console_row'; row: SearchConsoleRow }
  | { kind: 'social_page_day'; day: SocialPageDay };

/**
 * A vendor row that could not be normalised. Recorded in rejected_rows with the reason, never
 * silently skipped.
 */
export type RejectedRow = { externalId: string | null; reason: string; raw: unknown };

export type NormaliseResult = { ok: true; records: CommerceRecord[] } | { ok: false; rejected: RejectedRow };
