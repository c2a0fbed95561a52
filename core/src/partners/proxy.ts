/**
 * @module Forwards one validated call to the partner's upstream and hands its answer back intact. Plain node:http
 * rather than fetch: fetch decompresses bodies and would hand back bytes that no longer match their
 * Content-Encoding, and it cannot keep repeated response headers apart.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { Logger } from '@switchboard/sdk';
import { HttpProblem } from '../http/map-error.js';
import type { PassthroughInput } from '../http/operation-handler.js';
import type { Upstream } from './partner-meta.js';
import { upstreamAuth } from './upstream-auth.js';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies still see. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Never forwarded from the caller: the platform credentials (`authorization`, `x-api-key`) and cookies (the
 * console's and portal's sessions live there), `host` (the upstream's is set) and the length (recomputed).
 */
const CALLER_ONLY = new Set(['authorization', 'x-api-key', 'cookie', 'host', 'content-length']);

const droppedByConnection = (value: string | null): Set<string> =>
  new Set(
    (value ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );

export interface ProxyOptions {
  assetId: string;
  /** The asset's base path on the platform, stripped from the request path. */
  basePath: string;
  upstream: Upstream;
  defaultTimeoutMs: number;
  log: Logger;
}

const unavailable = (assetId: string, code: 'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNREACHABLE', detail: string) =>
  new HttpProblem({
    status: code === 'UPSTREAM_TIMEOUT' ? 504 : 502,
    code,
    title: code === 'UPSTREAM_TIMEOUT' ? 'Gateway Timeout' : 'Bad Gateway',
    detail: `${assetId}: ${detail}`,
  });

/** Builds the handler shared by every operation of one partner asset. */
export const createProxy = ({ assetId, basePath, upstream, defaultTimeoutMs, log }: ProxyOptions) => {
  const base = new URL(upstream.baseUrl);
  const basePathname = base.pathname.replace(/\/+$/, '');
  const client = base.protocol === 'https:' ? https : http;
  // Kept-alive connections: a fresh TCP (and TLS) handshake per call would cost more than the whole pipeline.
  const agent = new client.Agent({ keepAlive: true, maxSockets: 256 });
  const timeoutMs = upstream.timeoutMs ?? defaultTimeoutMs;
  const auth = upstreamAuth(upstream.auth, timeoutMs);

  return async function proxy(input: PassthroughInput): Promise<Response> {
    const { request } = input;
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    const drop = droppedByConnection(request.headers.get('connection'));
    request.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && !CALLER_ONLY.has(name) && !drop.has(name)) headers[name] = value;
    });
    headers['x-request-id'] = input.requestId;
    const extraQuery = await auth.apply(headers);
    const search = extraQuery ? `${url.search ? `${url.search}&` : '?'}${extraQuery}` : url.search;
    // The path as the caller wrote it (percent-encoding and all), minus the platform's base path.
    const path = `${basePathname}${url.pathname.slice(basePath.length)}${search}`;
    const body = input.bodyBytes ? Buffer.from(input.bodyBytes) : undefined;
    if (body) headers['content-length'] = String(body.byteLength);
    const method = request.method;

    return new Promise<Response>((resolve, reject) => {
      const req = client.request(
        { protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method, path, headers, agent },
        (res) => {
          clearTimeout(deadline);
          if (res.statusCode === 401) auth.rejected();
          const out = new Headers();
          const drop = droppedByConnection(res.headers.connection ?? null);
          const raw = res.rawHeaders;
          for (let i = 0; i < raw.length; i += 2) {
            const name = raw[i].toLowerCase();
            if (!HOP_BY_HOP.has(name) && !drop.has(name)) out.append(name, raw[i + 1]);
          }
          out.set('x-request-id', input.requestId);
          const status = res.statusCode ?? 502;
          const empty = method === 'HEAD' || status === 204 || status === 304;
          if (empty) res.resume();
          // After the headers, a silent upstream is cut off after the same deadline, not left to hang the client.
          res.setTimeout(timeoutMs, () => res.destroy(new Error('upstream body stalled')));
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage,
              headers: out,
            }),
          );
        },
      );
      const deadline = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'SB_TIMEOUT' })), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        // The code only (ECONNREFUSED, …): a message could carry the URL, and with it a query-string key.
        log.warn({ asset: assetId, code: err.code }, 'upstream call failed');
        reject(
          err.code === 'SB_TIMEOUT'
            ? unavailable(assetId, 'UPSTREAM_TIMEOUT', `the upstream did not answer within ${timeoutMs} ms.`)
            : unavailable(assetId, 'UPSTREAM_UNREACHABLE', `the upstream could not be reached (${err.code ?? 'error'}).`),
        );
      });
      req.end(body);
    });
  };
};
