// Stores normalised commerce records (lib/commerce/records.ts) inside a tenant transaction. Every write is
// an upsert on the natural key (company, source, external id), so a redelivered webhook, a retried
// activity or a re-import changes nothing the second time. Callers own the transaction, so an import
// page and its cursor commit together.
import { createHash } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { TenantTransaction } from '../../lib/db/tenant';
import { redactPersonalData } from '../../lib/privacy/redact';
import type { CommerceRecord, Dispute, Lead, Order, Payment, RejectedRow, Refund, Subscription } from '../../lib/commerce/records';
import type { AdSpendRow } from '../../lib/ads/records';
import { saveAdSpendRows } from '../ads/save-ad-spend';
import type { MessageEvent, MessageSend } from '../../lib/messages/records';
import { saveMessageEvents, saveMessageSends } from '../messages/save-message-records';
import type { SearchConsoleRow, SocialPageDay } from '../../lib/organic/records';
import { saveSearchConsoleRows, saveSocialPageDays } from '../organic/save-organic';

export type SaveCounts = { orders: number; refunds: number; payments: number; disputes: number; subscriptions: number; leads: number; adSpend: number; mergedProvisional: number; staleSkipped: number; messageSends: number; messageEvents: number; searchConsoleRows: number; socialPageDays: number };

export const emptyCounts = (): SaveCounts => ({ orders: 0, refunds: 0, payments: 0, disputes: 0, subscriptions: 0, leads: 0, adSpend: 0, mergedProvisional: 0, staleSkipped: 0, messageSends: 0, messageEvents: 0, searchConsoleRows: 0, socialPageDays: 0 });

export function addCounts(a: SaveCounts, b: SaveCounts): SaveCounts {
  const sum = emptyCounts();
  for (const k of Object.keys(sum) as Array<keyof SaveCounts>) sum[k] = a[k] + b[k];
  return sum;
}

/** `webhookId`: the raw webhook the records came from, kept on message events for the audit trail. */
export async function saveCommerceRecords(tx: TenantTransaction, companyId: string, records: CommerceRecord[], webhookId: number | null = null): Promise<SaveCounts> {
  const counts = emptyCounts();
  // Ad spend comes in thousands of rows per page: stored in one multi-row upsert after the loop.
  const adSpend: AdSpendRow[] = [];
  // Message sends and events likewise, sends first (an inbound reply is matched to a send).
  const sends: MessageSend[] = [];
  const messageEvents: MessageEvent[] = [];
  // Organic rows likewise (Search Console answers up to 25,000 rows a page).
  const searchConsole: SearchConsoleRow[] = [];
  const socialDays: SocialPageDay[] = [];
  for (const record of records) {
    switch (record.kind) {
      case 'order': {
        const result = await saveOrder(tx, companyId, record.order);
        if (result.stale) counts.staleSkipped += 1;
        else counts.orders += 1;
        counts.mergedProvisional += result.mergedProvisional;
        counts.refunds += record.order.refunds.length;
        break;
      }
      case 'refund':
        await saveRefund(tx, companyId, record.refund);
        await recomputeRefunded(tx, companyId, record.refund);
        counts.refunds += 1;
        break;
      case 'payment':
        await savePayment(tx, companyId, record.payment);
        counts.payments += 1;
        break;
      case 'dispute':
        await saveDispute(tx, companyId, record.dispute);
        counts.disputes += 1;
        break;
      case 'subscription':
        await saveSubscription(tx, companyId, record.subscription);
        counts.subscriptions += 1;
        break;
      case 'lead':
        await saveLead(tx, companyId, record.lead);
        counts.leads += 1;
        break;
      case 'ad_spend':
        adSpend.push(record.adSpend);
        break;
      case 'message_send':
        sends.push(record.send);
        break;
      case 'message_event':
        messageEvents.push(record.event);
        break;
      case 'search_console_row':
        searchConsole.push(record.row);
        break;
      case 'social_page_day':
        socialDays.push(record.day);
        break;
    }
  }
  counts.adSpend += await saveAdSpendRows(tx, companyId, adSpend);
  counts.messageSends += await saveMessageSends(tx, companyId, sends);
  counts.messageEvents += await saveMessageEvents(tx, companyId, messageEvents, webhookId);
  counts.searchConsoleRows += await saveSearchConsoleRows(tx, companyId, searchConsole);
  counts.socialPageDays += await saveSocialPageDays(tx, companyId, socialDays);
  return counts;
}

