/**
 * @module A loopback TCP proxy in front of a real service (MariaDB, RabbitMQ), for outage tests that must not stop
 * the machine's shared service: `cut()` drops every connection and refuses new ones, as a stopped server would;
 * `restore()` accepts again.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes every open connection and refuses new ones (connection refused, as from a stopped server). */
  cut(): Promise<void>;
  /** Accepts connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const sockets = new Set<net.Socket>();
  const onConnection = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  let server = net.createServer(onConnection);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const listening = () => server.listening;

  return {
    port,
    async cut() {
      if (!listening()) return;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async restore() {
      if (listening()) return;
      server = net.createServer(onConnection);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (listening()) await new Promise<void>((r) => server.close(() => r()));
    },
  };
};
