// The real tracking path: headless Chromium on a storefront (its own origin) → lux.js served by our
// collector → POST /e/batch across origins (CORS) → Postgres. Nothing is mocked but, in the retry tests,
// the answer to the first request. Delivery is awaited by polling the database, never by sleeping.
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page, Request, Route } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { launchChromium } from '../support/browser';
import { CHROME_UA, startTestCollector } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';
import { selectRawEvents } from '../support/raw-events';
import { startStorefront, type Storefront } from '../support/storefront';

jest.setTimeout(60_000);

type Company = Awaited<ReturnType<typeof createTestCompany>>;

let db: TestDatabase;
let collector: Awaited<ReturnType<typeof startTestCollector>>;
let browser: Browser;
let batchUrl: string;
const contexts: BrowserContext[] = [];
const storefronts: Storefront[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  collector = await startTestCollector(db);
  batchUrl = `${collector.url}/e/batch`;
  browser = await launchChromium();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const storefront of storefronts.splice(0)) await storefront.close();
});
afterAll(async () => {
  await browser?.close();
  await collector?.close();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------------
// helpers

/** Retries `check` (assertions included) every 100 ms until it passes; after `timeoutMs` its last error is thrown. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const sentEvent = z
  .object({
    event_id: z.string(),
    event_name: z.string(),
    page_url: z.string(),
    visitor_id: z.string().optional(),
    session_id: z.string().optional(),
    user_id: z.string().optional(),
    email: z.string().optional(),
    gpc: z.boolean().optional(),
  })
  .passthrough();
type SentEvent = z.infer<typeof sentEvent>;
const sentBatch = z.object({ site_key: z.string(), events: z.array(sentEvent) });

/** What the snippet put in one POST /e/batch. */
function eventsIn(request: Request): SentEvent[] {
  return sentBatch.parse(JSON.parse(request.postData() ?? 'null')).events;
}

/** The collector's answers to POST /e/batch (the fields the tests read). */
const batchAnswers = z.array(z.object({ accepted: z.number(), duplicates: z.number(), dropped: z.record(z.number()) }));

const isBatchRequest = (request: Request): boolean => request.method() === 'POST' && request.url() === batchUrl;

/** One answered POST /e/batch as the browser saw it. */
type Delivery = { status: number; request: Request; events: SentEvent[]; body: () => Promise<unknown> };

type Shop = {
  storefront: Storefront;
  page: Page;
  /** Every /e/batch response the page received, in order. */
  deliveries: Delivery[];
  pageErrors: string[];
  /** The snippet's first-party storage in the shop's origin. */
  storage: () => Promise<{ vid: string | null; sid: string | null; queue: string | null; cookie: string }>;
};

/**
 * A fresh browser profile on a fresh storefront for `company`. The user agent is a regular desktop
 * Chrome: headless Chromium's own ("HeadlessChrome") is, rightly, dropped by the collector as a bot.
 * `gpc` makes it a browser with Global Privacy Control on: navigator.globalPrivacyControl and Sec-GPC: 1.
 */
async function openShop(company: Company, { gpc = false } = {}): Promise<Shop> {
  const storefront = await startStorefront({ collectorUrl: collector.url, siteKey: company.siteKey });
  storefronts.push(storefront);
  const context = await browser.newContext({ userAgent: CHROME_UA, ...(gpc ? { extraHTTPHeaders: { 'Sec-GPC': '1' } } : {}) });
  contexts.push(context);
  const page = await context.newPage();
  if (gpc) {
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
    });
  }
  const deliveries: Delivery[] = [];
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    const request = response.request();
    if (isBatchRequest(request)) {
      deliveries.push({ status: response.status(), request, events: eventsIn(request), body: () => response.json() as Promise<unknown> });
    }
  });
  const storage = () =>
    page.evaluate(() => ({
      vid: localStorage.getItem('_lux_vid'),
      sid: localStorage.getItem('_lux_sid'),
      queue: localStorage.getItem('_lux_q'),
      cookie: document.cookie,
    }));
  return { storefront, page, deliveries, pageErrors, storage };
}

/** The snippet has loaded and replaced the embed stub (so pushState is wrapped from here on). */
async function snippetLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { lux?: { l?: number } }).lux?.l === 1, undefined, { timeout: 10_000 });
}

/** Lands on `path`, navigates to the product in place (pushState), then adds it to the cart. */
async function shopperJourney(shop: Shop, path: string): Promise<void> {
  await shop.page.goto(`${shop.storefront.url}${path}`);
  await snippetLoaded(shop.page);
  await shop.page.click('#nav-product');
  await shop.page.waitForURL(`${shop.storefront.url}/products/sku-1`);
  await shop.page.click('#add-to-cart');
  await shop.page.waitForSelector('#add-to-cart:text("Added")');
}