const upsertedRow = z.object({ external_id: z.string() });
const claimedRow = z.object({ visitor_id: z.string().nullable(), session_id: z.string().nullable(), user_id: z.string().nullable(), email_hash: z.string().nullable(), purchase_event_id: z.string().nullable() });

/**
 * A platform order: upsert it (unless what we hold is newer), replace its items, upsert its refunds, and
 * take over a provisional storefront order of the same order id/number (migration 0005 explains the
 * matching). The advisory locks are the same ones the collector's purchase path takes.
 */
export async function saveOrder(tx: TenantTransaction, companyId: string, order: Order): Promise<{ stale: boolean; mergedProvisional: number }> {
  const keys = await tx.oneFirst(sql.type(z.object({ keys: z.array(z.string()) }))`
    SELECT array_remove(ARRAY(SELECT DISTINCT k FROM unnest(ARRAY[order_key(${order.externalId}), order_key(${order.orderNumber})]) AS k ORDER BY k), NULL) AS keys`);
  for (const key of keys) await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(order_key_lock(${companyId}, ${key}))`);

  const ownRefunds = order.refunds.reduce((sum, r) => sum + r.amountMinor, 0);
  const upserted = await tx.maybeOne(sql.type(upsertedRow)`
    INSERT INTO orders AS o (company_id, source, external_id, order_number, order_key, number_key, status, source_status, currency,
      total_minor, subtotal_minor, tax_minor, shipping_minor, discount_minor, refunded_minor, customer_external_id, email_hash,
      created_at, paid_at, source_updated_at, visitor_id, session_id, user_id)
    VALUES (${companyId}, ${order.source}, ${order.externalId}, ${order.orderNumber}, order_key(${order.externalId}),
      order_key(${order.orderNumber}), ${order.status}, ${order.sourceStatus}, ${order.currency}, ${order.totalMinor},
      ${order.subtotalMinor}, ${order.taxMinor}, ${order.shippingMinor}, ${order.discountMinor}, ${ownRefunds},
      ${order.customerExternalId}, ${order.emailHash}, ${order.createdAt}, ${order.paidAt}, ${order.sourceUpdatedAt},
      ${order.tracking.visitorId}, ${order.tracking.sessionId}, ${order.tracking.userId})
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET
      order_number = EXCLUDED.order_number, number_key = EXCLUDED.number_key, status = EXCLUDED.status,
      source_status = EXCLUDED.source_status, currency = EXCLUDED.currency, total_minor = EXCLUDED.total_minor,
      subtotal_minor = EXCLUDED.subtotal_minor, tax_minor = EXCLUDED.tax_minor, shipping_minor = EXCLUDED.shipping_minor,
      discount_minor = EXCLUDED.discount_minor, refunded_minor = greatest(EXCLUDED.refunded_minor, o.refunded_minor),
      customer_external_id = EXCLUDED.customer_external_id, email_hash = coalesce(EXCLUDED.email_hash, o.email_hash),
      created_at = EXCLUDED.created_at, paid_at = coalesce(EXCLUDED.paid_at, o.paid_at),
      source_updated_at = EXCLUDED.source_updated_at,
      -- links from the platform's own meta win; otherwise keep what a storefront purchase event gave us
      visitor_id = coalesce(EXCLUDED.visitor_id, o.visitor_id), session_id = coalesce(EXCLUDED.session_id, o.session_id),
      user_id = coalesce(EXCLUDED.user_id, o.user_id), updated_at = now()
    -- an older delivery (webhooks arrive out of order) never overwrites a newer state
    WHERE o.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL OR EXCLUDED.source_updated_at >= o.source_updated_at
    RETURNING external_id`);
  if (!upserted) return { stale: true, mergedProvisional: 0 };

  await tx.query(sql.unsafe`DELETE FROM order_items WHERE company_id = ${companyId} AND source = ${order.source} AND order_external_id = ${order.externalId}`);
  if (order.items.length > 0) {
    await tx.query(sql.unsafe`
      INSERT INTO order_items (company_id, source, order_external_id, external_id, product_id, sku, name, quantity, unit_price_minor, total_minor)
      SELECT ${companyId}, ${order.source}, ${order.externalId}, i."externalId", i."productId", i.sku, i.name, i.quantity, i."unitPriceMinor", i."totalMinor"
      FROM jsonb_to_recordset(${JSON.stringify(order.items)}::jsonb) AS i("externalId" text, "productId" text, sku text, name text,
        quantity integer, "unitPriceMinor" bigint, "totalMinor" bigint)
      ON CONFLICT (company_id, source, order_external_id, external_id) DO UPDATE SET quantity = EXCLUDED.quantity,
        unit_price_minor = EXCLUDED.unit_price_minor, total_minor = EXCLUDED.total_minor`);
  }
  for (const refund of order.refunds) await saveRefund(tx, companyId, refund);

  // Take over the provisional storefront order of the same real order, if there is one.
  const claimed = await tx.any(sql.type(claimedRow)`
    UPDATE orders SET merged_into_source = ${order.source}, merged_into_external_id = ${order.externalId}, merged_at = now(), updated_at = now()
    WHERE company_id = ${companyId} AND source = 'storefront' AND merged_into_external_id IS NULL
      AND order_key = ANY (${sql.array(keys, 'text')})
    RETURNING visitor_id, session_id, user_id, email_hash, purchase_event_id::text`);
  for (const link of claimed) {
    await tx.query(sql.unsafe`
      UPDATE orders SET visitor_id = coalesce(visitor_id, ${link.visitor_id}), session_id = coalesce(session_id, ${link.session_id}),
        user_id = coalesce(user_id, ${link.user_id}), email_hash = coalesce(email_hash, ${link.email_hash}),
        purchase_event_id = coalesce(purchase_event_id, ${link.purchase_event_id}::uuid)
      WHERE company_id = ${companyId} AND source = ${order.source} AND external_id = ${order.externalId}`);
  }
  return { stale: false, mergedProvisional: claimed.length };
}

export async function saveRefund(tx: TenantTransaction, companyId: string, refund: Refund): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO refunds (company_id, source, external_id, order_external_id, payment_external_id, amount_minor, currency, reason, created_at)
    VALUES (${companyId}, ${refund.source}, ${refund.externalId}, ${refund.orderExternalId}, ${refund.paymentExternalId},
      ${refund.amountMinor}, ${refund.currency}, ${refund.reason}, ${refund.createdAt})
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET
      order_external_id = coalesce(EXCLUDED.order_external_id, refunds.order_external_id),
      payment_external_id = coalesce(EXCLUDED.payment_external_id, refunds.payment_external_id),
      amount_minor = EXCLUDED.amount_minor, reason = EXCLUDED.reason, updated_at = now()`);
}

