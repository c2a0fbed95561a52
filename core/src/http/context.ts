/** @module Typed Hono context variables, declared once for the whole core. */
import type { Caller } from '@switchboard/sdk';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the front door: the caller's X-Request-Id if usable, a fresh UUID otherwise. */
    requestId: string;
    /** True once a response builder put the request id on the response (see respond.ts). */
    requestIdSent: boolean;
    /** Headers every response of this request carries, e.g. the access gate's RateLimit-* (see respond.ts). */
    responseHeaders: Record<string, string>;
    /** Set by the access layer; anonymous when nothing authenticated the request. */
    caller: Caller;
  }
}

/** The caller of a request that no credential identified. */
export const ANONYMOUS: Caller = Object.freeze({
  appId: null,
  orgId: null,
  scopes: Object.freeze([]) as readonly string[],
  limits: Object.freeze({}),
});
