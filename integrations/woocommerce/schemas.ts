// zod schemas of the WooCommerce REST v3 order object (GET /wp-json/wc/v3/orders and the order.* webhook
// payloads, which are the same JSON). Only the fields we map are checked, and checked strictly: a shape
// change at the vendor must reject the row with a reason, not turn into a silent zero. Everything else
// passes through untouched (shops run plugins that add fields).
import { z } from 'zod';

/** WooCommerce writes money as decimal strings ("49.90", refunds "-5.00"); never floats. */
const DECIMAL_MESSAGE = 'expected a decimal amount as a string, such as "19.99"';
export const wooDecimalSchema = z.string({ invalid_type_error: DECIMAL_MESSAGE }).regex(/^-?\d+(?:\.\d+)?$/, DECIMAL_MESSAGE);

/**
 * The *_gmt fields: "2024-03-01T10:15:00" — UTC, but written without a zone. We append the `Z` here so
 * every time leaving this module carries its offset (records need `datetime({ offset: true })`). A value
 * that already ends in Z is accepted as is.
 */
export const wooGmtDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z?$/, 'expected a GMT date-time such as "2024-03-01T10:15:00"')
  .transform((value, ctx) => {
    const iso = value.endsWith('Z') ? value : `${value}Z`;
    const date = new Date(iso);
    // Round-trip the calendar part so 2024-02-30 is refused rather than rolled over to March.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a real date-time: ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return iso;
  });

/** WooCommerce object ids are positive integers. */
const wooIdSchema = z.number().int().positive();

export const wooLineItemSchema = z
  .object({
    id: wooIdSchema,
    /** 0 when the product has since been deleted. */
    product_id: z.number().int().nonnegative(),
    /** "" when the product has no SKU. */
    sku: z.string().nullish(),
    name: z.string(),
    quantity: z.number().int().nonnegative(),
    /**
     * Unit price. WooCommerce computes it as a float (line total ÷ quantity), so it is a JSON number and
     * may carry more decimals than the currency has; normalise rounds it (totals are never rounded).
     */
    price: z.union([z.number().finite(), wooDecimalSchema]),
    /** Line total before discounts, ex tax (not in our field list, used to derive the order subtotal). */
    subtotal: wooDecimalSchema.optional(),
    /** Line total after discounts, ex tax. */
    total: wooDecimalSchema,
  })
  .passthrough();
export type WooLineItem = z.infer<typeof wooLineItemSchema>;

export const wooOrderRefundSchema = z
  .object({
    id: wooIdSchema,
    reason: z.string().nullish(),
    /** Negative: "-5.00". */
    total: wooDecimalSchema,
  })
  .passthrough();
export type WooOrderRefund = z.infer<typeof wooOrderRefundSchema>;

/** Order meta: plugins store anything in value (strings, numbers, arrays, objects). */
export const wooMetaDataSchema = z.object({ key: z.string(), value: z.unknown() }).passthrough();
export type WooMetaData = z.infer<typeof wooMetaDataSchema>;

export const wooOrderSchema = z
  .object({
    id: wooIdSchema,
    /** The number the customer sees; a string ("1234"), or whatever a sequential-numbers plugin makes it. */
    number: z.union([z.string().min(1), z.number().int()]).transform(String),
    status: z.string().min(1),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code')
      .transform((code) => code.toUpperCase()),
    date_created_gmt: wooGmtDateTimeSchema,
    date_modified_gmt: wooGmtDateTimeSchema.nullable(),
    /** null until the order is paid. */
    date_paid_gmt: wooGmtDateTimeSchema.nullish(),
    total: wooDecimalSchema,
    total_tax: wooDecimalSchema,
    shipping_total: wooDecimalSchema,
    discount_total: wooDecimalSchema,
    /** 0 for a guest checkout. */
    customer_id: z.number().int().nonnegative(),
    billing: z.object({ email: z.string().nullish() }).passthrough().nullish(),
    meta_data: z.array(wooMetaDataSchema),
    line_items: z.array(wooLineItemSchema),
    refunds: z.array(wooOrderRefundSchema),
  })
  .passthrough();

/** A parsed order: times already carry their `Z`, the currency is in capitals. */
export type WooCommerceOrder = z.output<typeof wooOrderSchema>;
