// Load for the fault tests: concurrent POST /e/batch of fresh event ids, every request's ids and answer
// recorded, so a test can compare what was acknowledged (2xx), what was sent and what Postgres holds.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../../lib/db/pool';

// (Not imported from ./collector: that pulls in the whole Koa app, which the child-process tests do not need.)
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
export const FAULT_IP_HASH_SECRET = 'fault-test-ip-hash-secret-0123456789abcdef';

export type SentBatch = { ids: string[]; status: number | 'no answer'; retryAfter: string | null };

export type Load = {
  batches: SentBatch[];
  acked: () => SentBatch[];
  /** Stops the senders and waits for the requests in flight to end. */
  stop: () => Promise<void>;
};

export function batchBody(siteKey: string, ids: string[]): string {
  return JSON.stringify({ site_key: siteKey, events: ids.map((id, i) => ({
      event_id: id,
      event_name: 'page_view',
      visitor_id: `v-${id.slice(0, 8)}`,
      session_id: `s-${id.slice(0, 8)}`,
      page_url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
      properties: { i },
    })) });
}

export async function sendBatch(baseUrl: string, siteKey: string, ids: string[]): Promise<SentBatch> {
  try {
    const response = await fetch(`${baseUrl}/e/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      body: batchBody(siteKey, ids),
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return { ids, status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch {
    return { ids, status: 'no answer', retryAfter: null };
  }
}

/** `concurrency` senders, each posting batches of `batchSize` new events back to back until stopped. */
export function startLoad(options: { url: () => string; siteKey: string; concurrency: number; batchSize: number }): Load {
  const batches: SentBatch[] = [];
  let stopped = false;
  const sender = async (): Promise<void> => {
    while (!stopped) {
      const ids = Array.from({ length: options.batchSize }, () => randomUUID());
      const sent = await sendBatch(options.url(), options.siteKey, ids);
      batches.push(sent);
      // A refused connection answers at once: do not spin while the collector is down.
      if (sent.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
  };
  const running = Promise.all(Array.from({ length: options.concurrency }, sender));
  return {
    batches,
    acked: () => batches.filter((b) => typeof b.status === 'number' && b.status >= 200 && b.status < 300),
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Resends a batch with the same ids (a client retry) until it gets a 2xx. */
export async function retryUntilAcked(url: string, siteKey: string, ids: string[], timeoutMs = 60_000): Promise<SentBatch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sent = await sendBatch(url, siteKey, ids);
    if (sent.status === 200) return sent;
    if (Date.now() > deadline) throw new Error(`retry not acknowledged within ${timeoutMs} ms (last status ${String(sent.status)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function storedEventIds(ownerPool: DatabasePool, companyId: string): Promise<{ ids: Set<string>; rows: number }> {
  const ids = await ownerPool.anyFirst(sql.type(z.object({ event_id: z.string() }))`SELECT event_id FROM raw_events WHERE company_id = ${companyId}`);
  return { ids: new Set(ids), rows: ids.length };
}

export const idsOf = (batches: SentBatch[]): string[] => batches.flatMap((b) => b.ids);

export const missingFrom = (expected: Iterable<string>, actual: Set<string>): string[] => [...expected].filter((id) => !actual.has(id));
