/**
 * A loopback upstream that fails on demand, counting every request that reaches it (per path, query excluded). The
 * last path segment says how to answer:
 * `ok` 200 JSON; `flaky-N` 503 (Retry-After 0) for the first N hits, then 200; `unavailable-S` always 503 with
 * Retry-After S; `slow-MS` 200 after MS milliseconds; `big-N` N bytes with a Content-Length; `chunked-N` N bytes
 * without one; `endless` a chunked body that never ends; `switch` 503 while `failing`, else 200 (after `delayMs`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultUpstream {
  url: string;
  port: number;
  /** Requests per path (query left out). */
  hits: Map<string, number>;
  hitsOf(path: string): number;
  /** For `switch`: answer 503 while true. */
  failing: boolean;
  /** For `switch`: how long to wait before answering. */
  delayMs: number;
  /** How many `endless` streams were closed by the other side. */
  endlessClosed: number;
  close(): Promise<void>;
}

export const startFaultUpstream = async (): Promise<FaultUpstream> => {
  const state = { hits: new Map<string, number>(), failing: false, delayMs: 0, endlessClosed: 0 };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const hit = (state.hits.get(path) ?? 0) + 1;
      state.hits.set(path, hit);
      const last = path.split('/').pop() ?? '';
      const [kind, arg] = [last.replace(/-.*$/, ''), Number(last.split('-')[1])];
      switch (kind) {
        case 'flaky':
          return hit <= arg ? json(res, 503, { error: 'busy' }, { 'retry-after': '0' }) : json(res, 200, { hit });
        case 'unavailable':
          return json(res, 503, { error: 'down' }, { 'retry-after': String(arg) });
        case 'slow':
          return void setTimeout(() => !res.destroyed && json(res, 200, { slow: true }), arg).unref();
        case 'big':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(arg) });
          return void res.end(Buffer.alloc(arg, 7));
        case 'chunked':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(Buffer.alloc(Math.floor(arg / 2), 1));
          return void res.end(Buffer.alloc(arg - Math.floor(arg / 2), 2));
        case 'endless': {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const timer = setInterval(() => res.write(Buffer.alloc(256, 3)), 2);
          res.on('close', () => {
            clearInterval(timer);
            state.endlessClosed += 1;
          });
          return;
        }
        case 'switch': {
          const answer = () => (state.failing ? json(res, 503, { error: 'down' }) : json(res, 200, { up: true }));
          return state.delayMs > 0 ? void setTimeout(answer, state.delayMs) : answer();
        }
        default:
          return json(res, 200, { ok: true, method: req.method });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    port,
    hitsOf: (path: string) => state.hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FaultUpstream;
};
