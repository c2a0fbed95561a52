/**
 * @module Types that turn openapi-typescript's `operations` interface into handler signatures: what a handler
 * receives (params, query, headers, body) and what it may return (a declared status with its declared body).
 */

/** The shape openapi-typescript emits for one operation. */
export interface AnyOperation {
  parameters?: { path?: unknown; query?: unknown; header?: unknown; cookie?: unknown };
  requestBody?: unknown;
  responses: Record<string | number, unknown>;
}

/** No parameters of that kind: an empty object on which any property access is a compile error. */
type NoParams = Record<never, never>;
type Defined<T> = [Exclude<T, undefined>] extends [never] ? NoParams : Exclude<T, undefined>;
type ParamsIn<O, K extends string> = O extends { parameters: infer P }
  ? K extends keyof P
    ? Defined<P[K]>
    : NoParams
  : O extends { parameters?: infer P }
    ? K extends keyof Exclude<P, undefined>
      ? Defined<Exclude<P, undefined>[K & keyof Exclude<P, undefined>]>
      : NoParams
    : NoParams;

/** Prefer the JSON media type; fall back to whatever the operation declares. */
type MediaBody<C> = C extends { 'application/json': infer B } ? B : C extends Record<string, infer B> ? B : never;

/** The parsed JSON body of an operation: required, optional (`| undefined`) or absent (`undefined`). */
export type RequestBodyOf<O> = O extends { requestBody: { content: infer C } }
  ? MediaBody<C>
  : O extends { requestBody?: { content: infer C } }
    ? MediaBody<C> | undefined
    : undefined;

/** Path parameters, typed from the manifest. */
export type PathParamsOf<O> = ParamsIn<O, 'path'>;
/** Query parameters after coercion (numbers are numbers, booleans are booleans). */
export type QueryOf<O> = ParamsIn<O, 'query'>;
/** Declared request headers, lower-cased as the manifest names them. */
export type HeadersOf<O> = ParamsIn<O, 'header'>;

type BodyPart<R> = R extends { content: infer C }
  ? [C] extends [never]
    ? { body?: undefined }
    : [C] extends [undefined]
      ? { body?: undefined }
      : { body: MediaBody<C> }
  : { body?: undefined };

type StatusOf<S> = S extends number ? S : S extends 'default' ? number : S extends `${infer N extends number}` ? N : never;

/** A value a handler may return: one of the operation's declared statuses with that status's body. */
export type ResponseOf<O> = O extends { responses: infer R }
  ? {
      [S in keyof R]: { status: StatusOf<S>; headers?: Record<string, string> } & BodyPart<R[S]>;
    }[keyof R]
  : never;

/** Who is calling. Anonymous until the access layer authenticates the request. */
export interface Caller {
  /** The calling app, or null for an anonymous call. */
  appId: string | null;
  /** The app's organization, or null. */
  orgId: string | null;
  /** Scopes granted to the caller's key. */
  scopes: readonly string[];
  /**
   * The asset-specific limits of the caller's plan (names each asset documents, e.g. dPaaS `instances`,
   * `vcpus`), for the plugin to enforce; empty for anonymous calls and plans without any.
   */
  limits: Readonly<Record<string, number>>;
}

/** What a handler receives. */
export interface HandlerContext<O> {
  params: PathParamsOf<O>;
  query: QueryOf<O>;
  headers: HeadersOf<O>;
  body: RequestBodyOf<O>;
  caller: Caller;
  requestId: string;
  /** Aborted when the client goes away: pass it to slow work (outbound calls, queries) to stop early. */
  signal: AbortSignal;
}

/** One operation's handler. */
export type Handler<O> = (ctx: HandlerContext<O>) => Promise<ResponseOf<O>> | ResponseOf<O>;

/** One handler per operationId of the manifest: missing or extra handlers do not compile. */
export type Handlers<Ops> = { [K in keyof Ops]: Handler<Ops[K]> };
