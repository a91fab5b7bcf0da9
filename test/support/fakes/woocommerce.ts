// A local stand-in for a WooCommerce shop's REST API (GET /wp-json/wc/v3/orders), following the documented
// request and response shapes (../shared/REFERENCE.md): Basic auth with the consumer key and secret,
// page / per_page (1–100), orderby / order, modified_after / modified_before with dates_are_gmt, and the
// X-WP-Total, X-WP-TotalPages and Link pagination headers. Our code talks to it through the store URL
// only; it does not know it is a fake.
//
// Also here: a realistic order factory (money as strings, *_gmt times without a zone) and the webhook
// signature, which WooCommerce has no SDK helper for, computed exactly as its docs state.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An order as WooCommerce serialises it; only the fields the fake itself reads are typed. */
export type WooOrderJson = {
  id: number;
  date_created_gmt: string;
  date_modified_gmt: string | null;
  [field: string]: unknown;
};

export type RecordedWooRequest = {
  method: string;
  /** Path without the query string, e.g. /wp-json/wc/v3/orders. */
  path: string;
  query: Record<string, string>;
  /** The Authorization header as sent, or null. */
  authorization: string | null;
};

export type FakeWooCommerceOptions = {
  consumerKey: string;
  consumerSecret: string;
  orders?: WooOrderJson[];
};

export type FakeWooCommerce = {
  /** The store URL (what a shop owner would enter): the REST API is under `${url}/wp-json/wc/v3`. */
  url: string;
  /** Every request received, in order, including refused ones. */
  requests: RecordedWooRequest[];
  /** Every answer waits this long first (a slow shop). */
  setResponseDelay(ms: number): void;
  /** Replaces every row (orders and raw rows). */
  setOrders(orders: WooOrderJson[]): void;
  addOrder(order: WooOrderJson): void;
  /**
   * Merges `changes` into order `id`. Unless the changes set date_modified_gmt, the order's modification
   * time moves to now, as any save in WooCommerce does. Returns the updated order.
   */
  updateOrder(id: number, changes: Partial<WooOrderJson>): WooOrderJson;
  /**
   * Adds a row served exactly as given, whatever its shape (a malformed order for rejection tests). Rows
   * without a readable date_modified_gmt pass the modified_* filters and sort after the dated ones.
   */
  addRawRow(row: unknown): void;
  /** The next `times` (default 1) requests are answered with `status` and a WooCommerce-style error body. */
  failNext(status: number, options?: { retryAfter?: number | string; times?: number }): void;
  close(): Promise<void>;
};

const ORDERS_PATH = '/wp-json/wc/v3/orders';
const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 10;

type Failure = { status: number; retryAfter: string | null; remaining: number };

