// A local stand-in for Shopify's REST Admin API (orders list only) and for Shopify's webhook signing,
// following the documented shapes: token in X-Shopify-Access-Token, status=open by default, limit ≤ 250,
// cursor pagination through opaque page_info tokens in the Link header, and a request carrying page_info
// may carry no other filter (the filters live in the token). Our client cannot tell it from Shopify:
// only the base URL differs.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Order JSON

export type ShopifyMoneyJson = { amount: string; currency_code: string };
export type ShopifyLineItemJson = {
  id: number;
  product_id: number | null;
  variant_id: number | null;
  sku: string | null;
  title: string;
  name: string;
  quantity: number;
  price: string;
  total_discount: string;
  discount_allocations: Array<{ amount: string; discount_application_index: number }>;
  taxable: boolean;
  requires_shipping: boolean;
  fulfillment_status: string | null;
  [key: string]: unknown;
};
export type ShopifyRefundJson = {
  id: number;
  order_id: number;
  created_at: string;
  processed_at: string;
  note: string | null;
  restock: boolean;
  transactions: Array<{ id: number; order_id: number; kind: string; status: string; amount: string; currency: string; gateway: string; created_at: string; parent_id: number | null }>;
  refund_line_items: unknown[];
  [key: string]: unknown;
};
export type ShopifyOrderJson = {
  id: number;
  admin_graphql_api_id: string;
  name: string;
  order_number: number;
  number: number;
  email: string | null;
  contact_email: string | null;
  currency: string;
  presentment_currency: string;
  financial_status: string | null;
  fulfillment_status: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  processed_at: string;
  subtotal_price: string;
  total_line_items_price: string;
  total_price: string;
  total_tax: string;
  total_discounts: string;
  taxes_included: boolean;
  total_price_set: { shop_money: ShopifyMoneyJson; presentment_money: ShopifyMoneyJson };
  total_shipping_price_set: { shop_money: ShopifyMoneyJson; presentment_money: ShopifyMoneyJson };
  customer: { id: number; email: string | null; first_name: string | null; last_name: string | null; [key: string]: unknown } | null;
  note: string | null;
  note_attributes: Array<{ name: string; value: unknown }>;
  line_items: ShopifyLineItemJson[];
  refunds: ShopifyRefundJson[];
  source_name: string;
  landing_site: string | null;
  referring_site: string | null;
  tags: string;
  test: boolean;
  token: string;
  [key: string]: unknown;
};

let sequence = 0;

/** A time as Shopify writes it: the shop's offset (here -05:00), no milliseconds. */
export function shopTime(at: Date | string): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  return new Date(instant.getTime() - 5 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '-05:00');
}

const money = (amount: string, currency: string) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
});

/**
 * A paid, unfulfilled web order as the REST Admin API returns it (2025-01), money as strings: two
 * mugs at 24.95 and a 10.00 poster, 4.99 shipping, 5.99 tax: 70.88. Overrides replace top-level keys.
 */
