import { VendorHttpError, VendorResponseError } from '../../../../integrations/http';
import type { ImportStream } from '../../../../integrations/contracts';
import {
  createShopifyOrdersStream,
  nextPageInfo,
  normaliseShopifyOrder,
  shopifyCredentialsSchema,
  type ShopifyOrdersCursor,
} from '../../../../integrations/shopify';
import { shopifyOrder, shopTime, startFakeShopify, type FakeShopify, type ShopifyOrderJson } from '../../../support/fakes/shopify';

let shop: FakeShopify;

beforeEach(async () => {
  shop = await startFakeShopify();
});

afterEach(async () => {
  await shop.close();
});

function streamFor(fake: FakeShopify, overrides: { accessToken?: string; pageSize?: number } = {}): ImportStream<ShopifyOrdersCursor> {
  const credentials = shopifyCredentialsSchema.parse({
    shopDomain: 'lux-demo.myshopify.com',
    accessToken: overrides.accessToken ?? fake.accessToken,
    webhookSecret: 'shpss_test',
    apiBaseUrl: fake.url,
  });
  return createShopifyOrdersStream(credentials, { pageSize: overrides.pageSize ?? 2 });
}

/** Five orders updated a minute apart, stored out of order; plus a cancelled and a closed one. */
function seed(): ShopifyOrderJson[] {
  const at = (minute: number) => shopTime(new Date(Date.UTC(2025, 3, 1, 12, minute)));
  const orders = [3, 1, 5, 2, 4].map((minute) => shopifyOrder({ id: 1000 + minute, name: `#${1000 + minute}`, updated_at: at(minute) }));
  orders.push(shopifyOrder({ id: 1006, updated_at: at(6), cancelled_at: at(6), financial_status: 'voided' }));
  orders.push(shopifyOrder({ id: 1007, updated_at: at(7), closed_at: at(7), fulfillment_status: 'fulfilled' }));
  shop.orders.push(...orders);
  return orders;
}

async function drain(stream: ImportStream<ShopifyOrdersCursor>, cursor: ShopifyOrdersCursor) {
  const pages: Array<{ ids: unknown[]; cursor: ShopifyOrdersCursor; done: boolean }> = [];
  let current = cursor;
  for (let i = 0; i < 20; i += 1) {
    const page = await stream.fetchPage(current);
    pages.push({ ids: page.rows.map((r) => (r as { id: unknown }).id), cursor: page.cursor, done: page.done });
    // The cursor is persisted as JSON between pages: prove it survives that.
    current = stream.cursorSchema.parse(JSON.parse(JSON.stringify(page.cursor)));
    if (page.done) return { pages, cursor: current };
  }
  throw new Error('the import never finished');
}

