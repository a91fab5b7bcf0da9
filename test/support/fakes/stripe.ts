// A local fake of the Stripe API for tests. The real stripe-node SDK talks to it through apiBaseUrl
// (host/port/protocol), so our code cannot tell it from Stripe. It follows Stripe's documented shapes:
// list endpoints newest first with limit / starting_after / created[gte|gt|lte|lt], the list envelope
// {object:'list', data, has_more, url}, Bearer API keys, error bodies {error:{type, message, code?}},
// includable fields only when expanded. Factories build objects typed as the installed SDK's own types
// (stripe 23, API version 2026-10-28.endive), so a field Stripe removed or renamed fails to compile here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export const FAKE_STRIPE_API_KEY = 'sk_test_51LuxFakeKey0000000000';
export const FAKE_STRIPE_WEBHOOK_SECRET = 'whsec_luxFakeSigningSecret0000';
/** 2026-01-01T00:00:00Z; factory objects are created one second apart from here, in call order. */
export const FAKE_STRIPE_EPOCH = 1767225600;

const LIST_RESOURCES = ['charges', 'refunds', 'subscriptions', 'disputes', 'invoices'] as const;
type ListResource = (typeof LIST_RESOURCES)[number];
type StoredObject = { id: string; created: number } & Record<string, unknown>;

export type RecordedStripeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  stripeVersion: string | null;
  /** X-Stripe-Client-Telemetry: the SDK reports the previous request's timing here unless telemetry is off. */
  telemetry: string | null;
};
export type StripeFault = { status: number; retryAfter?: string | number; message?: string; body?: unknown; remaining: number };

export type FakeStripe = {
  /** Base URL for StripeCredentials.apiBaseUrl. */
  url: string;
  apiKey: string;
  requests: RecordedStripeRequest[];
  /** Stores objects (any of the factories' outputs); the list endpoint is chosen by `object`. */
  add(...objects: Array<{ id: string; object: string; created: number }>): void;
  /** The next `times` requests (default 1) answer `status` with Stripe's error body (and Retry-After when given). */
  failNext(status: number, options?: { retryAfter?: string | number; times?: number; message?: string }): void;
  /** The next request is answered with exactly this status and JSON body (for malformed-response tests). */
  replyNext(status: number, body: unknown): void;
  /** Requests to one endpoint path (e.g. '/v1/charges'). */
  requestsTo(path: string): RecordedStripeRequest[];
  close(): Promise<void>;
};