/** A refund that arrives on its own (Stripe) updates the refunded total of the order it belongs to. */
async function recomputeRefunded(tx: TenantTransaction, companyId: string, refund: Refund): Promise<void> {
  const orderId = refund.orderExternalId ?? refund.paymentExternalId;
  if (orderId === null) return;
  await tx.query(sql.unsafe`
    UPDATE orders o SET refunded_minor = greatest(o.refunded_minor, (
        SELECT coalesce(sum(r.amount_minor), 0) FROM refunds r
        WHERE r.company_id = o.company_id AND r.source = o.source
          AND (r.order_external_id = o.external_id OR r.payment_external_id = o.external_id))),
      updated_at = now()
    WHERE o.company_id = ${companyId} AND o.source = ${refund.source} AND o.external_id = ${orderId}`);
}

export async function savePayment(tx: TenantTransaction, companyId: string, p: Payment): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO payments AS x (company_id, source, external_id, order_external_id, invoice_id, subscription_id, customer_external_id,
      email_hash, amount_minor, amount_refunded_minor, currency, status, source_status, created_at, visitor_id, session_id, user_id)
    VALUES (${companyId}, ${p.source}, ${p.externalId}, ${p.orderExternalId}, ${p.invoiceId}, ${p.subscriptionId}, ${p.customerExternalId},
      ${p.emailHash}, ${p.amountMinor}, ${p.amountRefundedMinor}, ${p.currency}, ${p.status}, ${p.sourceStatus}, ${p.createdAt},
      ${p.tracking.visitorId}, ${p.tracking.sessionId}, ${p.tracking.userId})
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET
      order_external_id = coalesce(EXCLUDED.order_external_id, x.order_external_id),
      invoice_id = coalesce(EXCLUDED.invoice_id, x.invoice_id), subscription_id = coalesce(EXCLUDED.subscription_id, x.subscription_id),
      customer_external_id = coalesce(EXCLUDED.customer_external_id, x.customer_external_id),
      email_hash = coalesce(EXCLUDED.email_hash, x.email_hash), amount_minor = EXCLUDED.amount_minor,
      -- refunds only grow; an older delivery must not shrink them
      amount_refunded_minor = greatest(EXCLUDED.amount_refunded_minor, x.amount_refunded_minor),
      status = CASE WHEN x.status = 'disputed' AND EXCLUDED.status = 'succeeded' THEN x.status ELSE EXCLUDED.status END,
      source_status = EXCLUDED.source_status, visitor_id = coalesce(EXCLUDED.visitor_id, x.visitor_id),
      session_id = coalesce(EXCLUDED.session_id, x.session_id), user_id = coalesce(EXCLUDED.user_id, x.user_id), updated_at = now()`);
}

export async function saveDispute(tx: TenantTransaction, companyId: string, d: Dispute): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO disputes (company_id, source, external_id, payment_external_id, amount_minor, currency, status, reason, created_at)
    VALUES (${companyId}, ${d.source}, ${d.externalId}, ${d.paymentExternalId}, ${d.amountMinor}, ${d.currency}, ${d.status}, ${d.reason}, ${d.createdAt})
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor,
      reason = EXCLUDED.reason, updated_at = now()`);
}

