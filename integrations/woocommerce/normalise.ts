// WooCommerce order JSON (REST v3 import rows and order.* webhook payloads) → our normalised Order.
// Pure mapping: no I/O, no business rules beyond reading WooCommerce's status the way revenue metrics
// need it. Never throws: a row that cannot be read becomes a RejectedRow whose reason names the field.
import { decimalToMinorUnits, minorUnitDigits } from '../../lib/commerce/money';
import {
  orderSchema,
  type NormaliseResult,
  type Order,
  type OrderItem,
  type OrderStatus,
  type Refund,
  type RejectedRow,
  type TrackingLink,
} from '../../lib/commerce/records';
import { hashEmail, scrubEmails } from '../../lib/enrichment/privacy';
import { describeIssues } from '../../lib/zod-issues';
import { wooOrderSchema, type WooCommerceOrder, type WooLineItem, type WooMetaData } from './schemas';

/**
 * WooCommerce's core order statuses → ours. `checkout-draft` is the block checkout's not-yet-placed
 * order. Statuses added by plugins (e.g. "shipped", "awaiting-pickup") map to `other`; sourceStatus
 * keeps the original, so a later mapping can reclassify them.
 */
export const WOOCOMMERCE_STATUS_MAP: Readonly<Record<string, OrderStatus>> = {
  pending: 'pending',
  processing: 'paid',
  'on-hold': 'on_hold',
  completed: 'fulfilled',
  cancelled: 'cancelled',
  refunded: 'refunded',
  failed: 'failed',
  'checkout-draft': 'pending',
};

/**
 * Order meta keys a storefront fills at checkout with the LUX snippet's ids (docs/integrations/
 * woocommerce.md): the shop reads the snippet's visitor id in the browser (or its `_lux_vid` cookie on
 * the server) and saves it on the order with `$order->update_meta_data('_lux_visitor_id', ...)`. This
 * is what links an order to the visits and campaigns that led to it.
 */
export const WOOCOMMERCE_TRACKING_META_KEYS = {
  visitorId: '_lux_visitor_id',
  sessionId: '_lux_session_id',
  userId: '_lux_user_id',
} as const satisfies Record<keyof TrackingLink, string>;

/**
 * Our status for a WooCommerce order. WooCommerce keeps a partly refunded order in processing /
 * completed (and `total` stays the original amount; refunds are listed beside it), so a paid order
 * with refunds reads as partially_refunded, or refunded when the refunds cover the whole total (a shop
 * whose filters stop WooCommerce from switching the status itself).
 */
export function mapWooCommerceStatus(status: string, totalMinor: number, refundedMinor: number): OrderStatus {
  const mapped = WOOCOMMERCE_STATUS_MAP[status] ?? 'other';
  if ((mapped === 'paid' || mapped === 'fulfilled') && refundedMinor > 0) {
    return refundedMinor < totalMinor ? 'partially_refunded' : 'refunded';
  }
  return mapped;
}

/** One WooCommerce order (REST v3 JSON) → `{ ok: true, records: [{ kind: 'order', order }] }` or a rejection. */
export function normaliseWooCommerceOrder(row: unknown): NormaliseResult {
  const parsed = wooOrderSchema.safeParse(row);
  if (!parsed.success) {
    return reject(row, `invalid WooCommerce order: ${describeIssues(parsed.error, 'order').join('; ')}`);
  }
  let order: Order;
  try {
    order = toOrder(parsed.data);
  } catch (error) {
    // RowProblem carries a field-named reason; anything else is a bug here, still reported, never thrown.
    const reason = error instanceof RowProblem ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    return reject(row, `invalid WooCommerce order: ${reason}`);
  }
  // The record contract is the last word (lengths, id formats): check it here, where the row is known,
  // rather than have storage fail on it later.
  const checked = orderSchema.safeParse(order);
  if (!checked.success) {
    return reject(row, `WooCommerce order does not fit the order record: ${describeIssues(checked.error, 'order').join('; ')}`);
  }
  return { ok: true, records: [{ kind: 'order', order: checked.data }] };
}

