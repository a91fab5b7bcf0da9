// Loads a generated dataset (lib/demo/generator.ts) into a running stack through the real paths:
//   storefront events → the collector's POST /e/batch with a secret key (a server-side source, so past
//                       occurred_at is kept as given);
//   orders             → signed WooCommerce webhooks (order.created, then order.updated with refunds)
//                       to POST /webhooks/woocommerce/<site key>;
//   ad spend, messages → the bulk path: multi-row INSERTs over the owner connection (these are
//                       derived/imported tables that the import workflows would otherwise fill).
// Older history takes the bulk path too (loadEventsBulk, saveOrdersBulk): the same functions the
// collector and the webhook workflow call (prepareEvent + saveEventBatch, normaliseWooCommerceOrder +
// saveCommerceRecords), without one HTTP request and one Temporal workflow per order — 90 days of
// orders one workflow each swamp a laptop's Temporal dev server; the attribution backfill covers them.
import { createHmac, randomUUID } from 'node:crypto';
import { sql, type DatabasePool } from 'slonik';
import { saveCommerceRecords } from '../../activities/commerce/save-records';
import { saveEventBatch } from '../../collector/ingest/save-event-batch';
import { normaliseWooCommerceOrder } from '../../integrations/woocommerce/normalise';
import { withTenant } from '../db/tenant';
import { trackingSettings } from '../ingest/company-policy';
import { eventSchema } from '../ingest/event-schema';
import { prepareEvent, prepareRequest, type PreparedRequest, type RawEventRow } from '../ingest/prepare-event';
import { checkStandardProperties } from '../ingest/standard-events';
import { linkRef } from '../messages/links';
import { hashEmail } from '../enrichment/privacy';
import type { DemoEvent, DemoMessageSend, DemoOrder, DemoSpend } from './generator';

export type Progress = (done: number, total: number) => void;
/** The owner pool or a transaction on it (withTenant). */
export type Queryable = Pick<DatabasePool, 'query'>;

const minor = (value: number): string => (value / 100).toFixed(2);
const gmt = (iso: string): string => iso.slice(0, 19);

async function withRetries(url: string, init: RequestInit, what: string): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    let response: Response | undefined;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      if (attempt >= 6) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response && response.status !== 429 && response.status !== 503) return response;
    if (attempt >= 6) throw new Error(`${what}: HTTP ${response?.status ?? 'error'} after ${attempt} attempts`);
    const retryAfter = Number(response?.headers.get('retry-after') ?? '1');
    await new Promise((r) => setTimeout(r, Math.min(10, Number.isFinite(retryAfter) ? retryAfter : 1) * 1000));
  }
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(item);
      }
    }),
  );
}

export type PostEventsResult = { batches: number; accepted: number; duplicates: number; rejected: number };