const storedEvents = (companyId: string) => db.ownerPool.any(selectRawEvents(sql.fragment`company_id = ${companyId}`));

const sessionRow = z.object({
  session_id: z.string(),
  visitor_id: z.string().nullable(),
  user_id: z.string().nullable(),
  landing_page: z.string().nullable(),
  utm_source: z.string().nullable(),
  utm_medium: z.string().nullable(),
  utm_campaign: z.string().nullable(),
  channel: z.string(),
  browser: z.string().nullable(),
  event_count: z.number(),
  page_view_count: z.number(),
});
const sessionsOf = (companyId: string) =>
  db.ownerPool.any(sql.type(sessionRow)`
    SELECT session_id, visitor_id, user_id, landing_page, utm_source, utm_medium, utm_campaign, channel, browser,
      event_count, page_view_count
    FROM sessions WHERE company_id = ${companyId} ORDER BY started_at`);

const dropsOf = async (companyId: string): Promise<Record<string, number>> => {
  const rows = await db.ownerPool.any(sql.type(z.object({ reason: z.string(), events: z.coerce.number() }))`
    SELECT reason, sum(events)::bigint AS events FROM ingest_drops WHERE company_id = ${companyId} GROUP BY reason`);
  return Object.fromEntries(rows.map((r) => [r.reason, r.events]));
};

const countRow = z.object({ n: z.number() });
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const sessionIdOf = (stored: string | null): string | undefined =>
  stored ? z.object({ id: z.string() }).parse(JSON.parse(stored)).id : undefined;

// ---------------------------------------------------------------------------------------------------
// tests

