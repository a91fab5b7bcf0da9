// Shopify order JSON (REST Admin API and orders/* webhooks share the shape) → our Order record. Pure
// mapping: the reading of statuses is documented in docs/integrations/shopify.md, money is converted
// exactly, the email is hashed, and a row we cannot read becomes a rejected row with the field named.
import { decimalToMinorUnits } from '../../lib/commerce/money';
import { orderSchema, type NormaliseResult, type Order, type OrderItem, type OrderStatus, type Refund, type TrackingLink } from '../../lib/commerce/records';
import { hashEmail, scrubEmails } from '../../lib/enrichment/privacy';
import { describeIssues } from '../../lib/zod-issues';
import { shopifyOrderSchema, type ShopifyLineItem, type ShopifyOrder, type ShopifyRefund } from './schemas';

/** Cart attributes the storefront sets (docs/integrations/shopify.md); Shopify copies them onto the order as note_attributes. */
export const SHOPIFY_TRACKING_ATTRIBUTES = {
  visitorId: 'lux_visitor_id',
  sessionId: 'lux_session_id',
  userId: 'lux_user_id',
} as const;

/** A field of the vendor row that parsed but cannot be mapped (e.g. an amount with too many decimals). */
class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export function normaliseShopifyOrder(row: unknown): NormaliseResult {
  const parsed = shopifyOrderSchema.safeParse(row);
  if (!parsed.success) return reject(row, `shopify order: ${describeIssues(parsed.error, 'order').join('; ')}`);
  const source = parsed.data;
  try {
    const checked = orderSchema.safeParse(toOrder(source));
    // The record contract is checked too: a value the vendor allows but our tables do not (an id of
    // 300 characters, say) must be a rejected row with a reason, not an error at insert time.
    if (!checked.success) return reject(row, `shopify order ${source.id}: ${describeIssues(checked.error, 'order').join('; ')}`);
    return { ok: true, records: [{ kind: 'order', order: checked.data }] };
  } catch (error) {
    const reason = error instanceof FieldError ? `${error.field}: ${error.message}` : error instanceof Error ? error.message : String(error);
    return reject(row, `shopify order ${source.id}: ${reason}`);
  }
}

/**
 * checkouts/create: a checkout is a cart the buyer started paying for, not revenue, so it produces no
 * order (an abandoned checkout counted as an order would inflate revenue and conversion rates). The
 * collector keeps the verified payload raw, so funnel analysis (checkout started → order placed) can
 * read it later without another vendor call.
 */
export function normaliseShopifyCheckout(payload: unknown): NormaliseResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return reject(payload, 'shopify checkout: expected a JSON object');
  }
  return { ok: true, records: [] };
}

function toOrder(source: ShopifyOrder): Order {
  const currency = source.currency.toUpperCase();
  const money = (value: string, field: string): number => minorUnits(value, currency, field);
  const optionalMoney = (value: string | null | undefined, field: string): number | null => (value == null ? null : money(value, field));
  const financial = source.financial_status ?? null;
  const fulfillment = source.fulfillment_status ?? null;
  const cancelledAt = source.cancelled_at ?? null;
  const externalId = String(source.id);
  return {
    source: 'shopify',
    externalId,
    orderNumber: orderNumberFromName(source.name),
    status: shopifyOrderStatus(financial, fulfillment, cancelledAt),
    sourceStatus: sourceStatus(financial, fulfillment, cancelledAt),
    currency,
    totalMinor: money(source.total_price, 'total_price'),
    subtotalMinor: optionalMoney(source.subtotal_price, 'subtotal_price'),
    taxMinor: optionalMoney(source.total_tax, 'total_tax'),
    shippingMinor: optionalMoney(source.total_shipping_price_set?.shop_money.amount, 'total_shipping_price_set.shop_money.amount'),
    discountMinor: optionalMoney(source.total_discounts, 'total_discounts'),
    customerExternalId: source.customer ? String(source.customer.id) : null,
    emailHash: hashEmail(source.email) ?? hashEmail(source.contact_email) ?? null,
    createdAt: source.created_at,
    paidAt: paidAt(source),
    sourceUpdatedAt: source.updated_at,
    tracking: trackingFromNoteAttributes(source.note_attributes ?? []),
    items: source.line_items.map((item, index) => toItem(item, index, money)),
    refunds: (source.refunds ?? []).map((refund, index) => toRefund(refund, index, externalId, currency)),
  };
}

/**
 * "#1001" → "1001". The storefront's purchase event may carry the order number with or without the
 * '#' (Shopify's own templates show "#1001", scripts often read order_number 1001); storing it
 * without the '#' lets both match after the event side strips it the same way. A shop-configured
 * prefix or suffix ("EU1001-A") is kept: it is part of what the customer sees.
 */
