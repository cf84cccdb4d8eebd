// A loopback TCP proxy a test can cut: the service behind it sees its database vanish
// (connections reset, new ones refused) while the real server keeps running for everyone else.
// `retarget` sends new connections elsewhere, as a load balancer does when a target leaves.
// `delayMs` holds each new connection that long before it reaches the server: a slow network.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and stops listening. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Sends new connections to another port from now on (a load balancer taking a target out). */
  retarget(port: number): void;
}

export async function tcpProxy(
  targetPort: number,
  { targetHost = '127.0.0.1', delayMs = 0 } = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let target = targetPort;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      if (delayMs > 0) {
        client.pause();
        setTimeout(() => join(client), delayMs);
      } else join(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  };
  const join = (client: Socket) => {
    const upstream = connect(target, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const closed = server ? once(server, 'close') : Promise.resolve();
      server?.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    retarget(port) {
      target = port;
    },
  };
}
