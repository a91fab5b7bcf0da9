// The built-in dashboards in headless Chromium: sign in with a secret key, open each of the eight
// dashboards on the dashboards fixture, and check that every table shows exactly the rows the SQL file
// gives (run directly as lux_app under the company's tenant), formatted as the page formats them.
// Screenshots of each dashboard go to test-artifacts/dashboards/<dashboard>.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'slonik';
import { hashSecretKey } from '../../lib/keys';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { runQuestion } from '../../lib/dashboards/run-question';
import { launchChromium } from '../support/browser';
import { postJson, startTestCollector } from '../support/collector';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { EXPERIMENTS, seedDashboardsFixture, seedOtherCompany } from '../support/dashboards-fixture';
import { createTestCompany } from '../support/fixtures';

jest.setTimeout(120_000);

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/dashboards');
const RANGES: Record<string, { from: string; to: string }> = {
  retention: { from: '2025-01-01', to: '2025-03-31' },
  ops_velocity: { from: '2025-01-01', to: '2025-03-31' },
};
const DEFAULT_RANGE = { from: '2025-03-01', to: '2025-03-31' };

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
/** What collector/dashboards/ui.js shows for a value. */
const shown = (value: string | number | boolean | null): string =>
  value === null ? '—' : typeof value === 'number' ? number.format(value) : typeof value === 'boolean' ? (value ? 'yes' : 'no') : value;

let db: TestDatabase;
let collector: Awaited<ReturnType<typeof startTestCollector>>;
let company: Awaited<ReturnType<typeof createTestCompany>>;
let other: Awaited<ReturnType<typeof createTestCompany>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dashboards = loadDashboards();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createTestDatabase();
  collector = await startTestCollector(db);
  company = await createTestCompany(db.ownerPool, 'Dashboards Shop');
  other = await createTestCompany(db.ownerPool, 'Other Shop');
  await seedDashboardsFixture(db.ownerPool, company.companyId);
  await seedOtherCompany(db.ownerPool, other.companyId);
  for (const experiment of EXPERIMENTS) {
    const answer = await postJson(`${collector.url}/admin/experiments`, experiment, { authorization: `Bearer ${company.secretKey}` });
    expect(answer.status).toBe(201);
  }
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await collector?.close();
  await db?.drop();
});

describe('built-in dashboards', () => {
  it('refuse the API without a key, and a login with a wrong key', async () => {
    expect((await fetch(`${collector.url}/dashboards/api/executive/kpis`)).status).toBe(401);
    expect((await fetch(`${collector.url}/dashboards/api/executive/kpis`, { headers: { authorization: 'Bearer lux_sk_not_a_key' } })).status).toBe(401);
    const login = await fetch(`${collector.url}/dashboards/login`, { method: 'POST', body: new URLSearchParams({ key: 'lux_sk_wrong' }), redirect: 'manual' });
    expect(login.status).toBe(401);
    expect(login.headers.get('set-cookie')).toBeNull();
    const page = await fetch(`${collector.url}/dashboards/executive`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/dashboards');
  });

  it('answer the JSON API with a Bearer key, for the key\'s company only (a company_id parameter changes nothing)', async () => {
    const url = `${collector.url}/dashboards/api/funnel/steps?from=2025-03-01&to=2025-03-31&company_id=${other.companyId}`;
    const answer = await fetch(url, { headers: { authorization: `Bearer ${company.secretKey}` } });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { rows: unknown[][] };
    expect(body.rows[0]).toEqual(['page_view', 150, null, 1, null]);
    const bad = await fetch(`${collector.url}/dashboards/api/funnel/steps?from=2025-03-01';DROP`, { headers: { authorization: `Bearer ${company.secretKey}` } });
    expect(bad.status).toBe(400);
  });

  it('sign in with a secret key into an HttpOnly, SameSite=Strict session cookie', async () => {
    await page.goto(`${collector.url}/dashboards`);
    await page.fill('input[name=key]', company.secretKey);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(response?.url()).toContain('/dashboards/executive');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'lux_dash');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboards' });
  });

  it.each(dashboards.map((d) => [d.slug, d] as const))('%s shows the numbers of its SQL files (table per question, charts drawn)', async (slug, dashboard) => {
    const range = RANGES[slug] ?? DEFAULT_RANGE;
    await page.goto(`${collector.url}/dashboards/${slug}?from=${range.from}&to=${range.to}`);
    await page.waitForSelector('body[data-state=loaded]');
    expect(await page.locator('#company option').allTextContents()).toEqual([expect.stringContaining('Dashboards Shop')]);
    expect(await page.inputValue('#from')).toBe(range.from);
    for (const question of dashboard.questions) {
      const section = page.locator(`section[data-question="${question.slug}"]`);
      expect(await section.getAttribute('data-state')).toBe('loaded');
      const expected = await runQuestion(db.appPool, company.companyId, question, { date_from: range.from, date_to: range.to });
      expect(expected.rows.length).toBeGreaterThan(0);
      expect(await section.locator('thead th').allTextContents()).toEqual(expected.columns);
      const cells = await section.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? '')));
      expect(cells).toEqual(expected.rows.map((row) => row.map(shown)));
      if (question.chart) {
        // Chart.js drew something: the canvas has non-transparent pixels
        const painted = await section.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
          const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
          for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) return true;
          return false;
        });
        expect(painted).toBe(true);
      }
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `${slug}.png`), fullPage: true });
  });

  it('narrows a dashboard to one channel from the channel picker', async () => {
    await page.goto(`${collector.url}/dashboards/acquisition?from=2025-03-01&to=2025-03-31`);
    await page.waitForSelector('body[data-state=loaded]');
    await page.fill('#channel', 'Paid Search');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector('body[data-state=loaded]');
    const channels = await page.locator('section[data-question="by_channel"] tbody tr td:first-child').allTextContents();
    expect(channels).toEqual(['Paid Search']);
    expect(page.url()).toContain('channel=Paid+Search');
  });

  it('end the session when the key is revoked (every request re-resolves it)', async () => {
    const session = (await context.cookies()).find((c) => c.name === 'lux_dash');
    const api = `${collector.url}/dashboards/api/funnel/steps?from=2025-03-01&to=2025-03-31`;
    expect((await fetch(api, { headers: { cookie: `lux_dash=${session?.value ?? ''}` } })).status).toBe(200);
    // a tampered cookie is refused
    expect((await fetch(api, { headers: { cookie: `lux_dash=${(session?.value ?? '').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}` } })).status).toBe(401);
    await db.ownerPool.query(sql.unsafe`UPDATE secret_keys SET revoked_at = now() WHERE key_hash = ${hashSecretKey(company.secretKey)}`);
    expect((await fetch(api, { headers: { cookie: `lux_dash=${session?.value ?? ''}` } })).status).toBe(401);
    await page.goto(`${collector.url}/dashboards/executive`);
    expect(new URL(page.url()).pathname).toBe('/dashboards');
    expect(await page.locator('input[name=key]').count()).toBe(1);
  });
});
