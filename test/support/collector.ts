import { randomUUID } from 'node:crypto';
import { createApp, type CollectorDeps } from '../../collector/app';
import { createLogger } from '../../lib/logger';
import type { TestDatabase } from './database';
import { listen } from './http';

export const TEST_IP_HASH_SECRET = 'test-ip-hash-secret-0123456789abcdef';

export async function startTestCollector(db: TestDatabase, overrides: Partial<CollectorDeps> = {}) {
  const app = createApp({
    appPool: db.appPool,
    logger: createLogger('test-collector', 'silent'),
    ipHashSecret: TEST_IP_HASH_SECRET,
    keyCacheTtlMs: 0,
    ...overrides,
  });
  return listen(app);
}

export function pageView(overrides: Record<string, unknown> = {}) {
  return {
    event_id: randomUUID(),
    event_name: 'page_view',
    visitor_id: 'v-1',
    session_id: 's-1',
    page_url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
    referrer: '',
    ...overrides,
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as Record<string, unknown> };
}

export const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