describe('createShopifyOrdersStream', () => {
  it('reads every order, oldest change first, over several page_info pages', async () => {
    seed();
    const stream = streamFor(shop);
    const { pages } = await drain(stream, stream.initialCursor(null));
    expect(pages.map((p) => p.ids)).toEqual([[1001, 1002], [1003, 1004], [1005, 1006], [1007]]);
    expect(pages.map((p) => p.done)).toEqual([false, false, false, true]);
    expect(stream).toMatchObject({ vendor: 'shopify', stream: 'orders' });
    const row = shopifyOrder({ id: 77 });
    expect(stream.normalise(row)).toEqual(normaliseShopifyOrder(row));
  });

  it('includes cancelled and closed orders (status=any)', async () => {
    seed();
    const stream = streamFor(shop, { pageSize: 250 });
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(page.rows).toHaveLength(7);
  });

  it('sends the access token on every request, and filters only on the first', async () => {
    seed();
    const stream = streamFor(shop);
    await drain(stream, stream.initialCursor('2025-04-01T08:00:00-04:00'));
    expect(shop.requests).toHaveLength(4);
    for (const request of shop.requests) {
      expect(request.headers['x-shopify-access-token']).toBe(shop.accessToken);
      expect(request.path).toBe('/admin/api/2025-01/orders.json');
    }
    const [first, ...later] = shop.requests;
    expect(first?.query).toEqual({ status: 'any', limit: '2', updated_at_min: '2025-04-01T08:00:00-04:00', order: 'updated_at asc' });
    for (const request of later) {
      expect(Object.keys(request.query).sort()).toEqual(['limit', 'page_info']);
    }
  });

  it('ends with a cursor whose next run starts at the newest change seen', async () => {
    const orders = seed();
    const stream = streamFor(shop);
    const { pages, cursor } = await drain(stream, stream.initialCursor(null));
    const newest = orders.find((o) => o.id === 1007)?.updated_at ?? '';
    expect(pages.at(-1)?.cursor).toEqual({ updatedAtMin: newest, pageInfo: null, highWater: newest });
    // Mid-run cursors keep the run's lower bound and carry the mark forward.
    expect(pages[0]?.cursor).toMatchObject({ updatedAtMin: null, highWater: orders.find((o) => o.id === 1002)?.updated_at });
    expect(typeof pages[0]?.cursor.pageInfo).toBe('string');

    // The next run: only what changed since (the boundary order is read again: the bound is inclusive).
    shop.orders.push(shopifyOrder({ id: 2000, updated_at: shopTime(new Date(Date.UTC(2025, 3, 1, 13, 0))) }));
    const next = await drain(stream, stream.restartCursor(cursor));
    expect(next.pages.flatMap((p) => p.ids)).toEqual([1007, 2000]);
    expect(shop.requests.at(-1)?.query).toMatchObject({ updated_at_min: newest });
  });

  it('keeps the lower bound when a run finds nothing', async () => {
    const stream = streamFor(shop);
    const since = '2025-04-01T00:00:00Z';
    const page = await stream.fetchPage(stream.initialCursor(since));
    expect(page).toEqual({ rows: [], cursor: { updatedAtMin: since, pageInfo: null, highWater: null }, done: true, totalRows: null });
    expect(stream.restartCursor(page.cursor)).toEqual({ updatedAtMin: since, pageInfo: null, highWater: null });
  });

  it('resumes from a cursor stored mid-way, by a new stream instance', async () => {
    seed();
    const first = streamFor(shop);
    const page1 = await first.fetchPage(first.initialCursor(null));
    const page2 = await first.fetchPage(page1.cursor);
    const stored = JSON.parse(JSON.stringify(page2.cursor)) as unknown;

    const restarted = streamFor(shop);
    const requestsBefore = shop.requests.length;
    const { pages } = await drain(restarted, restarted.cursorSchema.parse(stored));
    expect(pages.map((p) => p.ids)).toEqual([[1005, 1006], [1007]]);
    expect(Object.keys(shop.requests[requestsBefore]?.query ?? {}).sort()).toEqual(['limit', 'page_info']);
  });

  it('asks for at most 250 orders per page', async () => {
    const stream = streamFor(shop, { pageSize: 1000 });
    await stream.fetchPage(stream.initialCursor(null));
    expect(shop.requests[0]?.query.limit).toBe('250');
  });

  it('turns 429 + Retry-After into a retryable VendorHttpError carrying the wait', async () => {
    seed();
    shop.failNext(429, { retryAfter: '2.0' });
    const stream = streamFor(shop);
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ vendor: 'shopify', status: 429, retryable: true, retryAfterSeconds: 2 });
    // The fault was one-off: the retry succeeds.
    await expect(stream.fetchPage(stream.initialCursor(null))).resolves.toMatchObject({ done: false });
  });

  it('treats a 5xx as retryable', async () => {
    shop.failNext(503, { times: 2 });
    const stream = streamFor(shop);
    for (let i = 0; i < 2; i += 1) {
      await expect(stream.fetchPage(stream.initialCursor(null))).rejects.toMatchObject({ status: 503, retryable: true, retryAfterSeconds: null });
    }
    await expect(stream.fetchPage(stream.initialCursor(null))).resolves.toMatchObject({ done: true });
  });

  it('reports a wrong token as a 401 that no retry can fix', async () => {
    const stream = streamFor(shop, { accessToken: 'shpat_wrong' });
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toMatch(/Invalid API key or access token/);
  });

  it('fails loudly when the response is not the documented shape', async () => {
    shop.failNext(200, { body: { order: [] } });
    const stream = streamFor(shop);
    await expect(stream.fetchPage(stream.initialCursor(null))).rejects.toBeInstanceOf(VendorResponseError);
  });

  it('refuses a stored cursor that is not one of its own', () => {
    const stream = streamFor(shop);
    expect(stream.cursorSchema.safeParse({ updatedAtMin: 'yesterday', pageInfo: null, highWater: null }).success).toBe(false);
    expect(stream.cursorSchema.safeParse({ page: 2 }).success).toBe(false);
  });
});

describe('nextPageInfo', () => {
  const url = (token: string) => `https://lux-demo.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=${token}`;

  it('picks the rel="next" target among several links', () => {
    expect(nextPageInfo(`<${url('prev1')}>; rel="previous", <${url('next1')}>; rel="next"`)).toBe('next1');
    expect(nextPageInfo(`<${url('next2')}>; rel=next`)).toBe('next2');
  });

  it('says there is no next page on the last page', () => {
    expect(nextPageInfo(null)).toBeNull();
    expect(nextPageInfo(`<${url('prev1')}>; rel="previous"`)).toBeNull();
  });

  it('fails loudly on a next link without page_info', () => {
    expect(() => nextPageInfo('<https://lux-demo.myshopify.com/admin/api/2025-01/orders.json?page=2>; rel="next"')).toThrow(VendorResponseError);
  });
});
