/**
 * @module Forwards one validated call to the partner's upstream and hands its answer back intact, within the asset's
 * resilience settings: a deadline, retries of idempotent calls, a circuit breaker, size limits and the host
 * allowlist. Plain node:http rather than fetch: fetch decompresses bodies and would hand back bytes that no longer
 * match their Content-Encoding, it cannot keep repeated response headers apart, and it takes no `lookup`.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, Metrics } from '@switchboard/sdk';
import { HttpProblem } from '../http/map-error.js';
import type { PassthroughInput } from '../http/operation-handler.js';
import { circuitBreaker } from './circuit-breaker.js';
import { type HostGuard, hostGuard, NOT_ALLOWED } from './host-guard.js';
import { type Upstream, upstreamPolicy } from './partner-meta.js';
import { upstreamAuth } from './upstream-auth.js';
import { upstreamMetrics } from './upstream-metrics.js';

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
  /** Which non-public hosts may be reached (PARTNER_ALLOWED_HOSTS); absent, public addresses only. */
  hosts?: HostGuard;
  /** The partner metrics family (`/metrics`); absent, nothing is counted. */
  metrics?: Metrics;
}

/**
 * The upstream answers on the platform's origin, so its cookies land on the platform's domain: one named like the
 * console's and portal's own (`sb_…`) could overwrite a session or a CSRF token, and is not passed back.
 */
const platformCookie = (name: string, value: string): boolean => name === 'set-cookie' && /^\s*sb_/i.test(value);

/** RFC 9110 §9.2.2: a retried call has the same effect as one. POST and PATCH are never retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Answers that say "not now" rather than "no": retried (idempotent calls) and counted by the breaker. */
const RETRY_STATUS = new Set([502, 503, 504]);

const problem = (status: number, code: string, title: string, detail: string, headers?: Record<string, string>) =>
  new HttpProblem({ status, code, title, detail }, headers);

/**
 * A path parameter that decodes to a slash, a backslash or a dot segment would address another upstream path than the
 * operation's once the upstream decodes it (`items/..%2F..%2Fadmin`): refused, since the platform forwards the path
 * as the caller encoded it and only the document's operations are meant to be reachable.
 */
const unsafePathParam = (params: Record<string, unknown>): HttpProblem | undefined => {
  for (const name in params) {
    const value = params[name];
    if (typeof value !== 'string') continue;
    if (value.includes('/') || value.includes('\\') || value === '.' || value === '..') {
      return new HttpProblem({
        status: 400,
        code: 'VALIDATION_FAILED',
        title: 'Bad Request',
        detail: `The path parameter '${name}' may not contain a slash, a backslash or be a dot segment.`,
        errors: [{ pointer: `/path/${name}`, message: 'may not contain a slash, a backslash or be a dot segment' }],
      });
    }
  }
  return undefined;
};

const unavailable = (assetId: string, code: 'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNREACHABLE', detail: string) =>
  problem(
    code === 'UPSTREAM_TIMEOUT' ? 504 : 502,
    code,
    code === 'UPSTREAM_TIMEOUT' ? 'Gateway Timeout' : 'Bad Gateway',
    `${assetId}: ${detail}`,
  );

/** `Retry-After` in milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (value: string | undefined, now = Date.now()): number | undefined => {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

type Attempt = { res: IncomingMessage; error?: undefined } | { error: NodeJS.ErrnoException; res?: undefined };

/**
 * Small bodies of known length are read whole: a Buffer goes out with the headers in one write, where a stream
 * costs a web-stream adapter, a read loop and a separate write for the headers (@hono/node-server flushes them
 * first), for each response (docs/benchmarks.md, "Partner proxy").
 */
const BUFFERED_BODY = 64 * 1024;

const NONE = new Set<string>();

const readWhole = (res: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    res.on('error', reject);
  });

