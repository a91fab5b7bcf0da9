// Incremental import of a shop's orders from the REST Admin API: every order updated since the last run,
// oldest change first, page by page. Shopify paginates with opaque page_info tokens in the Link header
// (offset paging was removed in 2019-07), and a request that carries page_info may carry no filter but
// `limit`: the filters are baked into the token. So the first request of a run filters and sorts, and
// every later one sends only page_info + limit.
import { z } from 'zod';
import { fetchVendorJson, VendorResponseError } from '../http';
import type { ImportPage, ImportStream } from '../contracts';
import { shopifyApiBaseUrl, type ShopifyCredentials } from './credentials';
import { normaliseShopifyOrder } from './normalise';
import { shopifyOrdersPageSchema } from './schemas';

/** Shopify's largest page. */
export const SHOPIFY_MAX_PAGE_SIZE = 250;

const isoTime = z.string().datetime({ offset: true });

export const shopifyOrdersCursorSchema = z.object({
  /** Lower bound (inclusive) on updated_at for this run; null imports every order the shop has. */
  updatedAtMin: isoTime.nullable(),
  /** The token of the next page within the current run; null before the first page. */
  pageInfo: z.string().min(1).nullable(),
  /** The newest updated_at seen so far: where the next run starts. */
  highWater: isoTime.nullable(),
});
export type ShopifyOrdersCursor = z.infer<typeof shopifyOrdersCursorSchema>;

export type ShopifyOrdersStreamOptions = {
  /** Orders per page, at most 250 (the default). */
  pageSize?: number;
  timeoutMs?: number;
};

export function createShopifyOrdersStream(credentials: ShopifyCredentials, options: ShopifyOrdersStreamOptions = {}): ImportStream<ShopifyOrdersCursor> {
  const pageSize = Math.min(SHOPIFY_MAX_PAGE_SIZE, Math.max(1, Math.trunc(options.pageSize ?? SHOPIFY_MAX_PAGE_SIZE)));
  const endpoint = `${shopifyApiBaseUrl(credentials)}/admin/api/${encodeURIComponent(credentials.apiVersion)}/orders.json`;

  return {
    vendor: 'shopify',
    stream: 'orders',
    cursorSchema: shopifyOrdersCursorSchema,
    initialCursor: (since) => ({ updatedAtMin: since, pageInfo: null, highWater: null }),
    // A new run starts where the finished one saw its newest change. updated_at_min is inclusive, so
    // the orders changed in that very second are read again: harmless (orders are upserted and only
    // replaced by a record at least as new), whereas an exclusive bound could skip an order updated
    // in the same second after the previous run read its page.
    restartCursor: (finished) => ({ updatedAtMin: finished.highWater ?? finished.updatedAtMin, pageInfo: null, highWater: finished.highWater }),
    fetchPage: async (cursor) => {
      const url = new URL(endpoint);
      url.searchParams.set('limit', String(pageSize));
      if (cursor.pageInfo !== null) {
        url.searchParams.set('page_info', cursor.pageInfo);
      } else {
        // status defaults to `open`: without `any`, cancelled and archived (closed) orders would be missed.
        url.searchParams.set('status', 'any');
        if (cursor.updatedAtMin !== null) url.searchParams.set('updated_at_min', cursor.updatedAtMin);
        url.searchParams.set('order', 'updated_at asc');
      }
      const response = await fetchVendorJson(
        { vendor: 'shopify', url, headers: { 'X-Shopify-Access-Token': credentials.accessToken }, timeoutMs: options.timeoutMs },
        shopifyOrdersPageSchema,
      );
      const rows = response.data.orders;
      const highWater = newest(cursor.highWater, rows);
      const next = nextPageInfo(response.headers.get('link'));
      const page: ImportPage<ShopifyOrdersCursor> =
        next !== null
          ? { rows, cursor: { updatedAtMin: cursor.updatedAtMin, pageInfo: next, highWater }, done: false, totalRows: null }
          : { rows, cursor: { updatedAtMin: highWater ?? cursor.updatedAtMin, pageInfo: null, highWater }, done: true, totalRows: null };
      return page;
    },
    normalise: normaliseShopifyOrder,
  };
}

const rowTime = z.object({ updated_at: isoTime });

/**
 * The newest updated_at among the rows and the previous mark, compared as instants (Shopify writes
 * times in the shop's offset). A row without a readable updated_at does not move the mark; it is
 * rejected, with its reason, when normalised.
 */
function newest(previous: string | null, rows: unknown[]): string | null {
  let mark = previous;
  for (const row of rows) {
    const parsed = rowTime.safeParse(row);
    if (!parsed.success) continue;
    if (mark === null || Date.parse(parsed.data.updated_at) > Date.parse(mark)) mark = parsed.data.updated_at;
  }
  return mark;
}

/**
 * The page_info of the Link header's rel="next" target, or null on the last page. Only the token is
 * kept: the next URL is rebuilt on our configured base, so the access token is never sent to a host
 * named by a response.
 */
export function nextPageInfo(link: string | null): string | null {
  if (link === null) return null;
  for (const match of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const [, target = '', params = ''] = match;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes('next')) continue;
    let pageInfo: string | null = null;
    try {
      pageInfo = new URL(target).searchParams.get('page_info');
    } catch {
      // fall through to the error below
    }
    if (pageInfo === null || pageInfo === '') {
      throw new VendorResponseError('shopify', `shopify: Link rel="next" carries no page_info: ${target.slice(0, 200)}`);
    }
    return pageInfo;
  }
  return null;
}
