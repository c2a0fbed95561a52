/** @module Typed Hono context variables, declared once for the whole core. */
import type { Caller } from '@switchboard/sdk';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the access layer; anonymous when nothing authenticated the request. */
    caller: Caller;
  }
}

/** The caller of a request that no credential identified. */
export const ANONYMOUS: Caller = Object.freeze({ appId: null, orgId: null, scopes: Object.freeze([]) as readonly string[] });
