/**
 * A partner upstream on loopback: records every request exactly as it arrived (raw header list, body bytes) and
 * answers with a recognizable response; `/large` streams a big body in chunks; `/token` is an OAuth2
 * client-credentials endpoint that issues numbered tokens.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  /** Lower-cased names; repeated headers joined as Node joins them. */
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface EchoUpstream {
  url: string;
  requests: Recorded[];
  tokenRequests: { authorization?: string; body: string }[];
  /** Lifetime of issued tokens, seconds. */
  tokenLifetime: number;
  /** Tokens the upstream accepts for `/oauth` paths; others get 401. */
  validTokens: Set<string>;
  last(): Recorded;
  close(): Promise<void>;
}

export const LARGE_CHUNK = 64 * 1024;
export const LARGE_CHUNKS = 160; // 10 MiB: far beyond any buffer the platform would keep per request

export const startEchoUpstream = async (): Promise<EchoUpstream> => {
  const state = {
    requests: [] as Recorded[],
    tokenRequests: [] as { authorization?: string; body: string }[],
    tokenLifetime: 3600,
    validTokens: new Set<string>(),
  };
  let issued = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      if (url === '/token') {
        state.tokenRequests.push({ authorization: req.headers.authorization, body: body.toString() });
        issued += 1;
        const token = `tok-${issued}`;
        state.validTokens.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: state.tokenLifetime }));
        return;
      }
      state.requests.push({ method: req.method ?? '', url, headers: req.headers, body });
      // A slow upstream on demand: the answer comes after this many milliseconds (if the caller still waits).
      const delay = Number(req.headers['x-echo-delay'] ?? 0);
      if (delay > 0) {
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(200).end('late');
        }, delay).unref();
        return;
      }
      if (url.includes('/oauth') && !state.validTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_token"}');
        return;
      }
      if (url.includes('/large')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-chunks': String(LARGE_CHUNKS) });
        let sent = 0;
        const pump = () => {
          while (sent < LARGE_CHUNKS) {
            sent += 1;
            if (!res.write(Buffer.alloc(LARGE_CHUNK, sent % 251))) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      // A response whose every part the test can recognize: odd status, repeated and custom headers, a hop-by-hop
      // header that must not come back, and the request echoed in the body.
      // prettier-ignore
      res.writeHead(207, 'Multi-Status', [
        'Content-Type',
        'application/json; charset=utf-8',
        'X-Upstream',
        'echo',
        'Set-Cookie',
        'a=1; Path=/',
        'Set-Cookie',
        'b=2; Path=/',
        // Named like the console's session cookie: the platform must not pass it back to the caller's browser.
        'Set-Cookie',
        'sb_console=hijacked; Path=/',
        'Keep-Alive',
        'timeout=5',
      ]);
      res.end(JSON.stringify({ method: req.method, url, bodyBase64: body.toString('base64') }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    last: () => state.requests[state.requests.length - 1],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as EchoUpstream;
};