describe('the snippet in a real browser, against the collector and Postgres', () => {
  test('a visitor from a newsletter who navigates in the app and adds to cart is stored as one visitor in one Email session', async () => {
    const company = await createTestCompany(db.ownerPool, 'Browser Shop');
    const shop = await openShop(company);
    // Limit the site key to the shop's origin: delivery then also proves the browser's Origin is checked and allowed.
    await db.ownerPool.query(sql.unsafe`
      UPDATE site_keys SET allowed_origins = ${sql.array([shop.storefront.url], 'text')} WHERE site_key = ${company.siteKey}`);
    const landing = '/?utm_source=newsletter&utm_medium=email&utm_campaign=spring';

    await shopperJourney(shop, landing);

    const events = await eventually(async () => {
      const rows = await storedEvents(company.companyId);
      expect(rows.map((r) => r.event_name)).toEqual(['page_view', 'page_view', 'add_to_cart']);
      return rows;
    });
    const base = shop.storefront.url;
    expect(events.map((e) => e.page_url)).toEqual([`${base}${landing}`, `${base}/products/sku-1`, `${base}/products/sku-1`]);
    // The in-app page view comes from the landing page (same site: not a referral).
    expect(events[1]?.referrer).toBe(`${base}${landing}`);
    expect(events[2]?.properties).toEqual({ product_id: 'sku-1', value: 1999, currency: 'EUR' });
    expect(events.every((e) => e.source === 'browser')).toBe(true);

    const visitors = [...new Set(events.map((e) => e.visitor_id))];
    const sessions = [...new Set(events.map((e) => e.session_id))];
    expect(visitors).toHaveLength(1);
    expect(sessions).toHaveLength(1);
    // ...and they are the ids the snippet keeps in the shop's own storage.
    const stored = await shop.storage();
    expect(visitors[0]).toBe(stored.vid);
    expect(sessions[0]).toBe(sessionIdOf(stored.sid));
    expect(stored.cookie).toContain(`_lux_vid=${stored.vid}`);

    const [session, ...others] = await eventually(async () => {
      const rows = await sessionsOf(company.companyId);
      expect(rows[0]?.event_count).toBe(3);
      return rows;
    });
    expect(others).toEqual([]);
    expect(session).toMatchObject({
      session_id: sessions[0],
      visitor_id: visitors[0],
      landing_page: `${base}${landing}`,
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      channel: 'Email',
      browser: 'Chrome',
      event_count: 3,
      page_view_count: 2,
    });

    // Cross-origin delivery worked as the snippet sees it: every answer readable (CORS) and 2xx, so
    // nothing is left in the retry queue.
    expect(shop.deliveries.length).toBeGreaterThanOrEqual(1);
    for (const delivery of shop.deliveries) {
      expect(delivery.status).toBe(200);
      expect((await delivery.request.allHeaders()).origin).toBe(base);
      expect((await delivery.request.response())?.headers()['access-control-allow-origin']).toBe(base);
    }
    await eventually(async () => expect((await shop.storage()).queue).toBeNull());
    expect(shop.pageErrors).toEqual([]);
  });

  test('with Global Privacy Control on, the journey is sent but nothing is stored, and the events are counted as gpc drops', async () => {
    const company = await createTestCompany(db.ownerPool, 'GPC Shop'); // default policy: drop
    const shop = await openShop(company, { gpc: true });

    await shopperJourney(shop, '/?utm_source=newsletter&utm_medium=email&utm_campaign=spring');

    // The snippet really sent the journey and the collector answered 200: "nothing stored" is not for lack of trying.
    const sent = await eventually(async () => {
      const events = shop.deliveries.filter((d) => d.status === 200).flatMap((d) => d.events);
      expect(events.map((e) => e.event_name)).toEqual(['page_view', 'page_view', 'add_to_cart']);
      return events;
    });
    // Marked, and without any identifier; the browser kept none either.
    for (const event of sent) {
      expect(event.gpc).toBe(true);
      expect(event).not.toHaveProperty('visitor_id');
      expect(event).not.toHaveProperty('session_id');
    }
    expect(await shop.storage()).toMatchObject({ vid: null, sid: null, cookie: '' });
    // Each 200 is sent after the commit, so the counters are already there.
    const answers = batchAnswers.parse(await Promise.all(shop.deliveries.map((d) => d.body())));
    expect(answers.map((a) => [a.accepted, a.dropped])).toEqual(shop.deliveries.map((d) => [0, { gpc: d.events.length }]));

    const drops = await dropsOf(company.companyId);
    expect(drops.gpc).toBeGreaterThanOrEqual(3);
    expect(drops).toEqual({ gpc: sent.length });
    expect(await storedEvents(company.companyId)).toEqual([]);
    expect(await sessionsOf(company.companyId)).toEqual([]);
    expect(shop.pageErrors).toEqual([]);
  });

  test('an identified visitor is linked to the user id and the hashed email, and the email itself is stored nowhere', async () => {
    const company = await createTestCompany(db.ownerPool, 'Identity Shop');
    const shop = await openShop(company);
    const { page } = shop;

    await page.goto(`${shop.storefront.url}/`);
    await snippetLoaded(page);
    await page.fill('#sign-in [name=user_id]', 'user-7');
    await page.fill('#sign-in [name=email]', 'Shopper@Example.com');
    await page.click('#sign-in-submit');
    await page.waitForSelector('#sign-in[data-signed-in="true"]');
    await page.click('#nav-product');
    await page.click('#add-to-cart');

    const events = await eventually(async () => {
      const rows = await storedEvents(company.companyId);
      expect(rows.map((r) => r.event_name)).toEqual(['page_view', 'identify', 'page_view', 'add_to_cart']);
      return rows;
    });
    // The browser did send the email as typed (the collector hashes it): the leak check below means something.
    // Playwright reports a response after the collector committed it, so under load the rows can be in
    // Postgres before the delivery is recorded here: wait for it too.
    await eventually(async () => {
      const sentIdentify = shop.deliveries.flatMap((d) => d.events).find((e) => e.event_name === 'identify');
      expect(sentIdentify).toMatchObject({ user_id: 'user-7', email: 'Shopper@Example.com' });
    });

    const visitor = (await shop.storage()).vid;
    expect(visitor).toBeTruthy();
    expect(new Set(events.map((e) => e.visitor_id))).toEqual(new Set([visitor]));
    const emailHash = sha256('shopper@example.com');
    expect(events.map((e) => [e.event_name, e.user_id, e.email_hash])).toEqual([
      ['page_view', null, null],
      ['identify', 'user-7', emailHash],
      ['page_view', 'user-7', null],
      ['add_to_cart', 'user-7', null],
    ]);

    const links = await db.ownerPool.any(sql.type(z.object({ visitor_id: z.string(), user_id: z.string(), email_hash: z.string() }))`
      SELECT visitor_id, user_id, email_hash FROM identity_links WHERE company_id = ${company.companyId}`);
    expect(links).toContainEqual({ visitor_id: visitor, user_id: 'user-7', email_hash: emailHash });
    expect(links.every((l) => l.visitor_id === visitor && l.user_id === 'user-7')).toBe(true);

    const leaked = await db.ownerPool.oneFirst(sql.type(countRow)`
      SELECT count(*)::int AS n FROM raw_events WHERE raw_events::text ILIKE '%shopper%'`);
    expect(leaked).toBe(0);
    const leakedDerived = await db.ownerPool.oneFirst(sql.type(countRow)`
      SELECT ((SELECT count(*) FROM sessions s WHERE s::text ILIKE '%shopper%')
            + (SELECT count(*) FROM identity_links l WHERE l::text ILIKE '%shopper%'))::int AS n`);
    expect(leakedDerived).toBe(0);
    expect(shop.pageErrors).toEqual([]);
  });

  test('when the collector answers 503 the snippet keeps the events, retries, and they are stored exactly once', async () => {
    const company = await createTestCompany(db.ownerPool, 'Retry Shop');
    const shop = await openShop(company);
    const attempts: SentEvent[][] = [];
    let firstAttempt!: () => void;
    const firstAttemptAnswered = new Promise<void>((resolve) => (firstAttempt = resolve));
    await shop.page.route(batchUrl, async (route: Route) => {
      attempts.push(eventsIn(route.request()));
      if (attempts.length > 1) return route.continue();
      // Exactly what the collector sends while Postgres is away (CORS header included, so the snippet sees a 503).
      await route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': shop.storefront.url, vary: 'Origin', 'retry-after': '2' },
        contentType: 'application/json',
        body: JSON.stringify({ error: 'database unavailable: nothing was stored, retry later' }),
      });
      firstAttempt();
    });

    await shopperJourney(shop, '/');
    await firstAttemptAnswered;

    const events = await eventually(async () => {
      const rows = await storedEvents(company.companyId);
      expect(rows.map((r) => r.event_name)).toEqual(['page_view', 'page_view', 'add_to_cart']);
      return rows;
    });
    expect(shop.deliveries[0]?.status).toBe(503);
    // The refused events went out again with the same ids, and each id is stored once.
    const refusedIds = attempts[0]?.map((e) => e.event_id) ?? [];
    expect(refusedIds.length).toBeGreaterThanOrEqual(1);
    const retriedIds = attempts.slice(1).flatMap((batch) => batch.map((e) => e.event_id));
    expect(retriedIds).toEqual(expect.arrayContaining(refusedIds));
    const storedIds = events.map((e) => e.event_id);
    expect(storedIds).toEqual(expect.arrayContaining(refusedIds));
    expect(new Set(storedIds).size).toBe(storedIds.length);
    expect(new Set(storedIds)).toEqual(new Set(attempts.flat().map((e) => e.event_id)));
    const [session, ...others] = await sessionsOf(company.companyId);
    expect(others).toEqual([]);
    expect(session).toMatchObject({ event_count: 3, page_view_count: 2 });
    // The snippet saw the later success: its retry queue is empty again.
    await eventually(async () => expect((await shop.storage()).queue).toBeNull());
    expect(shop.pageErrors).toEqual([]);
  });

  test('when the answer is lost after the collector stored the batch (503 to the browser), the retry is deduplicated', async () => {
    const company = await createTestCompany(db.ownerPool, 'Lost Answer Shop');
    const shop = await openShop(company);
    let attempts = 0;
    let collectorStatus: number | undefined;
    await shop.page.route(batchUrl, async (route: Route) => {
      attempts += 1;
      if (attempts > 1) return route.continue();
      // The collector receives and commits the batch, but the browser is told 503 (a proxy failing on the way back).
      collectorStatus = (await route.fetch()).status();
      await route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': shop.storefront.url, vary: 'Origin' },
        contentType: 'application/json',
        body: JSON.stringify({ error: 'upstream unavailable' }),
      });
    });

    await shopperJourney(shop, '/');

    await eventually(async () => {
      const answered = shop.deliveries.filter((d) => d.status === 200).flatMap((d) => d.events);
      expect(answered.map((e) => e.event_name).sort()).toEqual(['add_to_cart', 'page_view', 'page_view']);
    });
    const answers = batchAnswers.parse(await Promise.all(shop.deliveries.filter((d) => d.status === 200).map((d) => d.body())));
    expect(answers.reduce((sum, a) => sum + a.duplicates, 0)).toBe(shop.deliveries[0]?.events.length);
    expect(collectorStatus).toBe(200);
    expect(shop.deliveries[0]?.status).toBe(503);

    const events = await storedEvents(company.companyId);
    expect(events.map((e) => e.event_name)).toEqual(['page_view', 'page_view', 'add_to_cart']);
    const [session, ...others] = await sessionsOf(company.companyId);
    expect(others).toEqual([]);
    // Sessions count newly stored events only: the duplicate did not inflate them.
    expect(session).toMatchObject({ event_count: 3, page_view_count: 2 });
    expect(shop.pageErrors).toEqual([]);
  });
});