export async function startFakeWooCommerce(options: FakeWooCommerceOptions): Promise<FakeWooCommerce> {
  let rows: unknown[] = [...(options.orders ?? [])];
  const requests: RecordedWooRequest[] = [];
  const failures: Failure[] = [];
  let baseUrl = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', baseUrl);
    const authorization = req.headers.authorization ?? null;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization });

    const failure = failures[0];
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) failures.shift();
      const headers: Record<string, string> = failure.retryAfter === null ? {} : { 'retry-after': failure.retryAfter };
      sendError(res, failure.status, errorCodeFor(failure.status), errorMessageFor(failure.status), headers);
      return;
    }

    if (url.pathname.replace(/\/+$/, '') !== ORDERS_PATH || req.method !== 'GET') {
      sendError(res, 404, 'rest_no_route', 'No route was found matching the URL and request method.');
      return;
    }

    const authError = checkBasicAuth(authorization, options.consumerKey, options.consumerSecret);
    if (authError) {
      sendError(res, 401, authError.code, authError.message);
      return;
    }

    const query = parseListQuery(url.searchParams);
    if ('invalid' in query) {
      sendJson(res, 400, {
        code: 'rest_invalid_param',
        message: `Invalid parameter(s): ${query.invalid}`,
        data: { status: 400, params: { [query.invalid]: query.reason } },
      });
      return;
    }

    const matching = sortRows(rows.filter((row) => inWindow(row, query.modifiedAfter, query.modifiedBefore)), query.orderby, query.order);
    const total = matching.length;
    const totalPages = Math.ceil(total / query.perPage);
    // Past the last page WooCommerce answers an empty list with the same headers (WordPress core's
    // posts endpoint would answer 400 rest_post_invalid_page_number instead; unconfirmed for orders).
    const page = matching.slice((query.page - 1) * query.perPage, query.page * query.perPage);

    const headers: Record<string, string> = { 'x-wp-total': String(total), 'x-wp-totalpages': String(totalPages) };
    const links: string[] = [];
    if (query.page > 1) links.push(`<${pageUrl(url, query.page - 1)}>; rel="prev"`);
    if (query.page < totalPages) links.push(`<${pageUrl(url, query.page + 1)}>; rel="next"`);
    if (links.length > 0) headers.link = links.join(', ');
    sendJson(res, 200, page, headers);
  };

  let responseDelayMs = 0;
  const server: Server = createServer((req, res) => {
    // Drain the body (GET has none) before answering, so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      // A slow shop (setResponseDelay) lets tests stop a worker in the middle of an import.
      if (responseDelayMs > 0) setTimeout(() => handle(req, res), responseDelayMs);
      else handle(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    requests,
    setResponseDelay(ms) {
      responseDelayMs = ms;
    },
    setOrders(orders) {
      rows = [...orders];
    },
    addOrder(order) {
      rows.push(order);
    },
    addRawRow(row) {
      rows.push(row);
    },
    updateOrder(id, changes) {
      const index = rows.findIndex((row) => isObject(row) && row.id === id);
      const current = rows[index];
      if (index < 0 || !isOrderJson(current)) throw new Error(`fake WooCommerce has no order ${id}`);
      const modified = changes.date_modified_gmt ?? wooNow();
      const updated: WooOrderJson = { ...current, ...changes, date_modified_gmt: modified, date_modified: modified };
      rows[index] = updated;
      return updated;
    },
    failNext(status, failOptions = {}) {
      const retryAfter = failOptions.retryAfter === undefined ? null : String(failOptions.retryAfter);
      failures.push({ status, retryAfter, remaining: failOptions.times ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------- request handling ----------

type ListQuery = {
  page: number;
  perPage: number;
  orderby: 'date' | 'id' | 'modified';
  order: 'asc' | 'desc';
  modifiedAfter: number | null;
  modifiedBefore: number | null;
};

function parseListQuery(params: URLSearchParams): ListQuery | { invalid: string; reason: string } {
  const page = integerParam(params, 'page', 1);
  if (page === null || page < 1) return { invalid: 'page', reason: 'page must be greater than or equal to 1' };
  const perPage = integerParam(params, 'per_page', DEFAULT_PER_PAGE);
  // WooCommerce validates per_page against its schema (1–100) and refuses, rather than caps, a larger value.
  if (perPage === null || perPage < 1 || perPage > MAX_PER_PAGE) {
    return { invalid: 'per_page', reason: `per_page must be between 1 (inclusive) and ${MAX_PER_PAGE} (inclusive)` };
  }
  const orderby = params.get('orderby') ?? 'date';
  if (orderby !== 'date' && orderby !== 'id' && orderby !== 'modified') return { invalid: 'orderby', reason: 'orderby is not one of date, id, modified' };
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return { invalid: 'order', reason: 'order is not one of asc, desc' };
  // The fake shop's time zone is UTC, so a zoneless date means the same with or without dates_are_gmt.
  const modifiedAfter = dateParam(params, 'modified_after');
  if (modifiedAfter === 'invalid') return { invalid: 'modified_after', reason: 'Invalid date.' };
  const modifiedBefore = dateParam(params, 'modified_before');
  if (modifiedBefore === 'invalid') return { invalid: 'modified_before', reason: 'Invalid date.' };
  return { page, perPage, orderby, order, modifiedAfter, modifiedBefore };
}

function integerParam(params: URLSearchParams, name: string, fallback: number): number | null {
  const value = params.get(name);
  if (value === null) return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** An RFC 3339 date-time, with or without a zone (without: UTC here). */
function dateParam(params: URLSearchParams, name: string): number | null | 'invalid' {
  const value = params.get(name);
  if (value === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/.test(value)) return 'invalid';
  const time = gmtTime(value);
  return time === null ? 'invalid' : time;
}

/**
 * Both bounds exclusive, as WordPress's date queries are by default ('inclusive' => false). Whether
 * WooCommerce's order queries keep that for modified_after is unconfirmed; our importer does not rely on it.
 */
function inWindow(row: unknown, after: number | null, before: number | null): boolean {
  const modified = modifiedTime(row);
  if (modified === null) return true;
  if (after !== null && !(modified > after)) return false;
  if (before !== null && !(modified < before)) return false;
  return true;
}

function sortRows(rows: unknown[], orderby: ListQuery['orderby'], order: ListQuery['order']): unknown[] {
  const key = (row: unknown): number | null => {
    if (orderby === 'modified') return modifiedTime(row);
    if (orderby === 'date') return isObject(row) && typeof row.date_created_gmt === 'string' ? gmtTime(row.date_created_gmt) : null;
    return isObject(row) && typeof row.id === 'number' ? row.id : null;
  };
  const id = (row: unknown): number => (isObject(row) && typeof row.id === 'number' ? row.id : Number.MAX_SAFE_INTEGER);
  const sign = order === 'asc' ? 1 : -1;
  // Stable, and undated rows last whatever the direction; ties broken by id ascending.
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? id(a) - id(b) : ka === null ? 1 : -1;
    return ka === kb ? id(a) - id(b) : (ka - kb) * sign;
  });
}

function modifiedTime(row: unknown): number | null {
  return isObject(row) && typeof row.date_modified_gmt === 'string' ? gmtTime(row.date_modified_gmt) : null;
}

/** A *_gmt value ("2024-03-01T10:00:00", no zone = UTC) or a date-time with a zone, in ms. */
function gmtTime(value: string): number | null {
  const withZone = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value) ? value : `${value}Z`;
  const time = Date.parse(withZone.replace(' ', 'T'));
  return Number.isNaN(time) ? null : time;
}

function checkBasicAuth(header: string | null, consumerKey: string, consumerSecret: string): { code: string; message: string } | null {
  const match = header === null ? null : /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match?.[1]) return { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? '' : decoded.slice(colon + 1);
  // The messages WooCommerce's REST authentication sets for a wrong key or secret.
  if (key !== consumerKey) return { code: 'woocommerce_rest_authentication_error', message: 'Consumer key is invalid.' };
  if (secret !== consumerSecret) return { code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.' };
  return null;
}

function pageUrl(url: URL, page: number): string {
  const copy = new URL(url.href);
  copy.searchParams.set('page', String(page));
  return copy.href;
}

function errorCodeFor(status: number): string {
  if (status === 401) return 'woocommerce_rest_cannot_view';
  if (status === 429) return 'too_many_requests';
  if (status >= 500) return 'internal_server_error';
  return 'rest_error';
}

function errorMessageFor(status: number): string {
  if (status === 401) return 'Sorry, you cannot list resources.';
  if (status === 429) return 'Too many requests. Please slow down.';
  if (status >= 500) return 'There has been a critical error on this website.';
  return 'The request failed.';
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code, message, data: { status } }, headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOrderJson(value: unknown): value is WooOrderJson {
  return isObject(value) && typeof value.id === 'number';
}

/** Now as WooCommerce writes *_gmt fields: whole seconds, UTC, no zone. */
function wooNow(): string {
  return new Date().toISOString().slice(0, 19);
}

// ---------- factories and webhook signing ----------

let nextOrderId = 1001;

/** A line item as WooCommerce serialises it (price is a JSON number, everything else money a string). */
export function wooLineItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1,
    name: 'Linen shirt - M',
    product_id: 501,
    variation_id: 0,
    quantity: 1,
    tax_class: '',
    subtotal: '39.90',
    subtotal_tax: '0.00',
    total: '39.90',
    total_tax: '0.00',
    taxes: [],
    meta_data: [],
    sku: 'LIN-SHIRT-M',
    price: 39.9,
    image: { id: '', src: '' },
    parent_name: null,
    ...overrides,
  };
}

/**
 * A realistic WooCommerce REST v3 order: a registered customer's paid checkout of one shirt plus shipping
 * (39.90 + 10.00 = 49.90 EUR), with the LUX visitor id in order meta. Overrides replace top-level fields. Each call takes the next id unless given one.
 */
export function wooOrder(overrides: Partial<WooOrderJson> = {}): WooOrderJson {
  const id = overrides.id ?? nextOrderId++;
  const created = overrides.date_created_gmt ?? '2024-03-01T10:00:00';
  const modified = overrides.date_modified_gmt === undefined ? '2024-03-01T10:05:00' : overrides.date_modified_gmt;
  return {
    id,
    parent_id: 0,
    status: 'processing',
    currency: 'EUR',
    version: '8.6.1',
    prices_include_tax: false,
    date_created: created,
    date_modified: modified,
    discount_total: '0.00',
    discount_tax: '0.00',
    shipping_total: '10.00',
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: '49.90',
    total_tax: '0.00',
    customer_id: 42,
    order_key: `wc_order_${id}abcdef`,
    billing: {
      first_name: 'Jane',
      last_name: 'Doe',
      company: '',
      address_1: '1 Main Street',
      address_2: '',
      city: 'Dublin',
      state: '',
      postcode: 'D01 F5P2',
      country: 'IE',
      email: 'Jane.Doe@Example.com',
      phone: '+353 1 555 0100',
    },
    shipping: {
      first_name: 'Jane',
      last_name: 'Doe',
      company: '',
      address_1: '1 Main Street',
      address_2: '',
      city: 'Dublin',
      state: '',
      postcode: 'D01 F5P2',
      country: 'IE',
      phone: '',
    },
    payment_method: 'stripe',
    payment_method_title: 'Credit card',
    transaction_id: 'ch_3Oabc',
    customer_ip_address: '203.0.113.7',
    customer_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    created_via: 'checkout',
    customer_note: '',
    date_completed: null,
    date_paid: '2024-03-01T10:00:30',
    cart_hash: 'b1946ac92492d2347c6235b4d2611184',
    number: String(id),
    meta_data: [{ id: id * 10, key: '_lux_visitor_id', value: '6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f' }],
    line_items: [wooLineItem({ id: id * 10 + 1 })],
    tax_lines: [],
    shipping_lines: [{ id: id * 10 + 2, method_title: 'Flat rate', method_id: 'flat_rate', total: '10.00', total_tax: '0.00', taxes: [], meta_data: [] }],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
    payment_url: `https://shop.example.com/checkout/order-pay/${id}/`,
    is_editable: false,
    needs_payment: false,
    needs_processing: true,
    date_created_gmt: created,
    date_modified_gmt: modified,
    date_completed_gmt: null,
    date_paid_gmt: '2024-03-01T10:00:30',
    currency_symbol: '€',
    _links: { self: [{ href: `https://shop.example.com/wp-json/wc/v3/orders/${id}` }], collection: [{ href: 'https://shop.example.com/wp-json/wc/v3/orders' }] },
    ...overrides,
  };
}

/** X-WC-Webhook-Signature: base64(HMAC-SHA256(secret, raw body)), per WooCommerce's webhook docs. */
export function signWooCommerceWebhook(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** The headers WooCommerce sends with a signed delivery (names as WooCommerce spells them). */
export function wooCommerceWebhookHeaders(rawBody: Buffer | string, secret: string, topic: string = 'order.updated', overrides: Record<string, string> = {}): Record<string, string> {
  const [resource = 'order', event = 'updated'] = topic.split('.');
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'WooCommerce/8.6.1 Hookshot (WordPress/6.4.3)',
    'X-WC-Webhook-Source': 'https://shop.example.com/',
    'X-WC-Webhook-Topic': topic,
    'X-WC-Webhook-Resource': resource,
    'X-WC-Webhook-Event': event,
    'X-WC-Webhook-Signature': signWooCommerceWebhook(rawBody, secret),
    'X-WC-Webhook-ID': '7',
    'X-WC-Webhook-Delivery-ID': 'c81e728d9d4c2f636f067f89cc14862c',
    ...overrides,
  };
}
