/**
 * @module The request pipeline of one operation: parse and validate path, query, headers and body with the
 * operation's precompiled validators, run the plugin's handler, check its answer against the manifest (when
 * response validation is on) and serialize it. Errors are thrown and become problem+json in one place.
 */
import type { Caller, Handler as PluginHandler } from '@switchboard/sdk';
import type { Context, Handler } from 'hono';
import type { OperationMeter } from '../metrics/operation-meter.js';
import type { CompiledBody, CompiledOperation, ValidationIssue } from '../validation/compile-operation.js';
import { isJsonMediaType, toIssues } from '../validation/compile-operation.js';
import { hasNonFinite, unsafeValue } from '../validation/unsafe-values.js';
import { ANONYMOUS } from './context.js';
import { incomingOf, requestHeader } from './front-door.js';
import { HttpProblem, mapError } from './map-error.js';
import { respond, respondJson } from './respond.js';

const invalid = (errors: ValidationIssue[], detail = 'The request does not match the operation’s schema.') =>
  new HttpProblem({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request', detail, errors });

/**
 * The declared query parameters (undeclared ones are ignored, as undeclared headers are). Each is looked up by name:
 * an operation declares few, and parsing the whole query string into a map costs more than a few scans.
 */
const readQuery = (c: Context, op: CompiledOperation): Record<string, unknown> => {
  const query: Record<string, unknown> = {};
  for (const name of op.queryNames) {
    const mode = op.queryArrays.get(name);
    if (mode === undefined) {
      const value = c.req.query(name);
      if (value !== undefined) query[name] = value;
      continue;
    }
    const values = c.req.queries(name);
    if (values !== undefined) query[name] = mode === 'explode' ? values : values.flatMap((v) => v.split(','));
  }
  return query;
};

/** The request's media type, lower-case, without parameters; the common `application/json` costs one comparison. */
const mediaTypeOf = (c: Context): string | undefined => {
  const header = requestHeader(c, 'content-type');
  if (header === undefined || header === 'application/json') return header;
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
};

const accepts = (declared: string[], actual: string): boolean => {
  for (const d of declared) if (d === actual || d === '*/*' || (d.endsWith('/*') && actual.startsWith(d.slice(0, -1)))) return true;
  return false;
};

const noBody = (spec: CompiledBody): undefined => {
  if (spec.required) throw invalid([{ pointer: '/body', message: 'is required' }], 'The request needs a body.');
  return undefined;
};

const unsupported = (spec: CompiledBody, type: string | undefined) =>
  new HttpProblem({
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    title: 'Unsupported Media Type',
    detail: `Send the body as ${spec.mediaTypes.join(' or ')}${type ? `, not ${type}` : ' with a Content-Type header'}.`,
    accepted: spec.mediaTypes,
  });

/**
 * Whether a body was sent. On Node it is judged from the headers: asking the request for its body stream would
 * build a full fetch Request. Elsewhere (`app.request()` in tests) the Request is already a real one.
 */
const mayHaveBody = (c: Context): boolean => {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.raw.body !== null && c.req.header('content-length') !== '0';
  const length = incoming.headers['content-length'];
  return length === undefined ? incoming.headers['transfer-encoding'] !== undefined : length !== '0';
};

const readBody = async (c: Context, op: CompiledOperation): Promise<unknown> => {
  const spec = op.body;
  if (!spec) return undefined;
  if (!mayHaveBody(c)) return noBody(spec);
  const type = mediaTypeOf(c);
  if (!type) {
    // Over HTTP a POST always has a body stream, even an empty one: only its content tells whether one was sent.
    if ((await c.req.text()) === '') return noBody(spec);
    throw unsupported(spec, type);
  }
  if (!accepts(spec.mediaTypes, type)) throw unsupported(spec, type);
  if (type !== 'application/json' && !isJsonMediaType(type)) {
    const raw = type.startsWith('text/') ? await c.req.text() : await c.req.arrayBuffer();
    return (typeof raw === 'string' ? raw.length : raw.byteLength) === 0 ? noBody(spec) : raw;
  }
  return parseJsonBody(await c.req.text(), spec);
};

/**
 * The common body, `Content-Type: application/json` exactly, on an operation that takes it: `serve` awaits its text
 * itself, one async frame fewer than `readBody` per call (measured: docs/benchmarks.md).
 */
const isPlainJson = (c: Context, spec: CompiledBody): boolean =>
  mayHaveBody(c) && requestHeader(c, 'content-type') === 'application/json' && accepts(spec.mediaTypes, 'application/json');

/** Parses, validates and checks a JSON body's text. */
const parseJsonBody = (text: string, spec: CompiledBody): unknown => {
  if (text === '') return noBody(spec);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpProblem({
      status: 400,
      code: 'MALFORMED_JSON',
      title: 'Bad Request',
      detail: `The body is not valid JSON: ${(e as Error).message}`,
      errors: [{ pointer: '/body', message: 'is not valid JSON' }],
    });
  }
  if (spec.validate && !spec.validate(body)) throw invalid(toIssues(spec.validate.errors, '/body'));
  const unsafeBody = unsafeValue(body, '/body');
  if (unsafeBody) throw invalid([unsafeBody]);
  return body;
};

interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const responseSpecFor = (op: CompiledOperation, status: number) =>
  op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('DEFAULT');

/** A handler's answer that contradicts the manifest: a bug in the plugin, reported loudly. */
const badResponse = (op: CompiledOperation, detail: string, errors?: ValidationIssue[]) =>
  new HttpProblem({
    status: 500,
    code: 'RESPONSE_VALIDATION_FAILED',
    title: 'Internal Server Error',
    detail: `The handler of ${op.operationId} returned a response its manifest does not declare: ${detail}`,
    ...(errors ? { errors } : {}),
  });

const checkResponse = (op: CompiledOperation, result: HandlerResult) => {
  if (typeof result !== 'object' || result === null || !Number.isInteger(result.status)) {
    throw badResponse(op, 'expected { status, body? }');
  }
  const spec = responseSpecFor(op, result.status);
  if (!spec) throw badResponse(op, `status ${result.status} is not declared`);
  if (spec.validate && !spec.validate(result.body))
    throw badResponse(op, 'the body does not match', toIssues(spec.validate.errors, '/body'));
};

const send = (c: Context, op: CompiledOperation, result: HandlerResult): Response => {
  const { status, body, headers } = result;
  if (body === undefined || status === 204 || status === 304) return respond(c, null, status, headers);
  const spec = responseSpecFor(op, status);
  if (spec?.raw && (typeof body === 'string' || body instanceof Uint8Array)) {
    return respond(c, body, status, { 'content-type': spec.mediaTypes[0], ...headers });
  }
  return respondJson(c, body, status, headers);
};

/** Races a handler against the operation's `x-switchboard.timeoutMs`. The handler is not cancelled, only answered. */
const withDeadline = async (run: Promise<HandlerResult>, op: CompiledOperation): Promise<HandlerResult> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HttpProblem({
            status: 504,
            code: 'HANDLER_TIMEOUT',
            title: 'Gateway Timeout',
            detail: `${op.operationId} did not answer within ${op.timeoutMs} ms.`,
          }),
        ),
      op.timeoutMs,
    );
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