/** Posts events in batches of ≤ 500, one batch per User-Agent run (the collector reads the device from the header). */
export async function postEvents(collectorUrl: string, secretKey: string, events: DemoEvent[], options: { concurrency?: number; onProgress?: Progress } = {}): Promise<PostEventsResult> {
  const batches: Array<{ userAgent: string; events: DemoEvent[] }> = [];
  const open = new Map<string, DemoEvent[]>();
  for (const event of events) {
    const batch = open.get(event.userAgent) ?? [];
    batch.push(event);
    if (batch.length === 500) {
      batches.push({ userAgent: event.userAgent, events: batch });
      open.delete(event.userAgent);
    } else open.set(event.userAgent, batch);
  }
  for (const [userAgent, batch] of open) batches.push({ userAgent, events: batch });
  const result: PostEventsResult = { batches: batches.length, accepted: 0, duplicates: 0, rejected: 0 };
  let sent = 0;
  await runPool(batches, options.concurrency ?? 3, async (batch) => {
    const body = JSON.stringify({ events: batch.events.map(({ userAgent: _ua, ...event }) => event) });
    const response = await withRetries(`${collectorUrl}/e/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secretKey}`, 'user-agent': batch.userAgent }, body }, 'POST /e/batch');
    const answer = (await response.json()) as { accepted?: number; duplicates?: number; rejected?: unknown[]; error?: string };
    if (!response.ok) throw new Error(`POST /e/batch answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
    result.accepted += answer.accepted ?? 0;
    result.duplicates += answer.duplicates ?? 0;
    result.rejected += answer.rejected?.length ?? 0;
    sent += batch.events.length;
    options.onProgress?.(sent, events.length);
  });
  return result;
}

/** A WooCommerce REST v3 order JSON for a generated order, as its webhooks carry it. */
export function wooCommercePayload(order: DemoOrder, storeUrl: string, options: { withRefunds: boolean; modifiedAt?: string }): Record<string, unknown> {
  const refunds = options.withRefunds ? order.refunds : [];
  const refunded = refunds.reduce((s, r) => s + r.amountMinor, 0);
  const created = gmt(order.createdAt);
  const modified = options.modifiedAt ? gmt(options.modifiedAt) : created;
  return {
    id: order.orderId,
    parent_id: 0,
    number: String(order.orderId),
    order_key: `wc_order_${order.orderId}`,
    created_via: 'checkout',
    version: '8.6.1',
    status: refunded > 0 && refunded >= order.totalMinor ? 'refunded' : 'processing',
    currency: order.currency,
    prices_include_tax: false,
    date_created: created,
    date_created_gmt: created,
    date_modified: modified,
    date_modified_gmt: modified,
    date_paid_gmt: created,
    date_completed_gmt: null,
    discount_total: '0.00',
    discount_tax: '0.00',
    shipping_total: minor(order.shippingMinor),
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: minor(order.totalMinor),
    total_tax: '0.00',
    customer_id: order.customerId,
    billing: { email: order.email, country: 'DE' },
    payment_method: 'stripe',
    meta_data: [
      { id: order.orderId * 10, key: '_lux_visitor_id', value: order.visitorId },
      { id: order.orderId * 10 + 1, key: '_lux_session_id', value: order.sessionId },
    ],
    line_items: order.lines.map((l, i) => ({
      id: order.orderId * 100 + i,
      name: l.name,
      product_id: l.productId,
      variation_id: 0,
      quantity: l.quantity,
      sku: l.sku,
      price: l.priceMinor / 100,
      subtotal: minor(l.priceMinor * l.quantity),
      total: minor(l.priceMinor * l.quantity),
      total_tax: '0.00',
    })),
    shipping_lines: [],
    refunds: refunds.map((r) => ({ id: r.refundId, reason: r.reason, total: `-${minor(r.amountMinor)}` })),
    store_url: storeUrl,
  };
}

export type DeliveryResult = { deliveries: number; stored: number; duplicates: number };

/**
 * Delivers every order as a signed order.created webhook, and each refunded order's refunds as an
 * order.updated after it (in order: the update's date_modified is the refund's time).
 */
export async function deliverWooCommerceOrders(
  collectorUrl: string,
  siteKey: string,
  webhookSecret: string,
  orders: DemoOrder[],
  options: { storeUrl: string; concurrency?: number; onProgress?: Progress },
): Promise<DeliveryResult> {
  const created = orders.map((order) => ({ order, topic: 'order.created' as const }));
  const updated = orders.filter((o) => o.refunds.length > 0).map((order) => ({ order, topic: 'order.updated' as const }));
  const result: DeliveryResult = { deliveries: 0, stored: 0, duplicates: 0 };
  const total = created.length + updated.length;
  const deliver = async ({ order, topic }: { order: DemoOrder; topic: 'order.created' | 'order.updated' }) => {
    const payload = topic === 'order.created' ? wooCommercePayload(order, options.storeUrl, { withRefunds: false }) : wooCommercePayload(order, options.storeUrl, { withRefunds: true, modifiedAt: order.refunds.at(-1)!.at });
    const body = JSON.stringify(payload);
    const response = await withRetries(
      `${collectorUrl}/webhooks/woocommerce/${encodeURIComponent(siteKey)}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WooCommerce/8.6.1 Hookshot (WordPress/6.4.3)',
          'x-wc-webhook-source': `${options.storeUrl}/`,
          'x-wc-webhook-topic': topic,
          'x-wc-webhook-resource': 'order',
          'x-wc-webhook-event': topic.split('.')[1]!,
          'x-wc-webhook-signature': createHmac('sha256', webhookSecret).update(body).digest('base64'),
          'x-wc-webhook-id': '1',
          'x-wc-webhook-delivery-id': `${order.orderId}-${topic}`,
        },
        body,
      },
      `webhook ${topic} ${order.orderId}`,
    );
    const answer = (await response.json()) as { duplicate?: boolean };
    if (!response.ok) throw new Error(`webhook ${topic} for order ${order.orderId} answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    result.deliveries += 1;
    if (answer.duplicate) result.duplicates += 1;
    else result.stored += 1;
    options.onProgress?.(result.deliveries, total);
  };
  await runPool(created, options.concurrency ?? 4, deliver);
  await runPool(updated, options.concurrency ?? 4, deliver);
  return result;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Ad spend rows (as the ad imports write them), multi-row upserts of 1,000. Returns the rows written. */
export async function insertAdSpend(pool: Queryable, companyId: string, spend: DemoSpend[]): Promise<number> {
  for (const part of chunks(spend, 1000)) {
    const values = part.map((s) =>
      sql.fragment`(${companyId}, ${s.platform}, ${s.accountId}, ${s.day}::date, 'ad', ${s.campaignId}, ${s.campaignName}, ${s.adGroupId}, ${s.adGroupName},
        ${s.adId}, ${s.adName}, ${s.creativeId}, ${s.currency}, ${s.spendMinor * 10_000}, ${s.spendMinor}, ${s.impressions}, ${s.clicks})`,
    );
    await pool.query(sql.unsafe`
      INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, campaign_name, ad_group_id, ad_group_name,
        ad_id, ad_name, creative_id, currency, spend_micros, spend_minor, impressions, clicks)
      VALUES ${sql.join(values, sql.fragment`, `)}
      ON CONFLICT (company_id, platform, account_id, day, level, entity_id) DO UPDATE SET
        spend_micros = EXCLUDED.spend_micros, spend_minor = EXCLUDED.spend_minor, impressions = EXCLUDED.impressions,
        clicks = EXCLUDED.clicks, updated_at = now()`);
  }
  return spend.length;
}

/** Message sends and their events (as the Mailgun/Twilio webhooks would record them). Returns [sends, events]. */
export async function insertMessages(pool: Queryable, companyId: string, messages: DemoMessageSend[]): Promise<[number, number]> {
  let events = 0;
  for (const part of chunks(messages, 1000)) {
    const sends = part.map(
      (m) => sql.fragment`(${companyId}, ${m.provider}, ${m.sendId}, ${m.channel}, ${m.campaignId}, ${m.messageId}, ${hashEmail(m.recipientEmail) ?? null}, ${m.sentAt}::timestamptz, ${linkRef(m.provider, m.sendId)}, 'webhook')`,
    );
    await pool.query(sql.unsafe`
      INSERT INTO message_sends (company_id, provider, send_id, channel, campaign_id, message_id, recipient_hash, sent_at, link_ref, recorded_by)
      VALUES ${sql.join(sends, sql.fragment`, `)}
      ON CONFLICT (company_id, provider, send_id) DO NOTHING`);
    const rows = part.flatMap((m) =>
      m.events.map(
        (e) =>
          sql.fragment`(${companyId}, ${m.provider}, ${`demo:${e.eventId}`}, ${m.sendId}, ${m.channel}, ${e.type}, ${e.at}::timestamptz, ${hashEmail(m.recipientEmail) ?? null}, ${e.type === 'bounced' ? 'permanent' : null}, 'webhook')`,
      ),
    );
    events += rows.length;
    for (const eventPart of chunks(rows, 2000)) {
      await pool.query(sql.unsafe`
        INSERT INTO message_events (company_id, provider, provider_event_id, send_id, channel, event_type, occurred_at, recipient_hash, severity, recorded_by)
        VALUES ${sql.join(eventPart, sql.fragment`, `)}
        ON CONFLICT (company_id, provider, provider_event_id) DO NOTHING`);
    }
  }
  return [messages.length, events];
}

/**
 * Generated events validated and prepared exactly as the collector does for a secret-key (server)
 * request: eventSchema, the standard-event property checks, prepareEvent. One prepared request per
 * User-Agent (the request-level work: IP hash, bot check), as one /e/batch request per UA would be.
 */
export function prepareDemoEvents(events: readonly DemoEvent[], ipHashSecret: string, receivedAt = new Date()): RawEventRow[] {
  const settings = trackingSettings({});
  const requests = new Map<string, PreparedRequest>();
  const rows: RawEventRow[] = [];
  for (const { userAgent, ...candidate } of events) {
    let request = requests.get(userAgent);
    if (!request) {
      request = prepareRequest({ source: 'server', receivedAt, ip: '127.0.0.1', userAgent, gpcHeader: false, ipHashSecret, fallbackVisitorId: randomUUID() });
      requests.set(userAgent, request);
    }
    const parsed = eventSchema.parse(candidate);
    const standard = checkStandardProperties(parsed.event_name, parsed.properties);
    if (!standard.ok) throw new Error(`generated event ${parsed.event_id} is invalid: ${JSON.stringify(standard.errors)}`);
    const prepared = prepareEvent({ ...parsed, properties: standard.properties }, request, { trackingEnabled: true, settings });
    if (prepared.store) rows.push(prepared.row);
  }
  return rows;
}

/**
 * The bulk path for events: prepareDemoEvents, stored with saveEventBatch (ingest_event_batch) in
 * batches of 2,000. No per-order attribution start: run the attribution backfill afterwards. Returns the
 * rows newly stored. For millions of events, lib/demo/copy-events.ts (COPY into a stage) is faster.
 */
export async function loadEventsBulk(pool: DatabasePool, companyId: string, ipHashSecret: string, events: DemoEvent[], onProgress?: Progress): Promise<number> {
  let stored = 0;
  let done = 0;
  for (const part of chunks(events, 2000)) {
    const outcome = await saveEventBatch(pool, companyId, prepareDemoEvents(part, ipHashSecret), {});
    stored += outcome.inserted.size;
    done += part.length;
    onProgress?.(done, events.length);
  }
  return stored;
}

/** The bulk path for orders: the WooCommerce JSON (with its refunds) normalised and saved as the webhook workflow does. */
export async function saveOrdersBulk(pool: DatabasePool, companyId: string, orders: DemoOrder[], storeUrl: string, onProgress?: Progress): Promise<number> {
  let done = 0;
  for (const part of chunks(orders, 200)) {
    const records = part.flatMap((order) => {
      const last = order.refunds.at(-1);
      const result = normaliseWooCommerceOrder(wooCommercePayload(order, storeUrl, { withRefunds: true, ...(last ? { modifiedAt: last.at } : {}) }));
      if (!result.ok) throw new Error(`generated order ${order.orderId} was rejected: ${JSON.stringify(result).slice(0, 300)}`);
      return result.records;
    });
    await withTenant(pool, companyId, (tx) => saveCommerceRecords(tx, companyId, records));
    done += part.length;
    onProgress?.(done, orders.length);
  }
  return done;
}
