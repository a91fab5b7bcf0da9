// What every vendor integration offers the rest of LUX. Activities drive these; they never know which
// vendor (or which fake of it) is on the other end: base URLs are configuration.
import type { z } from 'zod';
import type { NormaliseResult } from '../lib/commerce/records';

/**
 * One pageable list at a vendor (WooCommerce orders, Stripe charges, ...), read incrementally.
 *
 * The cursor is a small JSON value persisted in import_cursors after every stored page, so an import
 * killed mid-way resumes from the page after the last one stored. When a page is the last one,
 * `done` is true and the returned cursor is where the *next* incremental run starts (e.g.
 * modified_after = the newest modification seen).
 */
export type ImportStream<C> = {
  vendor: string;
  /** e.g. 'orders', 'charges' — with vendor, the key of the stored cursor. */
  stream: string;
  cursorSchema: z.ZodType<C>;
  /** The cursor of a first run; `since` (ISO 8601) bounds a backfill, null means everything. */
  initialCursor(since: string | null): C;
  /**
   * A cursor from a finished run, restarted for a new run (e.g. page 1, a new upper bound). Called
   * when an import starts from a stored cursor whose previous run completed.
   */
  restartCursor(finished: C): C;
  fetchPage(cursor: C): Promise<ImportPage<C>>;
  /** Vendor row → our records, or a rejected row with the reason (never thrown, never skipped). */
  normalise(row: unknown): NormaliseResult;
};

export type ImportPage<C> = {
  rows: unknown[];
  /** The cursor to persist once these rows are stored. */
  cursor: C;
  /** True when this was the last page of this run. */
  done: boolean;
  /** The vendor's total number of rows or pages for this run, when it says (for progress). */
  totalRows: number | null;
};

export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** What the collector knows about the request beyond headers and body (Twilio signs the full URL). */
export type WebhookRequest = {
  /** The URL the vendor requested, as the vendor saw it (scheme, host, path and query). */
  url: string;
};

/** What the processing activity knows about a stored delivery beyond its body. */
export type StoredWebhookMeta = {
  /** When the delivery reached the collector (ISO 8601): the event time of payloads that carry none (Twilio). */
  receivedAt: string;
};

/** What a verified webhook delivery carries into storage and the processing workflow. */
export type VerifiedWebhook = {
  /** e.g. order.updated, charge.refunded, orders/create, ContactCreate */
  topic: string;
  /**
   * Identifies the *event*, so a redelivery of the same event maps to the same key and is stored
   * once. Per vendor rules (../shared/REFERENCE.md): never WooCommerce's delivery id.
   */
  dedupeKey: string;
  /** The vendor's id of the event or delivery, when there is one (for the audit trail). */
  deliveryId: string | null;
  /** The JSON payload. */
  payload: unknown;
};

export type WebhookVerification =
  | { ok: true; webhook: VerifiedWebhook }
  /** A vendor handshake that must be answered 2xx and stored nowhere (WooCommerce's creation ping). */
  | { ok: 'ping' }
  | { ok: false; reason: string };
