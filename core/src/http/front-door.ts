/**
 * @module The one middleware every request passes: request id, the request's async scope (so log lines carry the
 * id), the body size limit and, when on, the access log. One function rather than four Hono middlewares because
 * each middleware is another async frame per request; together they cost more than routing (docs/benchmarks.md).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@switchboard/sdk';
import type { Context, Handler, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestScope } from '../logging/request-scope.js';
import { mapError } from './map-error.js';
import { problemResponse } from './problem.js';

export interface FrontDoorOptions {
  log: Logger;
  accessLog: boolean;
  bodyLimitBytes: number;
}

/** A caller's own request id is kept if it is short and plain, so it can be followed across their systems. */
const USABLE_ID = /^[\w\-=]{1,255}$/;

/**
 * Reads a request header. On Node the raw message's parsed headers are used: asking Hono builds a Headers object,
 * which a public GET that never looks at any other header would pay for.
 */
const headerOf = (c: Context, incoming: IncomingMessage | undefined, name: string): string | undefined => {
  if (incoming) {
    const v = incoming.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }
  return c.req.header(name);
};

/** Node's raw request message, when served by @hono/node-server (absent for `app.request()` in tests). */
export const incomingOf = (c: Context): IncomingMessage | undefined => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;

/** A request header (`name` lower-case), read cheaply on Node; see `headerOf`. */
export const requestHeader = (c: Context, name: string): string | undefined => headerOf(c, incomingOf(c), name);

/**
 * A fresh request id, shaped like a UUID: 20 random hex digits drawn once per process, then a 12-digit counter. Unique
 * across replicas and restarts (80 random bits per process) at a fraction of `randomUUID()`'s cost per request
 * (which formats 16 fresh random bytes each time: about 0.2 µs, measured in docs/benchmarks.md). Not a secret:
 * nothing is authorised by it.
 */
const PROCESS_PREFIX = randomBytes(10)
  .toString('hex')
  .replace(/^(.{8})(.{4})(.{4})(.{4})$/, '$1-$2-$3-$4-');
let requestCounter = 0;
const nextRequestId = (): string => {
  requestCounter = (requestCounter + 1) % 0x1000000000000;
  return PROCESS_PREFIX + requestCounter.toString(16).padStart(12, '0');
};

/** Sets the request's id: the caller's X-Request-Id if usable, a fresh one otherwise. */
const assignRequestId = (c: Context, incoming: IncomingMessage | undefined): string => {
  let id = headerOf(c, incoming, 'x-request-id');
  if (id === undefined || !USABLE_ID.test(id)) id = nextRequestId();
  c.set('requestId', id);
  return id;
};

const stampId = (c: Context) => {
  try {
    c.res.headers.set('x-request-id', c.get('requestId'));
  } catch {
    // A response with immutable headers (one passed through from fetch) goes out as it is.
  }
};

/** The front door, in its two forms: a middleware for the few plain routes, and a wrapper for operation handlers. */
export interface FrontDoor {
  middleware: MiddlewareHandler;
  /**
   * One Hono handler doing the front door's work and then `handler`'s: a route with a single handler is called
   * directly by Hono, while a middleware plus a handler go through its compose step (measured: docs/benchmarks.md).
   */
  wrap(handler: (c: Context) => Response | Promise<Response>): Handler;
}

/** Gives the request its id (the caller's X-Request-Id if usable): for responses no door built (404, 405). */
export const ensureRequestId = (c: Context): string => {
  const known: string | undefined = c.get('requestId');
  return known ?? assignRequestId(c, incomingOf(c));
};

export const frontDoor = ({ log, accessLog, bodyLimitBytes }: FrontDoorOptions): FrontDoor => {
  const tooLarge = (c: Context) =>
    problemResponse(c, {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      title: 'Content Too Large',
      detail: `The body exceeds the limit of ${bodyLimitBytes} bytes.`,
      limit: bodyLimitBytes,
    });
  // A body without Content-Length (chunked) can only be measured while it streams: Hono's limiter does that.
  const streamingLimit = bodyLimit({ maxSize: bodyLimitBytes, onError: tooLarge });

  /** 'ok', a 413 answer, or 'stream' when the body must be measured while read. */
  const judgeBody = (c: Context, incoming: IncomingMessage | undefined): 'ok' | 'stream' | Response => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return 'ok';
    const length = headerOf(c, incoming, 'content-length');
    if (length !== undefined) return Number(length) > bodyLimitBytes ? tooLarge(c) : 'ok';
    return (incoming ? incoming.headers['transfer-encoding'] !== undefined : c.req.raw.body !== null) ? 'stream' : 'ok';
  };

  const logLine = (c: Context, status: number, started: number) =>
    log.info({ method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');

  const middlewareBody = async (c: Context, next: Next, incoming: IncomingMessage | undefined): Promise<Response | undefined> => {
    const started = accessLog ? performance.now() : 0;
    const verdict = judgeBody(c, incoming);
    let early: Response | undefined;
    if (verdict instanceof Response) early = verdict;
    else if (verdict === 'stream') early = (await streamingLimit(c, next)) ?? undefined;
    else await next();
    // Responses built by `respond` carry the id already; the few others (docs, health) get it here.
    if (!early && !c.get('requestIdSent')) stampId(c);
    if (accessLog) logLine(c, early?.status ?? c.res.status, started);
    return early;
  };

  const wrapped = async (
    c: Context,
    handler: (c: Context) => Response | Promise<Response>,
    incoming: IncomingMessage | undefined,
    judged?: 'stream',
  ): Promise<Response> => {
    const started = accessLog ? performance.now() : 0;
    let status = 500;
    try {
      const verdict = judged ?? judgeBody(c, incoming);
      let res: Response;
      if (verdict instanceof Response) res = verdict;
      else if (verdict === 'stream') {
        const early = await streamingLimit(c, async () => {
          c.res = await handler(c);
        });
        res = early ?? c.res;
      } else res = await handler(c);
      status = res.status;
      return res;
    } catch (err) {
      status = mapError(err).problem.status;
      throw err;
    } finally {
      if (accessLog) logLine(c, status, started);
    }
  };

  return {
    middleware: function frontDoor(c, next) {
      const incoming = incomingOf(c);
      return requestScope.run(assignRequestId(c, incoming), () => middlewareBody(c, next, incoming));
    },
    wrap(handler) {
      // Without the access log, a request whose body is judged at once (none, or a Content-Length within the limit:
      // the common GET and POST) goes straight to the handler, without another async frame around it.
      return function frontDoor(c) {
        const incoming = incomingOf(c);
        const id = assignRequestId(c, incoming);
        if (!accessLog) {
          const verdict = judgeBody(c, incoming);
          if (verdict === 'ok') return requestScope.run(id, () => handler(c));
          if (verdict instanceof Response) return verdict;
          // A chunked body: judged already, measured while it streams.
          return requestScope.run(id, () => wrapped(c, handler, incoming, verdict));
        }
        return requestScope.run(id, () => wrapped(c, handler, incoming));
      };
    },
  };
};
