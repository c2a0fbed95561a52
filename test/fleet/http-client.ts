/**
 * @module The story's HTTP client: JSON in and out, the replica that served each answer (from the proxy's header),
 * and a tally of the asset calls that passed the access checks, which is what the usage figures must add up to.
 */
import { REPLICA_HEADER } from './round-robin-proxy.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely, as a client reads JSON.
export type Body = any;

export interface Answer {
  method: string;
  url: string;
  status: number;
  body: Body;
  text: string;
  headers: Headers;
  /** The replica that served it: the proxy's header, or the replica called directly. */
  replica: string;
  ms: number;
}

/** Refusals of the access layer: such calls are not metered (docs/operating.md, Usage). */
const NOT_METERED = new Set([
  'API_KEY_MISSING',
  'API_KEY_INVALID',
  'API_KEY_REVOKED',
  'API_KEY_EXPIRED',
  'ASSET_DISABLED',
  'SUBSCRIPTION_REQUIRED',
  'SUBSCRIPTION_PENDING',
  'SUBSCRIPTION_SUSPENDED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
]);

/** Which asset a path belongs to, by its base path; null for the platform's own APIs. */
export type AssetOfPath = (path: string) => string | null;

export class StoryError extends Error {}

/** One line that says what went wrong, with the request, the answer and the replica. */
export const explain = (a: Answer): string =>
  `${a.method} ${a.url} → ${a.status} from ${a.replica}: ${a.text.length > 600 ? `${a.text.slice(0, 600)}…` : a.text}`;

export const expectStatus = (a: Answer, status: number, what: string): Answer => {
  if (a.status !== status) throw new StoryError(`${what}: expected ${status}, got ${explain(a)}`);
  return a;
};

export class HttpClient {
  /** Metered calls per asset id, as the story expects the usage figures to show them. */
  readonly metered = new Map<string, number>();

  constructor(private readonly assetOf: AssetOfPath) {}

  async call(
    base: { url: string; name?: string },
    method: string,
    path: string,
    init: { json?: unknown; headers?: Record<string, string>; token?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const url = `${base.url}${path}`;
    const t = performance.now();
    const res = await fetch(url, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await res.text();
    const ms = performance.now() - t;
    let body: Body;
    try {
      body = text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    } catch {
      body = text;
    }
    const replica = res.headers.get(REPLICA_HEADER) ?? base.name ?? '?';
    const answer: Answer = { method, url: path, status: res.status, body, text, headers: res.headers, replica, ms };
    const asset = this.assetOf(path);
    const refused = res.status === 401 || res.status === 429 || (res.status >= 400 && NOT_METERED.has(body?.code));
    if (asset && !refused) {
      this.metered.set(asset, (this.metered.get(asset) ?? 0) + 1);
    }
    return answer;
  }
}
