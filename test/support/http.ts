import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type Koa from 'koa';

/** Serves a Koa app on an ephemeral loopback port for a test. */
export async function listen(app: Koa): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
