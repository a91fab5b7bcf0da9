// The HTTP plumbing the ad-platform fakes share: a loopback server that reads each request's body,
// records the request, and hands it to the fake's handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  body: string;
};

/** `delayMs`: answer only after this long (a vendor that received the request but answers too late: a client timeout). */
export type Reply = { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number };

export type FakeServer = { url: string; requests: RecordedRequest[]; close(): Promise<void> };

export async function startFakeServer(handle: (request: RecordedRequest, baseUrl: string) => Reply): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let baseUrl = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      let reply: Reply;
      try {
        reply = handle(request, baseUrl);
      } catch (error) {
        reply = { status: 500, body: { fakeError: String(error) } };
      }
      const send = (): void => {
        if (res.destroyed) return;
        if (reply.status === 204) {
          res.writeHead(204, { ...reply.headers });
          res.end();
          return;
        }
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...reply.headers });
        res.end(text);
      };
      if (reply.delayMs !== undefined && reply.delayMs > 0) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Queued failures: each answers `times` requests before the next one (or normal service) takes over. */
export class FailureQueue<F> {
  private readonly queue: Array<{ failure: F; remaining: number }> = [];

  push(failure: F, times = 1): void {
    this.queue.push({ failure, remaining: times });
  }

  take(): F | null {
    const head = this.queue[0];
    if (!head) return null;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    return head.failure;
  }
}

/** Days from start to end inclusive contain day (all YYYY-MM-DD, so string comparison is date order). */
export const dayInRange = (day: string, start: string, end: string): boolean => day >= start && day <= end;
