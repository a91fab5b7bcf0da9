// A loopback TCP proxy in front of Postgres that a test can cut and restore: a real outage as the
// application sees it (connections reset, new ones refused), without touching the shared server.
import net from 'node:net';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';

export type TcpProxy = { port: number; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> };

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const open = (): Promise<void> =>
    new Promise((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };

  await open();
  return { port, cut, restore: open, close: cut };
}

/** A database pool whose every connection goes through a proxy the test can cut: Postgres "going down". */
export async function poolThroughProxy(databaseUrl: string, maximumPoolSize: number): Promise<{ pool: DatabasePool; proxy: TcpProxy; close: () => Promise<void> }> {
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(databaseUrl);
  viaProxy.port = String(proxy.port);
  const pool = await createDatabasePool(viaProxy.toString(), { maximumPoolSize });
  return {
    pool,
    proxy,
    close: async () => {
      await pool.end();
      await proxy.close();
    },
  };
}