export function shopifyOrder(overrides: Partial<ShopifyOrderJson> = {}): ShopifyOrderJson {
  sequence += 1;
  const id = 5_600_000_000_000 + sequence;
  const number = 1000 + sequence;
  const created = shopTime(new Date(Date.UTC(2025, 2, 1, 15, 0, 0) + sequence * 60_000));
  const currency = overrides.currency ?? 'USD';
  const email = 'bob.norman@mail.example.com';
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${number}`,
    order_number: number,
    number: sequence,
    email,
    contact_email: email,
    currency,
    presentment_currency: currency,
    financial_status: 'paid',
    fulfillment_status: null,
    cancelled_at: null,
    cancel_reason: null,
    closed_at: null,
    created_at: created,
    updated_at: created,
    processed_at: created,
    subtotal_price: '59.90',
    total_line_items_price: '59.90',
    total_price: '70.88',
    total_tax: '5.99',
    total_discounts: '0.00',
    taxes_included: false,
    total_price_set: money('70.88', currency),
    total_shipping_price_set: money('4.99', currency),
    customer: { id: 7_100_000_000 + sequence, email, first_name: 'Bob', last_name: 'Norman', verified_email: true },
    note: null,
    note_attributes: [{ name: 'gift_message', value: 'Happy birthday!' }],
    line_items: [
      lineItem({ id: 13_000_000_000 + sequence * 10 + 1, product_id: 632910392, sku: 'MUG-BLUE', title: 'Blue mug', quantity: 2, price: '24.95' }),
      lineItem({ id: 13_000_000_000 + sequence * 10 + 2, product_id: 921728736, sku: 'POSTER-A2', title: 'Poster A2', quantity: 1, price: '10.00' }),
    ],
    refunds: [],
    source_name: 'web',
    landing_site: '/?utm_source=newsletter',
    referring_site: '',
    tags: '',
    test: false,
    token: `b1946ac92492d2347c6235b4d2611${String(sequence).padStart(3, '0')}`,
    ...overrides,
  };
}

export function lineItem(fields: Pick<ShopifyLineItemJson, 'id' | 'title' | 'quantity' | 'price'> & Partial<ShopifyLineItemJson>): ShopifyLineItemJson {
  return {
    product_id: null,
    variant_id: null,
    sku: null,
    name: fields.title,
    total_discount: '0.00',
    discount_allocations: [],
    taxable: true,
    requires_shipping: true,
    fulfillment_status: null,
    ...fields,
  };
}

/** A refund of `amount` (one successful refund transaction) on `order`. */
export function shopifyRefund(order: Pick<ShopifyOrderJson, 'id' | 'currency'>, fields: { id: number; amount: string; note?: string | null; createdAt?: string }): ShopifyRefundJson {
  const createdAt = fields.createdAt ?? shopTime('2025-03-05T12:00:00Z');
  return {
    id: fields.id,
    order_id: order.id,
    created_at: createdAt,
    processed_at: createdAt,
    note: fields.note ?? null,
    restock: true,
    transactions: [
      { id: fields.id + 1, order_id: order.id, kind: 'refund', status: 'success', amount: fields.amount, currency: order.currency, gateway: 'shopify_payments', created_at: createdAt, parent_id: 9_000_000 },
    ],
    refund_line_items: [],
  };
}

// ---------------------------------------------------------------------------------------------------
// Webhooks

/** X-Shopify-Hmac-Sha256 as Shopify computes it: base64 of HMAC-SHA256 over the raw body, keyed by the app's client secret. */
export function signShopifyWebhook(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** The headers of one delivery, as Shopify sends them. */
export function shopifyWebhookHeaders(options: {
  rawBody: Buffer | string;
  secret: string;
  topic: string;
  eventId?: string | null;
  webhookId?: string | null;
  shopDomain?: string;
  apiVersion?: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Shopify-Topic': options.topic,
    'X-Shopify-Hmac-Sha256': signShopifyWebhook(options.rawBody, options.secret),
    'X-Shopify-Shop-Domain': options.shopDomain ?? 'lux-demo.myshopify.com',
    'X-Shopify-API-Version': options.apiVersion ?? '2025-01',
    'X-Shopify-Triggered-At': new Date().toISOString(),
  };
  if (options.webhookId !== null) headers['X-Shopify-Webhook-Id'] = options.webhookId ?? 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
  if (options.eventId !== null && options.eventId !== undefined) headers['X-Shopify-Event-Id'] = options.eventId;
  return headers;
}

// ---------------------------------------------------------------------------------------------------
// The Admin API server

export type FakeShopifyRequest = { method: string; path: string; query: Record<string, string>; headers: IncomingHttpHeaders };

export type FakeShopify = {
  /** Base URL to use as credentials.apiBaseUrl. */
  url: string;
  accessToken: string;
  /** The shop's orders; mutate freely between requests (like a live shop). */
  orders: ShopifyOrderJson[];
  requests: FakeShopifyRequest[];
  /** Answer the next `times` (default 1) requests with `status` (and Retry-After when given). */
  failNext(status: number, options?: { retryAfter?: number | string; times?: number; body?: unknown }): void;
  close(): Promise<void>;
};

export const FAKE_SHOPIFY_TOKEN = 'shpat_0123456789abcdef0123456789abcdef';
const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 50;
const INVALID_TOKEN = '[API] Invalid API key or access token (unrecognized login or wrong password)';

type SortField = 'updated_at' | 'created_at' | 'id';
type Filters = { status: string; updatedAtMin: number | null; order: { field: SortField; direction: 'asc' | 'desc' } };
type Key = { t: number; id: number };
/** What a page_info token carries: the run's filters, and where the next/previous page starts. */
type PageToken = { filters: Filters; after?: Key; before?: Key };
type Fault = { status: number; retryAfter: string | null; remaining: number; body: unknown };

class BadRequest extends Error {
  constructor(readonly errors: unknown) {
    super('bad request');
  }
}

export async function startFakeShopify(options: { accessToken?: string; orders?: ShopifyOrderJson[] } = {}): Promise<FakeShopify> {
  const accessToken = options.accessToken ?? FAKE_SHOPIFY_TOKEN;
  const orders = options.orders ?? [];
  const requests: FakeShopifyRequest[] = [];
  const faults: Fault[] = [];
  let baseUrl = '';

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      if (error instanceof BadRequest) return json(res, 400, { errors: error.errors });
      json(res, 500, { errors: error instanceof Error ? error.message : String(error) });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', baseUrl);
    const query = Object.fromEntries(url.searchParams.entries());
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, headers: req.headers });

    const fault = faults[0];
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.shift();
      const headers: Record<string, string> = fault.retryAfter !== null ? { 'Retry-After': fault.retryAfter } : {};
      return json(res, fault.status, fault.body, headers);
    }

    const match = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/orders\.json$/.exec(url.pathname);
    if (!match || req.method !== 'GET') return json(res, 404, { errors: 'Not Found' });
    if (req.headers['x-shopify-access-token'] !== accessToken) return json(res, 401, { errors: INVALID_TOKEN });

    const limit = parseLimit(url.searchParams.get('limit'));
    const pageInfo = url.searchParams.get('page_info');
    let token: PageToken;
    if (pageInfo !== null) {
      const others = [...url.searchParams.keys()].filter((k) => !['page_info', 'limit', 'fields'].includes(k));
      if (others.length > 0) throw new BadRequest({ page_info: [`cannot be combined with ${others.join(', ')}: only limit and fields may accompany page_info`] });
      token = decodeToken(pageInfo);
    } else {
      token = { filters: parseFilters(url.searchParams) };
    }

    const { page, hasAfter, hasBefore } = selectPage(orders, token, limit);
    const links: string[] = [];
    const linkTo = (next: PageToken, rel: string) => {
      const target = new URL(url.pathname, baseUrl);
      target.searchParams.set('limit', String(limit));
      const fields = url.searchParams.get('fields');
      if (fields !== null) target.searchParams.set('fields', fields);
      target.searchParams.set('page_info', encodeToken(next));
      links.push(`<${target.href}>; rel="${rel}"`);
    };
    const first = page[0];
    const last = page[page.length - 1];
    if (hasBefore && first) linkTo({ filters: token.filters, before: keyOf(first, token.filters.order.field) }, 'previous');
    if (hasAfter && last) linkTo({ filters: token.filters, after: keyOf(last, token.filters.order.field) }, 'next');

    const body = { orders: page.map((o) => pickFields(o, url.searchParams.get('fields'))) };
    const headers: Record<string, string> = { 'X-Shopify-Shop-Api-Call-Limit': `${Math.min(40, requests.length)}/40` };
    if (links.length > 0) headers.Link = links.join(', ');
    json(res, 200, body, headers);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    accessToken,
    orders,
    requests,
    failNext(status, fault = {}) {
      faults.push({
        status,
        retryAfter: fault.retryAfter === undefined ? null : String(fault.retryAfter),
        remaining: fault.times ?? 1,
        body: fault.body ?? defaultErrorBody(status),
      });
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function parseLimit(text: string | null): number {
  if (text === null) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new BadRequest({ limit: [`must be an integer between 1 and ${MAX_LIMIT}`] });
  return limit;
}

function parseFilters(params: URLSearchParams): Filters {
  const status = params.get('status') ?? 'open';
  if (!['open', 'closed', 'cancelled', 'any'].includes(status)) throw new BadRequest({ status: ['is not a valid status'] });
  const min = params.get('updated_at_min');
  const updatedAtMin = min === null ? null : Date.parse(min);
  if (updatedAtMin !== null && Number.isNaN(updatedAtMin)) throw new BadRequest({ updated_at_min: ['is not a valid date'] });
  // No order parameter: newest first by id (Shopify does not document its default; this is what shops see).
  const [field = 'id', direction = 'desc'] = (params.get('order') ?? 'id desc').trim().split(/\s+/);
  if (!['updated_at', 'created_at', 'id'].includes(field) || !['asc', 'desc'].includes(direction)) throw new BadRequest({ order: ['is not a valid order'] });
  return { status, updatedAtMin, order: { field: field as SortField, direction: direction as 'asc' | 'desc' } };
}

function matchesStatus(order: ShopifyOrderJson, status: string): boolean {
  switch (status) {
    case 'open':
      return order.cancelled_at === null && order.closed_at === null;
    case 'closed':
      return order.closed_at !== null;
    case 'cancelled':
      return order.cancelled_at !== null;
    default:
      return true;
  }
}

function keyOf(order: ShopifyOrderJson, field: SortField): Key {
  return { t: field === 'id' ? order.id : Date.parse(order[field]), id: order.id };
}

function compareKeys(a: Key, b: Key): number {
  return a.t - b.t || a.id - b.id;
}

/** Keyset pagination over the live order list: what changed since the token was minted shows up like at Shopify. */
function selectPage(all: ShopifyOrderJson[], token: PageToken, limit: number): { page: ShopifyOrderJson[]; hasAfter: boolean; hasBefore: boolean } {
  const { filters } = token;
  const sign = filters.order.direction === 'asc' ? 1 : -1;
  const sorted = all
    .filter((o) => matchesStatus(o, filters.status))
    .filter((o) => filters.updatedAtMin === null || Date.parse(o.updated_at) >= filters.updatedAtMin)
    .map((o) => ({ o, key: keyOf(o, filters.order.field) }))
    .sort((a, b) => sign * compareKeys(a.key, b.key));
  if (token.before) {
    const before = token.before;
    const earlier = sorted.filter((x) => sign * compareKeys(x.key, before) < 0);
    const page = earlier.slice(Math.max(0, earlier.length - limit));
    return { page: page.map((x) => x.o), hasAfter: true, hasBefore: earlier.length > page.length };
  }
  const after = token.after;
  const later = after ? sorted.filter((x) => sign * compareKeys(x.key, after) > 0) : sorted;
  const page = later.slice(0, limit);
  return { page: page.map((x) => x.o), hasAfter: later.length > limit, hasBefore: after !== undefined };
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeToken(text: string): PageToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
    if (typeof token.filters?.status !== 'string') throw new Error('no filters');
    return token;
  } catch {
    throw new BadRequest({ page_info: ['Invalid value.'] });
  }
}

function pickFields(order: ShopifyOrderJson, fields: string | null): Record<string, unknown> {
  if (fields === null) return order;
  const wanted = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(order).filter(([key]) => wanted.has(key)));
}

function defaultErrorBody(status: number): unknown {
  if (status === 429) return { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' };
  if (status === 401) return { errors: INVALID_TOKEN };
  if (status >= 500) return { errors: 'Internal Server Error' };
  return { errors: 'Bad Request' };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