export async function saveSubscription(tx: TenantTransaction, companyId: string, s: Subscription): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO subscriptions (company_id, source, external_id, customer_external_id, status, currency, mrr_minor, started_at,
      canceled_at, ended_at, current_period_end)
    VALUES (${companyId}, ${s.source}, ${s.externalId}, ${s.customerExternalId}, ${s.status}, ${s.currency}, ${s.mrrMinor},
      ${s.startedAt}, ${s.canceledAt}, ${s.endedAt}, ${s.currentPeriodEnd})
    ON CONFLICT (company_id, source, external_id) DO UPDATE SET customer_external_id = EXCLUDED.customer_external_id,
      status = EXCLUDED.status, currency = EXCLUDED.currency, mrr_minor = EXCLUDED.mrr_minor, started_at = EXCLUDED.started_at,
      canceled_at = EXCLUDED.canceled_at, ended_at = EXCLUDED.ended_at, current_period_end = EXCLUDED.current_period_end,
      updated_at = now()`);
}

export async function saveLead(tx: TenantTransaction, companyId: string, l: Lead): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO leads AS x (company_id, source, kind, external_id, email_hash, status, value_minor, currency, pipeline_stage,
      created_at, source_updated_at, visitor_id, session_id, user_id)
    VALUES (${companyId}, ${l.source}, ${l.kind}, ${l.externalId}, ${l.emailHash}, ${l.status}, ${l.valueMinor}, ${l.currency},
      ${l.pipelineStage}, ${l.createdAt}, ${l.sourceUpdatedAt}, ${l.tracking.visitorId}, ${l.tracking.sessionId}, ${l.tracking.userId})
    ON CONFLICT (company_id, source, kind, external_id) DO UPDATE SET
      email_hash = coalesce(EXCLUDED.email_hash, x.email_hash), status = coalesce(EXCLUDED.status, x.status),
      value_minor = coalesce(EXCLUDED.value_minor, x.value_minor), currency = coalesce(EXCLUDED.currency, x.currency),
      pipeline_stage = coalesce(EXCLUDED.pipeline_stage, x.pipeline_stage), source_updated_at = EXCLUDED.source_updated_at,
      visitor_id = coalesce(x.visitor_id, EXCLUDED.visitor_id), session_id = coalesce(x.session_id, EXCLUDED.session_id),
      user_id = coalesce(x.user_id, EXCLUDED.user_id), updated_at = now()
    WHERE x.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL OR EXCLUDED.source_updated_at >= x.source_updated_at`);
}

/** Records a row we could not normalise; the same row with the same reason is recorded once. */
export async function saveRejectedRow(
  tx: TenantTransaction,
  companyId: string,
  where: { source: string; stream: string; webhookId: number | null },
  rejected: RejectedRow,
): Promise<void> {
  // Redacted before storage: a rejected row must not bring personal data in clear into our tables.
  const raw = JSON.stringify(redactPersonalData(rejected.raw ?? null)).replace(/\\u0000/g, '');
  const digest = createHash('sha256').update(`${rejected.reason}\n${raw}`).digest('hex');
  await tx.query(sql.unsafe`
    INSERT INTO rejected_rows (company_id, source, stream, external_id, reason, raw, row_sha256, webhook_id)
    VALUES (${companyId}, ${where.source}, ${where.stream}, ${rejected.externalId}, ${rejected.reason}, ${raw}::jsonb, ${digest}, ${where.webhookId})
    ON CONFLICT (company_id, source, stream, row_sha256) DO NOTHING`);
}
