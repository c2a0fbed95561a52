/**
 * @module The CloudStack HTTP API with fetch: signed (signatureVersion 3 with expires), JSON envelopes unwrapped,
 * POST for large requests, pages walked. The secret key lives only in the signing closure: it is never logged,
 * stored on an object, or put in an error.
 */
import { driverError } from '../driver/driver-error.js';
import { MAX_PAGE_SIZE } from '../driver/page.js';
import { CloudStackApiError } from './cloudstack-api-error.js';
import { encodeValue, signRequest } from './sign.js';

/** Where and as whom to call, per deployment, from configuration. */
export interface CloudStackCredentials {
  /** The API URL, e.g. `https://cloud.example.com/client/api`. */
  endpoint: string;
  apiKey: string;
  secretKey: string;
}

export interface CloudStackClientOptions extends CloudStackCredentials {
  /** Per-request deadline (default 30 s). */
  requestTimeoutMs?: number;
  /** Above this many characters of query the request goes as a POST form (default 2048; user data can reach 32 KB). */
  postThreshold?: number;
  /** How far ahead `expires` is (default 10 minutes, as well-known clients send). */
  expiresInMs?: number;
  fetch?: typeof fetch;
}

export type Params = Record<string, string | number | boolean | undefined>;
export type Json = Record<string, unknown>;

export interface CloudStackClient {
  /** The command's answer, unwrapped from its `<command>response` envelope. CloudStack errors throw CloudStackApiError. */
  call(command: string, params?: Params): Promise<Json>;
  /** One page of a list command, with CloudStack's total `count`. */
  list<T = Json>(command: string, itemKey: string, params?: Params): Promise<{ items: T[]; count: number }>;
  /** Every item of a list command, fetched `MAX_PAGE_SIZE` at a time. */
  pages<T = Json>(command: string, itemKey: string, params?: Params): AsyncIterable<T>;
  listAll<T = Json>(command: string, itemKey: string, params?: Params): Promise<T[]>;
}

/** CloudStack's `expires` format (`DateUtil.parseTZDateString`): `2026-11-25T10:00:00+0000`. */
export const formatExpires = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}+0000`;

/** An item array under its key; the key is matched without case, since a few responses spell it in camel case. */
export const itemsOf = <T>(body: Json, itemKey: string): T[] => {
  const direct = body[itemKey];
  if (Array.isArray(direct)) return direct as T[];
  const key = Object.keys(body).find((k) => k.toLowerCase() === itemKey);
  return key && Array.isArray(body[key]) ? (body[key] as T[]) : [];
};

const unwrap = (command: string, payload: unknown): Json => {
  if (!payload || typeof payload !== 'object') throw driverError('provider', `CloudStack ${command}: the answer is not a JSON object`);
  const envelope = payload as Json;
  // The envelope is `<command lower-cased>response`, but a few commands name it otherwise: take the only key.
  const key = `${command.toLowerCase()}response` in envelope ? `${command.toLowerCase()}response` : Object.keys(envelope)[0];
  const inner = key === undefined ? undefined : envelope[key];
  if (!inner || typeof inner !== 'object') throw driverError('provider', `CloudStack ${command}: the answer has no response object`);
  return inner as Json;
};

/**
 * @example
 * const cs = createCloudStackClient({ endpoint, apiKey, secretKey });
 * const { items } = await cs.list('listVirtualMachines', 'virtualmachine', { id });
 */
export const createCloudStackClient = ({
  endpoint,
  apiKey,
  secretKey,
  requestTimeoutMs = 30_000,
  postThreshold = 2048,
  expiresInMs = 10 * 60_000,
  fetch: doFetch = fetch,
}: CloudStackClientOptions): CloudStackClient => {
  if (!endpoint || !apiKey || !secretKey) throw new Error('CloudStack driver: endpoint, apiKey and secretKey are all required');
  const url = new URL(endpoint);
  const host = url.host;
  // Bound here so nothing else ever holds the key.
  const sign = (params: Record<string, string>) => signRequest(params, secretKey);

  const call = async (command: string, params: Params = {}): Promise<Json> => {
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) all[k] = String(v);
    Object.assign(all, { command, apiKey, response: 'json', signatureVersion: '3', expires: formatExpires(Date.now() + expiresInMs) });
    let query = '';
    for (const [k, v] of Object.entries(all)) query += `${query ? '&' : ''}${encodeURIComponent(k)}=${encodeValue(v)}`;
    query += `&signature=${encodeURIComponent(sign(all))}`;
    const post = query.length > postThreshold;
    let res: Response;
    try {
      res = await doFetch(post ? url : `${url.href}?${query}`, {
        method: post ? 'POST' : 'GET',
        headers: post
          ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
          : { accept: 'application/json' },
        body: post ? query : undefined,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      throw timedOut
        ? driverError('timeout', `CloudStack ${command} did not answer within ${requestTimeoutMs} ms`, { provider: 'cloudstack' })
        : driverError('unavailable', `CloudStack at ${host} could not be reached for ${command}`, { provider: 'cloudstack' }, e);
    }
    const text = await res.text();
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw driverError('provider', `CloudStack ${command} answered HTTP ${res.status} without JSON`, {
        provider: 'cloudstack',
        providerCode: res.status,
      });
    }
    const inner = unwrap(command, payload);
    if (inner.errorcode !== undefined || !res.ok) {
      const code = Number(inner.errorcode ?? res.status);
      const cs = inner.cserrorcode === undefined ? undefined : Number(inner.cserrorcode);
      throw new CloudStackApiError(command, code, String(inner.errortext ?? `HTTP ${res.status}`), cs);
    }
    return inner;
  };

  const list = async <T>(command: string, itemKey: string, params: Params = {}) => {
    const body = await call(command, params);
    const items = itemsOf<T>(body, itemKey);
    return { items, count: body.count === undefined ? items.length : Number(body.count) };
  };

  async function* pages<T>(command: string, itemKey: string, params: Params = {}): AsyncIterable<T> {
    for (let page = 1, seen = 0; ; page++) {
      const { items, count } = await list<T>(command, itemKey, { ...params, page, pagesize: MAX_PAGE_SIZE });
      yield* items;
      seen += items.length;
      // `count` is the total; a short page also ends it, in case the total moved while we walked.
      if (items.length < MAX_PAGE_SIZE || seen >= count) return;
    }
  }

  const listAll = async <T>(command: string, itemKey: string, params: Params = {}) => {
    const out: T[] = [];
    for await (const item of pages<T>(command, itemKey, params)) out.push(item);
    return out;
  };

  return { call, list, pages, listAll };
};
