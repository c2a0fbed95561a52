/**
 * @module Builds the core's responses with plain-object headers, the request id included. On Node,
 * @hono/node-server writes such a response straight to the socket; a response whose headers went through
 * `c.header()` or a `Headers` object takes its slow path, which cost about 8 µs per request (docs/benchmarks.md).
 */
import type { Context } from 'hono';

/** The request's own headers (id, the access gate's RateLimit-*), then `headers`: one object, built once. */
const headersFor = (c: Context, headers: Record<string, string> | undefined): Record<string, string> => {
  c.set('requestIdSent', true);
  const out: Record<string, string> = { 'x-request-id': c.get('requestId') ?? '' };
  const extra = c.get('responseHeaders');
  if (extra) for (const k in extra) out[k] = extra[k];
  if (headers) for (const k in headers) out[k] = headers[k];
  return out;
};

/** A response with `body` (a string, bytes or null) and the given headers on top of the request's own. */
export const respond = (c: Context, body: string | Uint8Array | null, status: number, headers?: Record<string, string>): Response =>
  new Response(body as BodyInit | null, { status, headers: headersFor(c, headers) });

/** A JSON response. */
export const respondJson = (c: Context, value: unknown, status: number, headers?: Record<string, string>): Response =>
  respond(c, JSON.stringify(value), status, headers ? { 'content-type': 'application/json', ...headers } : JSON_TYPE);

const JSON_TYPE = { 'content-type': 'application/json' };

/** Adds a header to every response of this request that the core builds (see `respond`). */
export const addResponseHeader = (c: Context, name: string, value: string): void => {
  const extra = c.get('responseHeaders');
  if (extra) extra[name] = value;
  else c.set('responseHeaders', { [name]: value });
};