/** A mapping failure whose message starts with the WooCommerce field at fault. */
class RowProblem extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RowProblem';
  }
}

function toOrder(woo: WooCommerceOrder): Order {
  const currency = woo.currency;
  const externalId = String(woo.id);
  const totalMinor = amount('total', woo.total, currency);

  // Refunds carry no date of their own in the order JSON (only id, reason, total). The order's
  // date_modified is the best time we know: a refund modifies the order, so the refund happened at or
  // before it. The refunds endpoint has exact dates if that precision is ever needed.
  const refundedAt = woo.date_modified_gmt ?? woo.date_created_gmt;
  const refunds: Refund[] = woo.refunds.map((refund, index) => ({
    source: 'woocommerce',
    externalId: String(refund.id),
    orderExternalId: externalId,
    paymentExternalId: null,
    // WooCommerce writes refund totals negative ("-5.00"); ours are positive amounts.
    amountMinor: Math.abs(signedAmount(`refunds.${index}.total`, refund.total, currency)),
    currency,
    reason: emptyToNull(refund.reason),
    createdAt: refundedAt,
  }));
  const refundedMinor = refunds.reduce((sum, refund) => sum + refund.amountMinor, 0);

  return {
    source: 'woocommerce',
    externalId,
    orderNumber: woo.number,
    status: mapWooCommerceStatus(woo.status, totalMinor, refundedMinor),
    sourceStatus: woo.status,
    currency,
    totalMinor,
    subtotalMinor: subtotal(woo.line_items, currency),
    taxMinor: amount('total_tax', woo.total_tax, currency),
    shippingMinor: amount('shipping_total', woo.shipping_total, currency),
    discountMinor: amount('discount_total', woo.discount_total, currency),
    // customer_id 0 is WooCommerce's guest checkout, not a customer.
    customerExternalId: woo.customer_id === 0 ? null : String(woo.customer_id),
    // Hashed here, so the address never leaves this function in clear.
    emailHash: hashEmail(woo.billing?.email) ?? null,
    createdAt: woo.date_created_gmt,
    paidAt: woo.date_paid_gmt ?? null,
    sourceUpdatedAt: woo.date_modified_gmt,
    tracking: tracking(woo.meta_data),
    items: woo.line_items.map((item, index) => toItem(item, index, currency)),
    refunds,
  };
}

function toItem(item: WooLineItem, index: number, currency: string): OrderItem {
  return {
    externalId: String(item.id),
    // product_id 0: the product was deleted after the order was placed.
    productId: item.product_id === 0 ? null : String(item.product_id),
    sku: emptyToNull(item.sku),
    name: emptyToNull(item.name),
    quantity: item.quantity,
    unitPriceMinor: roundedUnitPrice(`line_items.${index}.price`, item.price, currency),
    totalMinor: amount(`line_items.${index}.total`, item.total, currency),
  };
}

/**
 * The order has no subtotal field; WooCommerce's own "Subtotal" line is the sum of the line items'
 * `subtotal` (before discounts, ex tax, ex shipping). Null when there are no line items or one of them
 * lacks the field: an unknown subtotal is better than a wrong one.
 */
function subtotal(items: WooLineItem[], currency: string): number | null {
  if (items.length === 0) return null;
  let sum = 0;
  for (const [index, item] of items.entries()) {
    if (item.subtotal === undefined) return null;
    sum += amount(`line_items.${index}.subtotal`, item.subtotal, currency);
  }
  return sum;
}

