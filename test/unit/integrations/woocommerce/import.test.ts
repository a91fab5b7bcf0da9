import type { ImportPage } from '../../../../integrations/contracts';
import { VendorHttpError } from '../../../../integrations/http';
import {
  createWooCommerceOrdersStream,
  wooCommerceCredentialsSchema,
  wooCommerceOrdersCursorSchema,
  type WooCommerceCredentials,
  type WooCommerceOrdersCursor,
} from '../../../../integrations/woocommerce';
import { startFakeWooCommerce, wooOrder, type FakeWooCommerce, type WooOrderJson } from '../../../support/fakes/woocommerce';

const CONSUMER_KEY = 'ck_0123456789abcdef0123456789abcdef01234567';
const CONSUMER_SECRET = 'cs_76543210fedcba9876543210fedcba9876543210';
const RUN_STARTED = new Date('2024-04-01T12:00:00.750Z');
const EXPECTED_AUTH = `Basic ${Buffer.from(`${CONSUMER_KEY}:${CONSUMER_SECRET}`).toString('base64')}`;

/** Five orders whose modification order differs from their id order. */
function shopOrders(): WooOrderJson[] {
  return [
    wooOrder({ id: 101, date_modified_gmt: '2024-03-05T08:00:00' }),
    wooOrder({ id: 102, date_modified_gmt: '2024-03-01T08:00:00' }),
    wooOrder({ id: 103, date_modified_gmt: '2024-03-04T08:00:00' }),
    wooOrder({ id: 104, date_modified_gmt: '2024-03-02T08:00:00' }),
    wooOrder({ id: 105, date_modified_gmt: '2024-03-03T08:00:00' }),
  ];
}

let shop: FakeWooCommerce;
let credentials: WooCommerceCredentials;

beforeEach(async () => {
  shop = await startFakeWooCommerce({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, orders: shopOrders() });
  credentials = wooCommerceCredentialsSchema.parse({ storeUrl: `${shop.url}/`, consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, webhookSecret: 'whsec' });
});

afterEach(async () => {
  await shop.close();
});

type Run = { pages: ImportPage<WooCommerceOrdersCursor>[]; ids: unknown[] };

/** Reads pages until done, as the imports activity does (cursor persisted after each page). */
async function runToEnd(stream: ReturnType<typeof createWooCommerceOrdersStream>, start: WooCommerceOrdersCursor): Promise<Run> {
  const pages: ImportPage<WooCommerceOrdersCursor>[] = [];
  let cursor = start;
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await stream.fetchPage(cursor);
    pages.push(page);
    // A cursor must survive the jsonb round trip and its own schema.
    cursor = stream.cursorSchema.parse(JSON.parse(JSON.stringify(page.cursor)));
    if (page.done) return { pages, ids: pages.flatMap((p) => p.rows.map((r) => (r as { id?: unknown }).id)) };
  }
  throw new Error('import did not finish');
}