export interface OperationHandlerOptions {
  op: CompiledOperation;
  handler: PluginHandler<unknown>;
  /** Runs the handler inside the plugin's request scope (its EntityManager fork); absent when it needs none. */
  runInScope?: <T>(fn: () => T) => T;
  responseValidation: boolean;
  /** Throws when the operation may not run now (a public operation of a disabled asset); keyed calls check in the gate. */
  checkAvailable?: () => void;
  /** The access gate: who calls, and may they (before); metering (after). */
  gate?: OperationGate;
  /**
   * For partner proxies only: the handler also gets the raw request and the body bytes as received
   * (`PassthroughInput`), and its Response goes out as it is, unchecked. Validation and the gate are unchanged.
   */
  passthrough?: boolean;
  /** Reads the path parameters when Hono's cannot be used as they are (segments mixing text and templates). */
  readPath?: (raw: Record<string, string>) => Record<string, unknown>;
  /** Counts answers by status and their latency for `/metrics`. */
  meter?: OperationMeter;
}

/** What runs around a keyed operation (see access/access-gate.ts). */
export interface OperationGate {
  /** Admits the call (sets the caller) or throws its refusal; a promise only when it had to read the database. */
  check(c: Context): void | Promise<void>;
  /** Counts the call with the status it was answered with. */
  done(c: Context, status: number): void;
}

/**
 * What a handler receives. A class, not an object literal: a literal with a `get signal()` accessor gets a new
 * hidden class per request (the getter is a new closure each time), which cost 4 µs per request and moved every
 * request's objects into the old generation (measured, docs/benchmarks.md).
 */
class RequestContextImpl {
  readonly caller: Caller;
  readonly requestId: string;
  readonly #c: Context;
  constructor(
    c: Context,
    readonly params: Record<string, unknown>,
    readonly query: Record<string, unknown>,
    readonly headers: Record<string, unknown>,
    readonly body: unknown,
  ) {
    this.#c = c;
    this.caller = c.get('caller') ?? ANONYMOUS;
    this.requestId = c.get('requestId');
  }

  /** Made on first use: an AbortController per request costs, and most handlers never listen. */
  get signal(): AbortSignal {
    return this.#c.req.raw.signal;
  }
}