/** The three tracking ids from order meta; the first entry wins, as with WooCommerce's get_meta(key, true). */
function tracking(meta: WooMetaData[]): TrackingLink {
  const read = (key: string): string | null => {
    const entry = meta.find((m) => m.key === key);
    if (entry === undefined || entry.value === null || entry.value === undefined) return null;
    const value = typeof entry.value === 'number' && Number.isFinite(entry.value) ? String(entry.value) : entry.value;
    if (typeof value !== 'string') throw new RowProblem(`meta_data[${key}]`, `expected a string, got ${describeType(value)}`);
    const trimmed = value.trim();
    // An empty value is normal: the field exists but the shopper's browser had no id (GPC, no consent).
    if (trimmed === '') return null;
    if (trimmed.length > 200) throw new RowProblem(`meta_data[${key}]`, `longer than 200 characters (${trimmed.length})`);
    return trimmed;
  };
  return {
    visitorId: read(WOOCOMMERCE_TRACKING_META_KEYS.visitorId),
    sessionId: read(WOOCOMMERCE_TRACKING_META_KEYS.sessionId),
    userId: read(WOOCOMMERCE_TRACKING_META_KEYS.userId),
  };
}

/** A non-negative money field, exactly (decimalToMinorUnits refuses rather than rounds). */
function amount(field: string, value: string, currency: string): number {
  const minor = signedAmount(field, value, currency);
  if (minor < 0) throw new RowProblem(field, `expected a non-negative amount, got ${JSON.stringify(value)}`);
  return minor;
}

function signedAmount(field: string, value: string, currency: string): number {
  try {
    return decimalToMinorUnits(value, currency);
  } catch (error) {
    throw new RowProblem(field, error instanceof Error ? error.message : String(error));
  }
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;

/**
 * A line item's unit price in minor units, rounded half-up to the currency's minor unit. The one place
 * we round: WooCommerce computes `price` as a float (line total ÷ quantity, e.g. 10.00 ÷ 3 =
 * 3.3333333333333335), so there is no exact value to keep. Line and order totals are never rounded.
 * The rounding is done on the decimal digits, not in floating point.
 */
function roundedUnitPrice(field: string, price: number | string, currency: string): number {
  const text = typeof price === 'number' ? String(price) : price.trim();
  const match = DECIMAL_TEXT.exec(text);
  if (!match) throw new RowProblem(field, `expected a non-negative plain decimal, got ${JSON.stringify(price)}`);
  const [, whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currency);
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const roundUp = (fraction.charAt(digits) || '0') >= '5';
  const minor = Number(`${whole}${kept}`) + (roundUp ? 1 : 0);
  if (!Number.isSafeInteger(minor)) throw new RowProblem(field, `amount ${JSON.stringify(price)} is too large`);
  return minor;
}

function emptyToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function reject(row: unknown, reason: string): { ok: false; rejected: RejectedRow } {
  return { ok: false, rejected: { externalId: readableId(row), reason, raw: redactWooCommerceRow(row) } };
}

/** The order id of a row we could not parse, when it has one that looks like an id. */
function readableId(row: unknown): string | null {
  if (typeof row !== 'object' || row === null || !('id' in row)) return null;
  const { id } = row;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  if (typeof id === 'string' && id.trim() !== '' && id.length <= 200) return id.trim();
  return null;
}

/**
 * Fields of a WooCommerce order (billing/shipping addresses, the customer's IP and browser) that are
 * personal data. A rejected row is stored in rejected_rows for someone to inspect, and our privacy rules
 * (no raw email, no raw IP at rest) hold for it too, so these are blanked and every other string is
 * scrubbed of email-like text. Country, state and city stay: they are what a person debugging needs
 * and identify nobody.
 */
const PERSONAL_FIELDS = new Set(['email', 'phone', 'first_name', 'last_name', 'company', 'address_1', 'address_2', 'postcode', 'customer_ip_address', 'customer_user_agent', 'customer_note']);
const REDACTED = '[redacted]';
const MAX_REDACT_DEPTH = 32;

/** A copy of a WooCommerce row safe to store with a rejection: personal fields blanked, emails scrubbed. */
export function redactWooCommerceRow(row: unknown): unknown {
  return redact(row, 0);
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_REDACT_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] = PERSONAL_FIELDS.has(key) && field !== null && field !== '' ? REDACTED : redact(field, depth + 1);
  }
  return copy;
}