describe('createWooCommerceOrdersStream against the fake shop', () => {
  it('reads every page oldest modification first, with the documented query and Basic auth', async () => {
    const stream = createWooCommerceOrdersStream(credentials, { perPage: 2, now: () => RUN_STARTED });
    const { pages, ids } = await runToEnd(stream, stream.initialCursor(null));

    expect(ids).toEqual([102, 104, 105, 103, 101]);
    expect(pages.map((p) => p.done)).toEqual([false, false, true]);
    expect(pages.map((p) => p.totalRows)).toEqual([5, 5, 5]);
    expect(shop.requests.map((r) => r.query)).toEqual(
      [1, 2, 3].map((page) => ({
        per_page: '2',
        page: String(page),
        orderby: 'modified',
        order: 'asc',
        dates_are_gmt: 'true',
        modified_before: '2024-04-01T12:00:00',
      })),
    );
    for (const request of shop.requests) {
      expect(request.path).toBe('/wp-json/wc/v3/orders');
      expect(request.authorization).toBe(EXPECTED_AUTH);
      expect(JSON.stringify(request.query)).not.toMatch(/ck_|cs_/);
    }
  });

  it('ends with a next-run cursor starting at the newest modification seen', async () => {
    const stream = createWooCommerceOrdersStream(credentials, { perPage: 2, now: () => RUN_STARTED });
    const { pages } = await runToEnd(stream, stream.initialCursor(null));
    expect(pages.map((p) => p.cursor)).toEqual([
      { modifiedAfter: null, modifiedBefore: '2024-04-01T12:00:00.000Z', page: 2, highWater: '2024-03-02T08:00:00.000Z' },
      { modifiedAfter: null, modifiedBefore: '2024-04-01T12:00:00.000Z', page: 3, highWater: '2024-03-04T08:00:00.000Z' },
      { modifiedAfter: '2024-03-05T08:00:00.000Z', modifiedBefore: '2024-04-01T12:00:00.000Z', page: 1, highWater: '2024-03-05T08:00:00.000Z' },
    ]);
  });

  it('starts the next run after the high-water mark and reads only what changed since', async () => {
    let clock = RUN_STARTED;
    const stream = createWooCommerceOrdersStream(credentials, { perPage: 2, now: () => clock });
    const first = await runToEnd(stream, stream.initialCursor(null));
    const finished = first.pages.at(-1)?.cursor;
    if (!finished) throw new Error('no cursor');

    shop.updateOrder(102, { status: 'completed', date_modified_gmt: '2024-04-02T09:00:00' });
    shop.addOrder(wooOrder({ id: 106, date_modified_gmt: '2024-04-02T08:30:00' }));
    clock = new Date('2024-04-03T00:00:00Z');
    const restarted = stream.restartCursor(finished);
    expect(restarted).toEqual({ modifiedAfter: '2024-03-05T08:00:00.000Z', modifiedBefore: '2024-04-03T00:00:00.000Z', page: 1, highWater: null });

    shop.requests.length = 0;
    const second = await runToEnd(stream, restarted);
    expect(second.ids).toEqual([106, 102]);
    expect(shop.requests[0]?.query).toMatchObject({ modified_after: '2024-03-05T08:00:00', modified_before: '2024-04-03T00:00:00', page: '1' });
    expect(second.pages.at(-1)?.cursor).toEqual({ modifiedAfter: '2024-04-02T09:00:00.000Z', modifiedBefore: '2024-04-03T00:00:00.000Z', page: 1, highWater: '2024-04-02T09:00:00.000Z' });
  });

  it('bounds a backfill with since', async () => {
    const stream = createWooCommerceOrdersStream(credentials, { now: () => RUN_STARTED });
    const cursor = stream.initialCursor('2024-03-03T00:00:00Z');
    const { ids } = await runToEnd(stream, cursor);
    expect(ids).toEqual([105, 103, 101]);
    expect(shop.requests[0]?.query).toMatchObject({ per_page: '100', modified_after: '2024-03-03T00:00:00' });
  });

  it('resumes from a stored mid-way cursor and reads only the remaining pages', async () => {
    const stream = createWooCommerceOrdersStream(credentials, { perPage: 2, now: () => RUN_STARTED });
    const stored = wooCommerceOrdersCursorSchema.parse({ modifiedAfter: null, modifiedBefore: '2024-04-01T12:00:00.000Z', page: 2, highWater: '2024-03-02T08:00:00.000Z' });
    const { ids, pages } = await runToEnd(stream, stored);
    expect(ids).toEqual([105, 103, 101]);
    expect(shop.requests.map((r) => r.query.page)).toEqual(['2', '3']);
    expect(pages.at(-1)?.cursor.modifiedAfter).toBe('2024-03-05T08:00:00.000Z');
  });

  it('finishes at once on an empty shop, keeping the previous lower bound', async () => {
    shop.setOrders([]);
    const stream = createWooCommerceOrdersStream(credentials, { now: () => RUN_STARTED });
    const page = await stream.fetchPage(stream.initialCursor('2024-01-01T00:00:00Z'));
    expect(page).toEqual({
      rows: [],
      done: true,
      totalRows: 0,
      cursor: { modifiedAfter: '2024-01-01T00:00:00.000Z', modifiedBefore: '2024-04-01T12:00:00.000Z', page: 1, highWater: null },
    });
  });

  it('returns a malformed row with its page; normalise rejects that row alone', async () => {
    shop.setOrders([wooOrder({ id: 201, date_modified_gmt: '2024-03-01T08:00:00' })]);
    shop.addRawRow({ id: 202, date_modified_gmt: '2024-03-01T09:00:00', total: 12.5 });
    const stream = createWooCommerceOrdersStream(credentials, { now: () => RUN_STARTED });
    const page = await stream.fetchPage(stream.initialCursor(null));
    expect(page.rows).toHaveLength(2);
    const results = page.rows.map((row) => stream.normalise(row));
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, rejected: { externalId: '202' } });
    expect(results[1]?.ok === false && results[1].rejected.reason).toContain('total:');
  });

  it('surfaces a 429 as a retryable VendorHttpError carrying Retry-After', async () => {
    shop.failNext(429, { retryAfter: 7 });
    const stream = createWooCommerceOrdersStream(credentials, { now: () => RUN_STARTED });
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ vendor: 'woocommerce', status: 429, retryable: true, retryAfterSeconds: 7 });
    // The fault was for one request only: the retry succeeds.
    await expect(stream.fetchPage(stream.initialCursor(null))).resolves.toMatchObject({ done: true, totalRows: 5 });
  });

  it('surfaces a 500 as retryable', async () => {
    shop.failNext(500, { times: 2 });
    const stream = createWooCommerceOrdersStream(credentials, { now: () => RUN_STARTED });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(stream.fetchPage(stream.initialCursor(null))).rejects.toMatchObject({ status: 500, retryable: true, retryAfterSeconds: null });
    }
    await expect(stream.fetchPage(stream.initialCursor(null))).resolves.toMatchObject({ totalRows: 5 });
  });

  it('surfaces wrong credentials as a 401 that is not retryable', async () => {
    const wrong = { ...credentials, consumerSecret: 'cs_wrong' };
    const stream = createWooCommerceOrdersStream(wrong, { now: () => RUN_STARTED });
    const error = await stream.fetchPage(stream.initialCursor(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toContain('woocommerce_rest_authentication_error');
    expect((error as Error).message).not.toContain('cs_wrong');
  });

  it('refuses a page size WooCommerce would refuse', () => {
    expect(() => createWooCommerceOrdersStream(credentials, { perPage: 101 })).toThrow(RangeError);
    expect(() => createWooCommerceOrdersStream(credentials, { perPage: 0 })).toThrow(RangeError);
  });
});

describe('wooCommerceCredentialsSchema', () => {
  const valid = { storeUrl: 'https://shop.example.com/store/', consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, webhookSecret: 'hook-secret' };

  it('accepts a shop in a sub-folder and drops the trailing slash', () => {
    expect(wooCommerceCredentialsSchema.parse(valid).storeUrl).toBe('https://shop.example.com/store');
  });

  it.each([
    [{ storeUrl: 'ftp://shop.example.com' }, 'storeUrl'],
    [{ storeUrl: 'https://ck:cs@shop.example.com' }, 'storeUrl'],
    [{ storeUrl: 'shop.example.com' }, 'storeUrl'],
    [{ consumerKey: 'cs_swapped' }, 'consumerKey'],
    [{ consumerSecret: 'ck_swapped' }, 'consumerSecret'],
    [{ webhookSecret: '' }, 'webhookSecret'],
  ])('refuses %p, naming %s', (override, field) => {
    const parsed = wooCommerceCredentialsSchema.safeParse({ ...valid, ...override });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
