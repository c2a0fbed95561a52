/**
 * @module The one middleware every request passes: request id, the request's async scope (so log lines carry the
 * id), the body size limit and, when on, the access log. One function rather than four Hono middlewares because
 * each middleware is another async frame per request; together they cost more than routing (docs/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@switchboard/sdk';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestScope } from '../logging/request-scope.js';
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

/** A request header (`name` lower-case), read cheaply on Node; see `headerOf`. */
export const requestHeader = (c: Context, name: string): string | undefined =>
  headerOf(c, (c.env as { incoming?: IncomingMessage } | undefined)?.incoming, name);

const stampId = (c: Context) => {
  try {
    c.res.headers.set('x-request-id', c.get('requestId'));
  } catch {
    // A response with immutable headers (one passed through from fetch) goes out as it is.
  }
};

export const frontDoor = ({ log, accessLog, bodyLimitBytes }: FrontDoorOptions): MiddlewareHandler => {
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

  const limited = async (c: Context, next: Next, incoming: IncomingMessage | undefined): Promise<Response | undefined> => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      const length = headerOf(c, incoming, 'content-length');
      if (length !== undefined) {
        if (Number(length) > bodyLimitBytes) return tooLarge(c);
      } else if (incoming ? incoming.headers['transfer-encoding'] !== undefined : c.req.raw.body !== null) {
        return (await streamingLimit(c, next)) ?? undefined;
      }
    }
    await next();
    // Responses built by `respond` carry the id already; the few others (docs, health) get it here.
    if (!c.get('requestIdSent')) stampId(c);
    return undefined;
  };

  const logged = async (c: Context, next: Next, incoming: IncomingMessage | undefined): Promise<Response | undefined> => {
    const started = performance.now();
    const early = await limited(c, next, incoming);
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: early?.status ?? c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
    return early;
  };

  const serve = accessLog ? logged : limited;
  return function frontDoor(c, next) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    let id = headerOf(c, incoming, 'x-request-id');
    if (id === undefined || !USABLE_ID.test(id)) id = randomUUID();
    c.set('requestId', id);
    return requestScope.run(id, () => serve(c, next, incoming));
  };
};