export function orderNumberFromName(name: string): string {
  return name.trim().replace(/^#/, '');
}

/**
 * Shopify keeps payment (financial_status) and shipping (fulfillment_status) apart; our one status
 * reads them together. A cancelled order is `cancelled` whatever its payment state (its refunds are
 * still recorded, so the money trail stays complete).
 */
export function shopifyOrderStatus(financial: string | null, fulfillment: string | null, cancelledAt: string | null): OrderStatus {
  if (cancelledAt !== null) return 'cancelled';
  switch (financial) {
    case 'paid':
      return fulfillment === 'fulfilled' ? 'fulfilled' : 'paid';
    case 'partially_refunded':
      return 'partially_refunded';
    case 'refunded':
      return 'refunded';
    case 'pending':
    case 'authorized':
    case 'partially_paid': // a deposit has been taken, the order is not paid yet
      return 'pending';
    case 'voided':
      return 'cancelled';
    // The authorization lapsed before capture: the payment never happened.
    case 'expired':
      return 'failed';
    default:
      return 'other';
  }
}

/** Shopify's own reading, verbatim, for the audit trail: "paid/fulfilled", "refunded/unfulfilled/cancelled". */
function sourceStatus(financial: string | null, fulfillment: string | null, cancelledAt: string | null): string {
  const text = `${financial ?? 'none'}/${fulfillment ?? 'unfulfilled'}${cancelledAt !== null ? '/cancelled' : ''}`;
  return text.slice(0, 100);
}

const MONEY_TAKEN = new Set(['paid', 'partially_refunded', 'refunded']);

/**
 * The REST order carries no payment time (its transactions do); processed_at, when the order was
 * placed, is the closest the order itself says and is what Shopify reports sales by.
 */
function paidAt(source: ShopifyOrder): string | null {
  if (!MONEY_TAKEN.has(source.financial_status ?? '')) return null;
  return source.processed_at ?? source.created_at;
}

function toItem(item: ShopifyLineItem, index: number, money: (value: string, field: string) => number): OrderItem {
  const field = `line_items.${index}`;
  const unitPriceMinor = money(item.price, `${field}.price`);
  // discount_allocations is what Shopify documents now; total_discount is its older summary.
  const discountMinor = item.discount_allocations
    ? item.discount_allocations.reduce((sum, allocation, i) => sum + money(allocation.amount, `${field}.discount_allocations.${i}.amount`), 0)
    : item.total_discount !== undefined
      ? money(item.total_discount, `${field}.total_discount`)
      : 0;
  const totalMinor = unitPriceMinor * item.quantity - discountMinor;
  if (totalMinor < 0) throw new FieldError(field, `discounts (${discountMinor}) exceed price × quantity (${unitPriceMinor * item.quantity})`);
  return {
    externalId: String(item.id),
    productId: item.product_id == null ? null : String(item.product_id),
    sku: nonEmpty(item.sku)?.slice(0, 200) ?? null,
    name: nonEmpty(item.title)?.slice(0, 500) ?? null,
    quantity: item.quantity,
    unitPriceMinor,
    totalMinor,
  };
}

/** Transactions that did not go through never moved money back. */
const FAILED_TRANSACTION = new Set(['failure', 'error']);

/**
 * A refund's amount is what its `refund` transactions returned to the buyer. A refund without one
 * (restocking items only) is kept with amount 0, so the record of it is not lost.
 */
function toRefund(refund: ShopifyRefund, index: number, orderExternalId: string, orderCurrency: string): Refund {
  const field = `refunds.${index}`;
  const moved = refund.transactions
    .map((transaction, i) => ({ transaction, i }))
    .filter(({ transaction }) => transaction.kind === 'refund' && !FAILED_TRANSACTION.has(transaction.status ?? ''));
  // Transactions carry their own currency (the buyer's, in a multi-currency shop). Summing two
  // currencies would be wrong, so a mix is refused rather than guessed at.
  const currencies = new Set(moved.map(({ transaction }) => (transaction.currency ?? orderCurrency).toUpperCase()));
  if (currencies.size > 1) throw new FieldError(`${field}.transactions`, `refund transactions in several currencies (${[...currencies].join(', ')})`);
  const currency = [...currencies][0] ?? orderCurrency;
  const amountMinor = moved.reduce((sum, { transaction, i }) => sum + minorUnits(transaction.amount, currency, `${field}.transactions.${i}.amount`), 0);
  return {
    source: 'shopify',
    externalId: String(refund.id),
    orderExternalId,
    paymentExternalId: null,
    amountMinor,
    currency,
    reason: nonEmpty(refund.note)?.slice(0, 500) ?? null,
    createdAt: refund.created_at,
  };
}

/**
 * Cart attributes are set by the storefront's JavaScript, so anyone can write anything there: a value
 * that is not a short string is dropped (the order still counts, it just is not linked to a visit).
 */
function trackingFromNoteAttributes(attributes: ReadonlyArray<{ name: string; value?: unknown }>): TrackingLink {
  const read = (name: string): string | null => {
    const attribute = attributes.find((a) => a.name.trim().toLowerCase() === name);
    const value = typeof attribute?.value === 'string' ? attribute.value.trim() : null;
    return value !== null && value.length > 0 && value.length <= 200 ? value : null;
  };
  return {
    visitorId: read(SHOPIFY_TRACKING_ATTRIBUTES.visitorId),
    sessionId: read(SHOPIFY_TRACKING_ATTRIBUTES.sessionId),
    userId: read(SHOPIFY_TRACKING_ATTRIBUTES.userId),
  };
}

function minorUnits(value: string, currency: string, field: string): number {
  let minor: number;
  try {
    minor = decimalToMinorUnits(value, currency);
  } catch (error) {
    throw new FieldError(field, error instanceof Error ? error.message : String(error));
  }
  if (minor < 0) throw new FieldError(field, `negative amount ${JSON.stringify(value)}`);
  return minor;
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function reject(raw: unknown, reason: string): NormaliseResult {
  return { ok: false, rejected: { externalId: externalIdOf(raw), reason, raw: redactEmails(raw) } };
}

function externalIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = raw.id;
  return typeof id === 'number' || (typeof id === 'string' && id.trim() !== '') ? String(id).slice(0, 200) : null;
}

const MAX_REDACT_DEPTH = 32;

/**
 * The rejected row is stored for a person to inspect, so it must not carry an email in clear either:
 * every string has its email-like parts replaced with `[email]` (lib/enrichment/privacy scrubEmails).
 */
export function redactEmails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_REDACT_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactEmails(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubEmails(key), redactEmails(item, depth + 1)]));
}