/** What a passthrough handler receives: the validated input plus the request as it came. */
export interface PassthroughInput {
  readonly caller: Caller;
  readonly requestId: string;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
  readonly signal: AbortSignal;
  readonly request: Request;
  /** The body exactly as received (absent without one); bounded by the front door's body limit. */
  readonly bodyBytes: ArrayBuffer | undefined;
}

class PassthroughContextImpl extends RequestContextImpl implements PassthroughInput {
  constructor(
    c: Context,
    params: Record<string, unknown>,
    query: Record<string, unknown>,
    headers: Record<string, unknown>,
    body: unknown,
    readonly request: Request,
    readonly bodyBytes: ArrayBuffer | undefined,
  ) {
    super(c, params, query, headers, body);
  }
}

/** Builds the Hono handler of one operation. */
export const createOperationHandler = ({
  op,
  handler,
  runInScope,
  responseValidation,
  checkAvailable,
  gate,
  passthrough = false,
  readPath,
  meter,
}: OperationHandlerOptions): Handler => {
  const mode = { passthrough, readPath };
  // One async function per call, the gate included: a wrapper around `serve` would be one more frame and promise.
  return (c) => serve(c, op, handler, runInScope, responseValidation, gate ? undefined : checkAvailable, mode, meter, gate);
};

/** One call of the operation, from the raw request to the response. */
const serve = async (
  c: Context,
  op: CompiledOperation,
  handler: PluginHandler<unknown>,
  runInScope: (<T>(fn: () => T) => T) | undefined,
  responseValidation: boolean,
  checkAvailable: (() => void) | undefined,
  { passthrough, readPath }: Pick<OperationHandlerOptions, 'passthrough' | 'readPath'>,
  meter: OperationMeter | undefined,
  gate: OperationGate | undefined,
): Promise<Response> => {
  const started = meter === undefined ? 0 : performance.now();
  // Whether the gate admitted the call: only admitted calls are metered for the app (the caller is known).
  let admitted = false;
  let res: Response;
  try {
    if (gate !== undefined) {
      const checking = gate.check(c);
      if (checking !== undefined) await checking;
      admitted = true;
    } else checkAvailable?.();
    const input = {
      path: (readPath ? readPath(c.req.param()) : c.req.param()) as Record<string, unknown>,
      query: op.hasQuery ? readQuery(c, op) : {},
      headers: {} as Record<string, unknown>,
    };
    for (const name of op.headerNames) {
      const value = c.req.header(name);
      if (value !== undefined) input.headers[name] = value;
    }
    if (op.validateParams && !op.validateParams(input)) throw invalid(toIssues(op.validateParams.errors));
    // A NUL can only come percent-encoded in the URL, a non-finite number only from a coerced path or query value.
    if (c.req.url.includes('%00') || hasNonFinite(input.path) || hasNonFinite(input.query)) {
      const unsafeParam = unsafeValue(input, '');
      if (unsafeParam) throw invalid([unsafeParam]);
    }
    // The bytes first: read as text first, Hono would hand out a re-encoding of the text, not what was sent.
    const bytes =
      passthrough && c.req.method !== 'GET' && c.req.method !== 'HEAD' && mayHaveBody(c) ? await c.req.arrayBuffer() : undefined;
    // No await without a body: each is a trip through the microtask queue.
    const body =
      op.body === null ? undefined : isPlainJson(c, op.body) ? parseJsonBody(await c.req.text(), op.body) : await readBody(c, op);
    const ctx = passthrough
      ? new PassthroughContextImpl(c, input.path, input.query, input.headers, body, c.req.raw, bytes?.byteLength ? bytes : undefined)
      : new RequestContextImpl(c, input.path, input.query, input.headers, body);
    const run = (runInScope ? runInScope(() => handler(ctx as never)) : handler(ctx as never)) as Promise<HandlerResult>;
    const result = op.timeoutMs === undefined ? await run : await withDeadline(run, op);
    if (passthrough && (result as unknown) instanceof Response) {
      // Headers the core adds to its own answers (rate limits) go on the proxied one too.
      const extra = c.get('responseHeaders') as Record<string, string> | undefined;
      res = result as unknown as Response;
      if (extra) for (const name in extra) res.headers.set(name, extra[name]);
    } else {
      if (responseValidation) checkResponse(op, result);
      res = send(c, op, result);
    }
  } catch (err) {
    if (meter !== undefined || gate !== undefined) {
      const { problem } = mapError(err);
      if (admitted) gate?.done(c, problem.status);
      else if (gate !== undefined) meter?.refused(problem.code);
      meter?.record(problem.status, started);
    }
    throw err;
  }
  if (gate !== undefined) gate.done(c, res.status);
  if (meter !== undefined) meter.record(res.status, started);
  return res;
};
