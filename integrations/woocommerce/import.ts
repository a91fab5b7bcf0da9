// Incremental import of WooCommerce orders: GET /wp-json/wc/v3/orders, oldest modification first, page by
// page, with a cursor the imports activity persists after every stored page.
//
// A run reads the window (modifiedAfter, modifiedBefore]: modifiedBefore is fixed when the run starts,
// so orders modified while we page do not join the window and push rows onto later pages. The next run
// starts from the newest date_modified_gmt this run saw (highWater), not from modifiedBefore, so an
// order whose modification landed between the two is not skipped.
//
// Known limit of page-number paging: an order already read that is modified *during* the run leaves the
// window, and the rows after it move one place forward, so one row can slip past a page boundary in
// that run. Webhooks (order.updated) cover those orders as they happen; a backfill from `since` re-reads
// them.
import { z } from 'zod';
import type { NormaliseResult } from '../../lib/commerce/records';
import type { ImportPage, ImportStream } from '../contracts';
import { fetchVendorJson } from '../http';
import { wooCommerceAuthorization, wooCommerceRestBase, type WooCommerceCredentials } from './credentials';
import { normaliseWooCommerceOrder } from './normalise';

const VENDOR = 'woocommerce';
/** WooCommerce refuses per_page above 100 (rest_invalid_param). */
export const WOOCOMMERCE_MAX_PER_PAGE = 100;

const isoTime = z.string().datetime({ offset: true });

export const wooCommerceOrdersCursorSchema = z.object({
  /** Lower bound of the window (null: from the beginning). */
  modifiedAfter: isoTime.nullable(),
  /** Upper bound, fixed when the run started. */
  modifiedBefore: isoTime,
  /** The next page to read, from 1. */
  page: z.number().int().positive(),
  /** The newest date_modified_gmt seen in this run, where the next run starts. */
  highWater: isoTime.nullable(),
});
export type WooCommerceOrdersCursor = z.infer<typeof wooCommerceOrdersCursorSchema>;

export type WooCommerceOrdersStreamOptions = {
  /** Rows per page, 1–100 (default 100). */
  perPage?: number;
  /** The clock for modifiedBefore (tests pin it). */
  now?: () => Date;
};

export function createWooCommerceOrdersStream(credentials: WooCommerceCredentials, options: WooCommerceOrdersStreamOptions = {}): ImportStream<WooCommerceOrdersCursor> {
  const perPage = options.perPage ?? WOOCOMMERCE_MAX_PER_PAGE;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > WOOCOMMERCE_MAX_PER_PAGE) {
    throw new RangeError(`WooCommerce perPage must be an integer from 1 to ${WOOCOMMERCE_MAX_PER_PAGE}, got ${perPage}`);
  }
  const now = options.now ?? (() => new Date());
  const ordersUrl = `${wooCommerceRestBase(credentials)}/orders`;
  const authorization = wooCommerceAuthorization(credentials);
  // Whole seconds: WooCommerce's times have no fractions, and the cursor then equals what was sent.
  const upperBound = (): string => toWholeSecondIso(now());

  return {
    vendor: VENDOR,
    stream: 'orders',
    cursorSchema: wooCommerceOrdersCursorSchema,

    initialCursor(since: string | null): WooCommerceOrdersCursor {
      return { modifiedAfter: since === null ? null : toIso(since), modifiedBefore: upperBound(), page: 1, highWater: null };
    },

    restartCursor(finished: WooCommerceOrdersCursor): WooCommerceOrdersCursor {
      // A finished cursor's modifiedAfter is already the previous run's highWater.
      return { modifiedAfter: finished.modifiedAfter, modifiedBefore: upperBound(), page: 1, highWater: null };
    },

    async fetchPage(cursor: WooCommerceOrdersCursor): Promise<ImportPage<WooCommerceOrdersCursor>> {
      const url = new URL(ordersUrl);
      const query = url.searchParams;
      query.set('per_page', String(perPage));
      query.set('page', String(cursor.page));
      query.set('orderby', 'modified');
      query.set('order', 'asc');
      // Our bounds are UTC; without dates_are_gmt WooCommerce reads them in the shop's time zone.
      query.set('dates_are_gmt', 'true');
      // Whether modified_after is exclusive is unconfirmed: if it is inclusive, the boundary order (the
      // previous run's highWater) is read again, which is harmless because storage upserts on
      // (company, source, external id) and keeps the newer sourceUpdatedAt.
      if (cursor.modifiedAfter !== null) query.set('modified_after', toWooDateTime(cursor.modifiedAfter));
      query.set('modified_before', toWooDateTime(cursor.modifiedBefore));

      // Credentials in the Authorization header, never in the URL (WooCommerce also accepts
      // consumer_key/consumer_secret as query parameters; URLs end up in logs).
      const response = await fetchVendorJson({ vendor: VENDOR, url, headers: { authorization } }, z.array(z.unknown()));
      const rows = response.data;
      const totalPages = headerInteger(response.headers, 'x-wp-totalpages');
      const totalRows = headerInteger(response.headers, 'x-wp-total');
      const highWater = newest(cursor.highWater, rows);

      const done = rows.length === 0 || (totalPages !== null ? cursor.page >= totalPages : !hasNextLink(response.headers) && rows.length < perPage);
      const next: WooCommerceOrdersCursor = done
        ? { modifiedAfter: highWater ?? cursor.modifiedAfter, modifiedBefore: cursor.modifiedBefore, page: 1, highWater }
        : { ...cursor, page: cursor.page + 1, highWater };
      return { rows, cursor: next, done, totalRows };
    },

    normalise(row: unknown): NormaliseResult {
      return normaliseWooCommerceOrder(row);
    },
  };
}

/** The later of the cursor's highWater and the rows' date_modified_gmt (rows are not validated yet: unreadable dates are skipped here and rejected in normalise). */
function newest(current: string | null, rows: unknown[]): string | null {
  let best = current === null ? null : Date.parse(current);
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const modified = (row as { date_modified_gmt?: unknown }).date_modified_gmt;
    if (typeof modified !== 'string') continue;
    const time = Date.parse(hasZone(modified) ? modified : `${modified}Z`);
    if (!Number.isNaN(time) && (best === null || time > best)) best = time;
  }
  return best === null ? null : new Date(best).toISOString();
}

/**
 * WooCommerce's own date-time spelling, "2024-03-01T10:15:00": UTC (dates_are_gmt=true) without a zone
 * suffix, exactly as it writes its *_gmt fields, so its date parsing has nothing to reinterpret.
 */
function toWooDateTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

/**
 * A `since` bound as ISO with Z. A date-time without a zone is read as UTC, like WooCommerce's *_gmt
 * fields; a bare date (2024-03-01) is midnight UTC, as JavaScript already reads it.
 */
function toIso(value: string): string {
  const text = value.trim();
  const time = Date.parse(hasZone(text) || /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(time)) throw new RangeError(`not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

/** JavaScript reads a date-time without a zone as *local* time; we never want that. */
function hasZone(value: string): boolean {
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value.trim());
}

function toWholeSecondIso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
}

function headerInteger(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

function hasNextLink(headers: Headers): boolean {
  return /rel="?next"?/i.test(headers.get('link') ?? '');
}
