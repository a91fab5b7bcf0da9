// The parts of Shopify's REST Admin order (and the same JSON in orders/* webhooks) that LUX reads. Only
// these fields are validated; the rest of the vendor's object is ignored, so a field Shopify adds
// tomorrow cannot break an import, while a field we rely on changing shape fails loudly with its path.
//
// Money is a decimal string in the shop's currency ("19.99"); times are ISO 8601 with the shop's
// offset ("2025-03-01T10:15:00-05:00"); ids are JSON numbers (safe integers, well under 2^53).
import { z } from 'zod';

const shopifyId = z.number().int().positive();
/** A decimal amount as Shopify writes it; exactness is checked when it is converted (money.ts). */
const amount = z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal amount such as "19.99"');
const timestamp = z.string().datetime({ offset: true, message: 'expected an ISO 8601 time with an offset' });

export const shopifyMoneySetSchema = z.object({
  shop_money: z.object({ amount, currency_code: z.string().optional() }),
});

/** A cart attribute, copied onto the order. Values are normally strings; anything else is ignored. */
export const shopifyNoteAttributeSchema = z.object({
  name: z.string(),
  value: z.unknown(),
});

export const shopifyDiscountAllocationSchema = z.object({ amount });

export const shopifyLineItemSchema = z.object({
  id: shopifyId,
  /** null for custom line items and deleted products. */
  product_id: shopifyId.nullable().optional(),
  sku: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
  quantity: z.number().int().nonnegative(),
  /** Unit price before discounts, shop currency. */
  price: amount,
  /** Deprecated by Shopify in favour of discount_allocations, still sent; used when those are absent. */
  total_discount: amount.optional(),
  discount_allocations: z.array(shopifyDiscountAllocationSchema).optional(),
});

export const shopifyRefundTransactionSchema = z.object({
  id: shopifyId.optional(),
  amount,
  /** sale, capture, authorization, void, refund, change. Only `refund` moves money back. */
  kind: z.string(),
  /** pending, failure, success, error. */
  status: z.string().nullable().optional(),
  currency: z.string().nullable().optional(),
});

export const shopifyRefundSchema = z.object({
  id: shopifyId,
  created_at: timestamp,
  note: z.string().nullable().optional(),
  transactions: z.array(shopifyRefundTransactionSchema).default([]),
});

export const shopifyOrderSchema = z.object({
  id: shopifyId,
  /** What the customer sees, e.g. "#1001" (the shop may configure another prefix or a suffix). */
  name: z.string().min(1),
  order_number: z.number().int().nonnegative(),
  /** pending, authorized, partially_paid, paid, partially_refunded, refunded, voided, expired. */
  financial_status: z.string().nullable().optional(),
  /** null (unfulfilled), partial, fulfilled, restocked. */
  fulfillment_status: z.string().nullable().optional(),
  cancelled_at: timestamp.nullable().optional(),
  /** The shop currency: every amount read here is in it (presentment_currency is the buyer's). */
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code'),
  total_price: amount,
  subtotal_price: amount.nullable().optional(),
  total_tax: amount.nullable().optional(),
  total_discounts: amount.nullable().optional(),
  total_shipping_price_set: shopifyMoneySetSchema.nullable().optional(),
  created_at: timestamp,
  updated_at: timestamp,
  processed_at: timestamp.nullable().optional(),
  /** Absent for guest checkouts, and for apps without access to protected customer data. */
  customer: z.object({ id: shopifyId }).nullable().optional(),
  email: z.string().nullable().optional(),
  contact_email: z.string().nullable().optional(),
  note_attributes: z.array(shopifyNoteAttributeSchema).nullable().optional(),
  line_items: z.array(shopifyLineItemSchema),
  refunds: z.array(shopifyRefundSchema).nullable().optional(),
});

export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;
export type ShopifyLineItem = z.infer<typeof shopifyLineItemSchema>;
export type ShopifyRefund = z.infer<typeof shopifyRefundSchema>;

/** A list response of GET /admin/api/<version>/orders.json; rows are validated one by one later. */
export const shopifyOrdersPageSchema = z.object({ orders: z.array(z.unknown()) });