/** Cuts a body without a Content-Length once it passes `limit` bytes: the caller sees the response end in error. */
const capped = (res: IncomingMessage, limit: number, onCut: () => void): Readable => {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      if (seen <= limit) return done(null, chunk);
      onCut();
      done(new Error('upstream response over limits.responseBytes'));
    },
  });
  pipeline(res, counter, () => {});
  return counter;
};

/** Builds the handler shared by every operation of one partner asset. */
export const createProxy = ({ assetId, basePath, upstream, defaultTimeoutMs, log, hosts = hostGuard(), metrics }: ProxyOptions) => {
  const base = new URL(upstream.baseUrl);
  const basePathname = base.pathname.replace(/\/+$/, '');
  const client = base.protocol === 'https:' ? https : http;
  // Kept-alive connections: a fresh TCP (and TLS) handshake per call would cost more than the whole pipeline.
  const agent = new client.Agent({ keepAlive: true, maxSockets: 256 });
  const timeoutMs = upstream.timeoutMs ?? defaultTimeoutMs;
  const auth = upstreamAuth(upstream.auth, timeoutMs, Date.now, hosts.lookup);
  const { retries, circuitBreaker: breakerOptions, limits } = upstreamPolicy(upstream);
  const breaker = circuitBreaker(breakerOptions);
  const counted = upstreamMetrics(assetId, metrics);
  const { lookup } = hosts;
  const { requestBytes, responseBytes } = limits;
  const target = { protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, agent, lookup };

  const send = (method: string, path: string, headers: Record<string, string>, body: Buffer | undefined) =>
    new Promise<Attempt>((resolve) => {
      const started = performance.now();
      const req = client.request({ ...target, method, path, headers }, (res) => {
        clearTimeout(deadline);
        counted.attempt(`${String(res.statusCode ?? 0)[0]}xx`, (performance.now() - started) / 1000);
        resolve({ res });
      });
      const deadline = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'SB_TIMEOUT' })), timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        const outcome = error.code === 'SB_TIMEOUT' ? 'timeout' : error.code === NOT_ALLOWED ? 'not_allowed' : 'unreachable';
        counted.attempt(outcome, (performance.now() - started) / 1000);
        resolve({ error });
      });
      req.end(body);
    });

  const backoff = (attempt: number) => Math.min(retries.maxDelayMs, retries.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2));

  const toResponse = (res: IncomingMessage, method: string, requestId: string): Response | Promise<Response> => {
    if (res.statusCode === 401) auth.rejected();
    const out = new Headers();
    const connection = res.headers.connection;
    const drop = connection === undefined || connection === 'keep-alive' ? NONE : droppedByConnection(connection);
    const raw = res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (!HOP_BY_HOP.has(name) && !drop.has(name) && !platformCookie(name, raw[i + 1])) out.append(name, raw[i + 1]);
    }
    out.set('x-request-id', requestId);
    // The answer is served from the platform's origin, where the console lives: no sniffing it into a page.
    out.set('x-content-type-options', 'nosniff');
    const status = res.statusCode ?? 502;
    const empty = method === 'HEAD' || status === 204 || status === 304;
    if (empty) res.resume();
    let body: Readable = res;
    const length = res.headers['content-length'];
    if (responseBytes !== undefined && !empty) {
      if (length !== undefined && Number(length) > responseBytes) {
        res.destroy();
        throw problem(
          502,
          'UPSTREAM_RESPONSE_TOO_LARGE',
          'Bad Gateway',
          `${assetId}: the upstream's response (${length} bytes) is over the asset's limit of ${responseBytes} bytes.`,
        );
      }
      if (length === undefined)
        body = capped(res, responseBytes, () =>
          log.warn({ asset: assetId, limit: responseBytes }, 'upstream response cut at limits.responseBytes'),
        );
    }
    // After the headers, a silent upstream is cut off after the same deadline, not left to hang the client.
    res.setTimeout(timeoutMs, () => res.destroy(new Error('upstream body stalled')));
    const init = { status, statusText: res.statusMessage, headers: out };
    if (!empty && length !== undefined && Number(length) <= BUFFERED_BODY) {
      return readWhole(res).then(
        (bytes) => new Response(bytes as Uint8Array<ArrayBuffer>, init),
        () => {
          throw unavailable(assetId, 'UPSTREAM_UNREACHABLE', 'the upstream’s response broke off.');
        },
      );
    }
    return new Response(empty ? null : (Readable.toWeb(body) as ReadableStream<Uint8Array>), {
      status,
      statusText: res.statusMessage,
      headers: out,
    });
  };

  const proxy = async (input: PassthroughInput): Promise<Response> => {
    const { request } = input;
    const unsafe = unsafePathParam(input.params);
    if (unsafe) throw unsafe;
    if (requestBytes !== undefined && input.bodyBytes && input.bodyBytes.byteLength > requestBytes) {
      throw problem(413, 'PAYLOAD_TOO_LARGE', 'Payload Too Large', `The body is over this API's limit of ${requestBytes} bytes.`);
    }
    if (!breaker.admit()) {
      counted.shortCircuited();
      const seconds = Math.max(1, Math.ceil(breaker.retryInMs() / 1000));
      throw problem(
        503,
        'UPSTREAM_UNAVAILABLE',
        'Service Unavailable',
        `${assetId}: the upstream is failing; calls are paused for ${seconds} s.`,
        { 'retry-after': String(seconds) },
      );
    }
    // Whether the breaker heard how this call went; if not (refused host, token endpoint down), a probe is freed.
    let judged = false;
    try {
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
      // The body is whole in memory (bodyBytes), so a retry can send it again.
      const body = input.bodyBytes ? Buffer.from(input.bodyBytes) : undefined;
      if (body) headers['content-length'] = String(body.byteLength);
      const method = request.method;
      const retryable = IDEMPOTENT.has(method);

      for (let attempt = 0; ; attempt++) {
        const { res, error } = await send(method, path, headers, body);
        const again = retryable && attempt < retries.max;
        if (error) {
          if (error.code === NOT_ALLOWED) {
            throw problem(502, 'UPSTREAM_NOT_ALLOWED', 'Bad Gateway', `${assetId}: ${error.message}.`);
          }
          // The code only (ECONNREFUSED, …): a message could carry the URL, and with it a query-string key.
          log.warn({ asset: assetId, code: error.code, attempt }, 'upstream call failed');
          breaker.failure();
          judged = true;
          if (again && breaker.closed()) {
            judged = false;
            counted.retried();
            await sleep(backoff(attempt));
            continue;
          }
          throw error.code === 'SB_TIMEOUT'
            ? unavailable(assetId, 'UPSTREAM_TIMEOUT', `the upstream did not answer within ${timeoutMs} ms.`)
            : unavailable(assetId, 'UPSTREAM_UNREACHABLE', `the upstream could not be reached (${error.code ?? 'error'}).`);
        }
        if (RETRY_STATUS.has(res.statusCode ?? 0)) {
          breaker.failure();
          judged = true;
          const wait = again && breaker.closed() ? (retryAfterMs(res.headers['retry-after']) ?? backoff(attempt)) : undefined;
          // A Retry-After beyond the cap: the upstream's own answer goes back, Retry-After and all.
          if (wait !== undefined && wait <= retries.maxDelayMs) {
            log.warn({ asset: assetId, status: res.statusCode, attempt }, 'upstream answered a retryable status');
            res.resume();
            judged = false;
            counted.retried();
            await sleep(wait);
            continue;
          }
        } else {
          breaker.success();
          judged = true;
        }
        return toResponse(res, method, input.requestId);
      }
    } finally {
      if (!judged) breaker.release();
      counted.circuit(breaker.state());
    }
  };
  // A replaced or removed version's kept-alive upstream connections go once its last call ended (partner-registry.ts).
  return Object.assign(proxy, { close: () => agent.destroy() });
};
