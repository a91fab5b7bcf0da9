import net from 'node:net';

// Ports handed out here are bound later by another process (a Temporal server, a collector), sometimes
// seconds later. A port from the kernel's ephemeral range (32768-60999 on Linux) can be taken meanwhile by
// any outgoing connection's local end, so pick below it, where only listeners live, and check it is free.
const LOW = 20000;
const HIGH = 32767;

function tryListen(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** A free TCP port on loopback, outside the ephemeral range when possible. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryListen(LOW + Math.floor(Math.random() * (HIGH - LOW)), host);
    if (port !== null) return port;
  }
  const port = await tryListen(0, host); // the OS's choice, as a last resort
  if (port === null) throw new Error(`no free TCP port on ${host}`);
  return port;
}

/** True when something accepts TCP connections at host:port. */
export async function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