export async function startFakeStripe(options: { apiKey?: string } = {}): Promise<FakeStripe> {
  const apiKey = options.apiKey ?? FAKE_STRIPE_API_KEY;
  const store = new Map<ListResource, StoredObject[]>(LIST_RESOURCES.map((name) => [name, []]));
  const requests: RecordedStripeRequest[] = [];
  const faults: StripeFault[] = [];

  const server: Server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      sendError(response, 500, 'api_error', `fake stripe: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake-stripe.local');
    const recorded: RecordedStripeRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: headerOf(request, 'authorization'),
      stripeVersion: headerOf(request, 'stripe-version'),
      telemetry: headerOf(request, 'x-stripe-client-telemetry'),
    };
    requests.push(recorded);
    response.setHeader('request-id', `req_fake${requests.length}`);
    if (recorded.stripeVersion) response.setHeader('stripe-version', recorded.stripeVersion);

    const fault = faults[0];
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.shift();
      if (fault.retryAfter !== undefined) response.setHeader('retry-after', String(fault.retryAfter));
      if (fault.body !== undefined) {
        sendJson(response, fault.status, fault.body);
        return;
      }
      const type = fault.status >= 500 ? 'api_error' : 'invalid_request_error';
      const code = fault.status === 429 ? 'rate_limit' : undefined;
      sendError(response, fault.status, type, fault.message ?? (fault.status === 429 ? 'Too many requests hit the API too quickly.' : `Injected failure ${fault.status}`), code);
      return;
    }

    if (recorded.authorization !== `Bearer ${apiKey}`) {
      const presented = recorded.authorization?.replace(/^Bearer\s+/i, '') ?? '';
      const message = presented === '' ? 'You did not provide an API key.' : `Invalid API Key provided: ${presented.slice(0, 8)}${'*'.repeat(8)}${presented.slice(-4)}`;
      sendError(response, 401, 'invalid_request_error', message);
      return;
    }
    if (recorded.method !== 'GET') {
      sendError(response, 405, 'invalid_request_error', `The fake only serves GET (got ${recorded.method} ${url.pathname})`);
      return;
    }

    const match = /^\/v1\/([a-z_]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const resource = LIST_RESOURCES.find((name) => name === match?.[1]);
    if (!match || !resource) {
      sendError(response, 404, 'invalid_request_error', `Unrecognized request URL (GET: ${url.pathname}).`);
      return;
    }
    const id = match[2];
    if (id !== undefined) retrieve(response, resource, decodeURIComponent(id), url.searchParams);
    else list(response, resource, url.searchParams);
  }

  function list(response: ServerResponse, resource: ListResource, query: URLSearchParams): void {
    const limitText = query.get('limit') ?? '10';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      sendError(response, 400, 'invalid_request_error', `Invalid integer: ${limitText}; limit must be between 1 and 100`, 'parameter_invalid_integer', 'limit');
      return;
    }
    const all = newestFirst(store.get(resource) ?? []);
    let rows = all.filter((row) => matchesFilters(resource, row, query));

    const startingAfter = query.get('starting_after');
    if (startingAfter !== null) {
      const anchor = all.find((row) => row.id === startingAfter);
      if (!anchor) {
        sendError(response, 400, 'invalid_request_error', `No such ${singular(resource)}: '${startingAfter}'`, 'resource_missing', 'starting_after');
        return;
      }
      // Everything after the anchor in list order, whether or not the anchor itself passes the filters.
      const anchorIndex = all.indexOf(anchor);
      rows = rows.filter((row) => all.indexOf(row) > anchorIndex);
    }

    const page = rows.slice(0, limit).map((row) => present(resource, row, expansionsOf(query), 'data.'));
    sendJson(response, 200, { object: 'list', data: page, has_more: rows.length > limit, url: `/v1/${resource}` });
  }

  function retrieve(response: ServerResponse, resource: ListResource, id: string, query: URLSearchParams): void {
    const row = (store.get(resource) ?? []).find((candidate) => candidate.id === id);
    if (!row) {
      sendError(response, 404, 'invalid_request_error', `No such ${singular(resource)}: '${id}'`, 'resource_missing', 'id');
      return;
    }
    sendJson(response, 200, present(resource, row, expansionsOf(query), ''));
  }

  /** An object as Stripe would send it: includable fields only when expanded, expandable ids replaced when asked. */
  function present(resource: ListResource, row: StoredObject, expand: string[], prefix: string): Record<string, unknown> {
    const copy: Record<string, unknown> = structuredClone(row);
    if (resource === 'invoices') {
      if (!expand.includes(`${prefix}payments`)) delete copy.payments;
    }
    if (resource === 'charges' && !expand.includes(`${prefix}refunds`)) delete copy.refunds;
    if (resource === 'refunds' && expand.includes(`${prefix}charge`) && typeof copy.charge === 'string') {
      const charge = (store.get('charges') ?? []).find((candidate) => candidate.id === copy.charge);
      if (charge) copy.charge = present('charges', charge, [], '');
    }
    return copy;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    add(...objects) {
      for (const object of objects) {
        const resource = resourceOf(object.object);
        const rows = store.get(resource) ?? [];
        const existing = rows.findIndex((row) => row.id === object.id);
        const stored = structuredClone(object) as unknown as StoredObject;
        if (existing >= 0) rows[existing] = stored;
        else rows.push(stored);
        store.set(resource, rows);
      }
    },
    failNext(status, faultOptions = {}) {
      faults.push({ status, retryAfter: faultOptions.retryAfter, message: faultOptions.message, remaining: faultOptions.times ?? 1 });
    },
    replyNext(status, body) {
      faults.push({ status, body, remaining: 1 });
    },
    requestsTo: (path) => requests.filter((request) => request.path === path),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// The fake's list semantics

/** Newest first; objects created in the same second keep their reverse insertion order (the later one first). */
function newestFirst(rows: StoredObject[]): StoredObject[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => b.row.created - a.row.created || b.index - a.index)
    .map(({ row }) => row);
}

function matchesFilters(resource: ListResource, row: StoredObject, query: URLSearchParams): boolean {
  const created = row.created;
  const bound = (name: string): number | null => {
    const value = query.get(`created[${name}]`);
    return value === null ? null : Number(value);
  };
  const gte = bound('gte');
  const gt = bound('gt');
  const lte = bound('lte');
  const lt = bound('lt');
  const exact = query.get('created');
  if (gte !== null && !(created >= gte)) return false;
  if (gt !== null && !(created > gt)) return false;
  if (lte !== null && !(created <= lte)) return false;
  if (lt !== null && !(created < lt)) return false;
  if (exact !== null && created !== Number(exact)) return false;

  const status = query.get('status');
  if (resource === 'subscriptions') {
    // Stripe's default leaves canceled subscriptions out; status=all includes them.
    if (status === null && row.status === 'canceled') return false;
    if (status !== null && status !== 'all' && row.status !== status) return false;
  } else if (resource === 'invoices' && status !== null && row.status !== status) {
    return false;
  }
  const paymentIntent = query.get('payment_intent');
  if (paymentIntent !== null && row.payment_intent !== paymentIntent) return false;
  const charge = query.get('charge');
  if (resource === 'refunds' && charge !== null && row.charge !== charge) return false;
  const customer = query.get('customer');
  if (customer !== null && row.customer !== customer) return false;
  return true;
}

/** `expand[]=a` and `expand[0]=a` (stripe-node sends the indexed form). */
function expansionsOf(query: URLSearchParams): string[] {
  const values: string[] = [];
  for (const [key, value] of query) if (/^expand\[\d*\]$/.test(key)) values.push(value);
  return values;
}

function resourceOf(object: string): ListResource {
  const resource = LIST_RESOURCES.find((name) => singular(name) === object);
  if (!resource) throw new Error(`fake stripe stores ${LIST_RESOURCES.join(', ')}; cannot store a ${object}`);
  return resource;
}

function singular(resource: ListResource): string {
  return resource.slice(0, -1);
}

function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, type: string, message: string, code?: string, param?: string): void {
  sendJson(response, status, { error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}), doc_url: 'https://docs.stripe.com/error-codes' } });
}

// ---------------------------------------------------------------------------------------------------
// Factories: realistic objects of the installed SDK's API version. Defaults describe a plain card
// payment of 25.00 EUR in test mode; pass overrides for what a test is about.

let sequence = 0;
function nextSequence(): number {
  sequence += 1;
  return sequence;
}
function fakeId(prefix: string, n: number): string {
  return `${prefix}_Lux${n.toString(36).padStart(8, '0')}`;
}
function nextCreated(n: number): number {
  return FAKE_STRIPE_EPOCH + n;
}

export function stripeCharge(overrides: Partial<Stripe.Charge> = {}): Stripe.Charge {
  const n = nextSequence();
  const amount = overrides.amount ?? 2500;
  const captured = overrides.captured ?? true;
  const id = overrides.id ?? fakeId('ch', n);
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: captured ? amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: fakeId('txn', n),
    billing_details: {
      address: { city: 'Berlin', country: 'DE', line1: 'Teststraße 1', line2: null, postal_code: '10115', state: null },
      email: 'Buyer.One@Example.com',
      name: 'Buyer One',
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'LUX SHOP',
    captured,
    created: nextCreated(n),
    currency: 'eur',
    customer: fakeId('cus', n),
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: fakeId('pi', n),
    payment_method: fakeId('pm', n),
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
    ...overrides,
  };
}

export function stripeRefund(overrides: Partial<Stripe.Refund> = {}): Stripe.Refund {
  const n = nextSequence();
  return {
    id: fakeId('re', n),
    object: 'refund',
    amount: 1000,
    balance_transaction: fakeId('txn', n),
    charge: fakeId('ch', n),
    created: nextCreated(n),
    currency: 'eur',
    customer: null,
    customer_account: null,
    destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
    metadata: {},
    payment_intent: null,
    payment_method: null,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
    ...overrides,
  };
}

export function stripeDispute(overrides: Partial<Stripe.Dispute> = {}): Stripe.Dispute {
  const n = nextSequence();
  const created = nextCreated(n);
  return {
    id: fakeId('du', n),
    object: 'dispute',
    amount: 2500,
    balance_transactions: [],
    charge: fakeId('ch', n),
    created,
    currency: 'eur',
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: 'buyer.one@example.com',
      customer_name: 'Buyer One',
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: { due_by: created + 7 * 86400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: null,
    reason: 'fraudulent',
    status: 'needs_response',
    ...overrides,
  };
}

export type FakePriceOptions = {
  unitAmount?: number | null;
  currency?: string;
  interval?: 'day' | 'week' | 'month' | 'year';
  intervalCount?: number;
  usageType?: 'licensed' | 'metered';
  quantity?: number;
};

/** A subscription item with its price (and the legacy plan mirror Stripe still sends). */
export function stripeSubscriptionItem(subscriptionId: string, options: FakePriceOptions = {}, overrides: Partial<Stripe.SubscriptionItem> = {}): Stripe.SubscriptionItem {
  const n = nextSequence();
  const created = nextCreated(n);
  const unitAmount = options.unitAmount === undefined ? 2900 : options.unitAmount;
  const currency = options.currency ?? 'eur';
  const interval = options.interval ?? 'month';
  const intervalCount = options.intervalCount ?? 1;
  const usageType = options.usageType ?? 'licensed';
  const priceId = fakeId('price', n);
  const periodDays = { day: 1, week: 7, month: 30, year: 365 }[interval] * intervalCount;
  return {
    id: fakeId('si', n),
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: created + periodDays * 86400,
    current_period_start: created,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: {
      id: priceId,
      object: 'plan',
      active: true,
      amount: unitAmount,
      amount_decimal: null,
      billing_scheme: 'per_unit',
      created,
      currency,
      interval,
      interval_count: intervalCount,
      livemode: false,
      metadata: {},
      meter: null,
      nickname: null,
      product: fakeId('prod', n),
      tiers_mode: null,
      transform_usage: null,
      trial_period_days: null,
      usage_type: usageType,
    },
    price: {
      id: priceId,
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created,
      currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: fakeId('prod', n),
      recurring: { interval, interval_count: intervalCount, meter: null, trial_period_days: null, usage_type: usageType },
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: 'recurring',
      unit_amount: unitAmount,
      unit_amount_decimal: null,
    },
    ...(usageType === 'metered' ? {} : { quantity: options.quantity ?? 1 }),
    subscription: subscriptionId,
    tax_rates: [],
    ...overrides,
  };
}

/** A subscription; `items` lists the prices (default: one 29.00 EUR monthly item). */
export function stripeSubscription(overrides: Partial<Stripe.Subscription> = {}, items: FakePriceOptions[] = [{}]): Stripe.Subscription {
  const n = nextSequence();
  const id = overrides.id ?? fakeId('sub', n);
  const created = nextCreated(n);
  const data = items.map((item) => stripeSubscriptionItem(id, { currency: overrides.currency ?? 'eur', ...item }));
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created,
    currency: 'eur',
    customer: fakeId('cus', n),
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: fakeId('in', n),
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
    ...overrides,
  };
}

/** An invoice payment entry (the includable invoice.payments list). Default: paid by a PaymentIntent. */
export function stripeInvoicePayment(invoiceId: string, overrides: Partial<Stripe.InvoicePayment> = {}): Stripe.InvoicePayment {
  const n = nextSequence();
  const created = nextCreated(n);
  return {
    id: fakeId('inpay', n),
    object: 'invoice_payment',
    amount_paid: 2900,
    amount_requested: 2900,
    created,
    currency: 'eur',
    invoice: invoiceId,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: fakeId('pi', n) },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: created },
    ...overrides,
  };
}

/**
 * A paid subscription invoice. `payments` are stored with it; the fake sends them only when the request
 * expands payments (as Stripe does). Default: one payment by a PaymentIntent.
 */
export function stripeInvoice(overrides: Partial<Stripe.Invoice> = {}, payments?: Array<Partial<Stripe.InvoicePayment>>): Stripe.Invoice {
  const n = nextSequence();
  const id = overrides.id ?? fakeId('in', n);
  const created = nextCreated(n);
  const amount = overrides.amount_paid ?? 2900;
  const currency = overrides.currency ?? 'eur';
  const paymentList = (payments ?? [{}]).map((payment) => stripeInvoicePayment(id, { amount_paid: amount, amount_requested: amount, currency, ...payment }));
  return {
    id,
    object: 'invoice',
    account_country: 'DE',
    account_name: 'LUX Test Shop',
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: amount,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'subscription_cycle',
    collection_method: 'charge_automatically',
    created,
    currency,
    custom_fields: null,
    customer: fakeId('cus', n),
    customer_account: null,
    customer_address: null,
    customer_email: 'subscriber@example.com',
    customer_name: 'Sub Scriber',
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
    invoice_pdf: `https://pay.stripe.com/invoice/${id}/pdf`,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: `LUX-${String(n).padStart(4, '0')}`,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: {}, subscription: fakeId('sub', n) },
      type: 'subscription_details',
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: paymentList, has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: created,
    period_start: created - 30 * 86400,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'paid',
    status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: created, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: created,
    ...overrides,
  };
}

/** The event envelope Stripe posts to a webhook endpoint (API version of the installed SDK). */
export type FakeStripeEvent = {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

export function stripeEvent(type: string, object: unknown, overrides: Partial<FakeStripeEvent> = {}): FakeStripeEvent {
  const n = nextSequence();
  return {
    id: fakeId('evt', n),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: nextCreated(n),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: fakeId('req', n), idempotency_key: null },
    type,
    ...overrides,
  };
}

/** A `Stripe-Signature` header for payload, made by the SDK itself (timestamp: unix seconds, default now). */
export function signStripeWebhook(payload: string, secret: string = FAKE_STRIPE_WEBHOOK_SECRET, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
}
