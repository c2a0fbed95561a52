/**
 * @module A tiny round-robin HTTP proxy on loopback for a fleet of replicas: each request goes to the next replica in
 * turn, bodies stream both ways over keep-alive connections, and every answer names the replica that served it in
 * `X-Fleet-Replica` (the proxy also counts per replica).
 *
 * @example
 * const proxy = await startRoundRobinProxy([{ name: 'sb-1', url: 'http://127.0.0.1:4001' }, ...]);
 * const res = await fetch(`${proxy.url}/healthz`); // res.headers.get('x-fleet-replica') === 'sb-1'
 * await proxy.close();
 */
import { Agent, createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export const REPLICA_HEADER = 'x-fleet-replica';

export interface ProxyTarget {
  name: string;
  url: string;
}

export interface RoundRobinProxy {
  url: string;
  /** Requests answered per replica name since the start. */
  served: Map<string, number>;
  /** A copy of `served`, to compare before and after a step. */
  snapshot(): Record<string, number>;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const endToEnd = (headers: IncomingHttpHeaders): OutgoingHttpHeaders => {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase()),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
};

export const startRoundRobinProxy = async (targets: ProxyTarget[], { host = '127.0.0.1', port = 0 } = {}): Promise<RoundRobinProxy> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const served = new Map(targets.map((t) => [t.name, 0]));
  const upstreams = targets.map((t) => ({ name: t.name, url: new URL(t.url) }));
  let next = 0;
  const server = createServer((req, res) => {
    const target = upstreams[next++ % upstreams.length];
    const out = request(
      {
        host: target.url.hostname,
        port: target.url.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), host: req.headers.host ?? target.url.host },
        agent,
      },
      (answer) => {
        served.set(target.name, (served.get(target.name) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...endToEnd(answer.headers), [REPLICA_HEADER]: target.name });
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    out.on('error', (e) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain', [REPLICA_HEADER]: target.name }).end(`fleet proxy: ${target.name}: ${e.message}`);
    });
    req.pipe(out);
    // The caller went away before the answer was complete: stop the replica's work on it too.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    served,
    snapshot: () => Object.fromEntries(served),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
};
