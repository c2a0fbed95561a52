/**
 * @module The `x-switchboard` block of a partner document: the asset's id and title, its mode (live or mock) and its
 * upstream (base URL, timeout, retries, circuit breaker, size limits, how to authenticate). Secrets may be
 * `${ENV_NAME}` references, resolved here from the environment.
 */
import { Ajv } from 'ajv';
import { LoadError, pointer } from '../plugins/load-error.js';
import { toIssues } from '../validation/compile-operation.js';
import type { HostGuard } from './host-guard.js';

export type UpstreamAuth =
  | { type: 'none' }
  | { type: 'apiKey'; in: 'header' | 'query'; name: string; value: string }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2ClientCredentials'; tokenUrl: string; clientId: string; clientSecret: string; scopes?: string[] };

export interface Upstream {
  baseUrl: string;
  /** Deadline for the upstream's response headers, and for each silence while its body streams. */
  timeoutMs?: number;
  auth: UpstreamAuth;
  /** Retries of idempotent calls that failed to connect, timed out or got 502/503/504. */
  retries?: { max?: number; backoffMs?: number; maxDelayMs?: number };
  circuitBreaker?: { failures?: number; openMs?: number };
  limits?: { requestBytes?: number; responseBytes?: number };
}

/** The resilience settings with their defaults applied. */
export interface UpstreamPolicy {
  retries: { max: number; backoffMs: number; maxDelayMs: number };
  circuitBreaker: { failures: number; openMs: number };
  limits: { requestBytes?: number; responseBytes?: number };
}

/** What an asset gets when its block says nothing (documented in docs/assets/partner.md). */
export const UPSTREAM_DEFAULTS: UpstreamPolicy = {
  retries: { max: 2, backoffMs: 100, maxDelayMs: 5000 },
  circuitBreaker: { failures: 5, openMs: 30_000 },
  limits: {},
};

export const upstreamPolicy = (u: Upstream | undefined): UpstreamPolicy => ({
  retries: { ...UPSTREAM_DEFAULTS.retries, ...u?.retries },
  circuitBreaker: { ...UPSTREAM_DEFAULTS.circuitBreaker, ...u?.circuitBreaker },
  limits: { ...u?.limits },
});

export interface PartnerMeta {
  /** What goes to `info.x-switchboard`, where the core reads every asset's metadata. */
  info: { id: string; title?: string; category?: string; basePath?: string; coreVersion: string };
  /** The document's own mode (an operator's override comes on top, see ReadPartnerOptions). */
  mode: 'live' | 'mock';
  /** Absent only in a mock-mode document (an upstream that does not exist yet). */
  upstream?: Upstream;
}

const str = { type: 'string', minLength: 1 } as const;
const positive = { type: 'integer', minimum: 1 } as const;
const variant = (type: string, properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: ['type', ...Object.keys(properties).filter((k) => k !== 'scopes')],
  properties: { type: { const: type }, ...properties },
});

export const PARTNER_EXTENSION_SCHEMA = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' },
    mode: { enum: ['live', 'mock'] },
    title: str,
    category: { type: 'string' },
    basePath: { type: 'string', pattern: '^(/[a-z0-9][a-z0-9._-]*)+$' },
    coreVersion: str,
    upstream: {
      type: 'object',
      required: ['baseUrl'],
      additionalProperties: false,
      properties: {
        // Or a `${ENV}` reference, checked once resolved.
        baseUrl: { type: 'string', pattern: '^(https?://|\\$\\{)' },
        timeoutMs: positive,
        retries: {
          type: 'object',
          additionalProperties: false,
          properties: {
            max: { type: 'integer', minimum: 0, maximum: 10 },
            backoffMs: { type: 'integer', minimum: 0 },
            maxDelayMs: positive,
          },
        },
        circuitBreaker: { type: 'object', additionalProperties: false, properties: { failures: positive, openMs: positive } },
        limits: { type: 'object', additionalProperties: false, properties: { requestBytes: positive, responseBytes: positive } },
        auth: {
          type: 'object',
          required: ['type'],
          discriminator: { propertyName: 'type' },
          oneOf: [
            variant('none', {}),
            variant('apiKey', { in: { enum: ['header', 'query'] }, name: str, value: str }),
            variant('bearer', { token: str }),
            variant('basic', { username: str, password: { type: 'string' } }),
            variant('oauth2ClientCredentials', {
              tokenUrl: { type: 'string', pattern: '^(https?://|\\$\\{)' },
              clientId: str,
              clientSecret: str,
              scopes: { type: 'array', items: { type: 'string' } },
            }),
          ],
        },
      },
    },
  },
} as const;

const check = new Ajv({ allErrors: true, strict: false, discriminator: true }).compile(PARTNER_EXTENSION_SCHEMA);

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string under `node`; a missing variable is a load error naming where it is used. With
 * `prefix`, only names starting with it may be used (uploads: an operator must not read the server's secrets).
 */
const resolveEnv = (node: unknown, env: Record<string, string | undefined>, file: string, at: string[], prefix?: string): unknown => {
  if (typeof node === 'string') {
    return node.replace(ENV_REF, (_, name: string) => {
      if (prefix !== undefined && !name.startsWith(prefix)) {
        throw new LoadError(
          'XSB_INVALID',
          file,
          pointer(...at),
          `an uploaded document may only use \${${prefix}…} variables, not \${${name}}: set the secret as ${prefix}${name} on the replicas`,
        );
      }
      const value = env[name];
      // The name is safe to report; the value never appears in an error or a log line.
      if (value === undefined) throw new LoadError('XSB_INVALID', file, pointer(...at), `environment variable ${name} is not set`);
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => resolveEnv(v, env, file, [...at, String(i)], prefix));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveEnv(v, env, file, [...at, k], prefix)]));
  }
  return node;
};

/**
 * Takes the block out of the document (top level, or `info` where plugins keep theirs), checks it and resolves its
 * secrets. The document keeps no trace of the upstream: what is served cannot leak it.
 */
export const takePartnerMeta = (
  doc: Record<string, unknown>,
  file: string,
  env: Record<string, string | undefined>,
  modeOverride?: 'live' | 'mock',
  guard?: HostGuard,
  /** Only `${NAME}`s with this prefix may be used (documents uploaded at runtime). */
  envPrefix?: string,
): PartnerMeta => {
  const docInfo = (doc.info ?? {}) as Record<string, unknown>;
  const top = doc['x-switchboard'];
  const inInfo = docInfo['x-switchboard'];
  if (top !== undefined && inInfo !== undefined) {
    throw new LoadError('XSB_INVALID', file, '/info/x-switchboard', 'give the x-switchboard block once: at the top level or under info');
  }
  if (top === undefined && inInfo === undefined) {
    throw new LoadError('XSB_MISSING', file, '', 'add an x-switchboard block with id and upstream { baseUrl, auth }');
  }
  const base = top !== undefined ? ['x-switchboard'] : ['info', 'x-switchboard'];
  const block = top ?? inInfo;
  if (!check(block)) {
    const [first, ...rest] = toIssues(check.errors, pointer(...base));
    throw new LoadError('XSB_INVALID', file, first.pointer, `${first.message}${rest.length ? ` (and ${rest.length} more)` : ''}`);
  }
  delete doc['x-switchboard'];
  delete docInfo['x-switchboard'];
  const x = block as {
    id: string;
    title?: string;
    category?: string;
    basePath?: string;
    coreVersion?: string;
    mode?: 'live' | 'mock';
    upstream?: unknown;
  };
  // A partner document needs no core version: it depends on no SDK.
  const info = defined({ id: x.id, title: x.title, category: x.category, basePath: x.basePath, coreVersion: x.coreVersion ?? '*' });
  const mode = x.mode ?? 'live';
  const live = (modeOverride ?? mode) === 'live';
  // A document written before its upstream exists serves mocks; switched to live, it needs one.
  if (x.upstream === undefined) {
    if (!live) return { info, mode };
    throw new LoadError(
      'XSB_INVALID',
      file,
      pointer(...base),
      "must have required property 'upstream' (it may be left out in mock mode only)",
    );
  }
  const upstream = resolveEnv(x.upstream, env, file, [...base, 'upstream'], envPrefix) as Omit<Upstream, 'auth'> & { auth?: UpstreamAuth };
  for (const [key, value] of [
    ['baseUrl', upstream.baseUrl],
    ['tokenUrl', (upstream.auth as { tokenUrl?: string } | undefined)?.tokenUrl],
  ] as const) {
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {}
    const at = key === 'baseUrl' ? [...base, 'upstream', 'baseUrl'] : [...base, 'upstream', 'auth', 'tokenUrl'];
    if (!url || !/^https?:$/.test(url.protocol)) throw new LoadError('XSB_INVALID', file, pointer(...at), 'must be an http(s) URL');
    // A mock is never sent anywhere: its upstream is checked when it goes live.
    const refusal = live ? guard?.refusal(url.hostname) : undefined;
    if (refusal) throw new LoadError('UPSTREAM_NOT_ALLOWED', file, pointer(...at), refusal);
  }
  return { info, mode, upstream: { ...upstream, auth: upstream.auth ?? { type: 'none' } } };
};
