/**
 * @module Puts the asset's own credentials on each proxied request: an API key (header or query), a bearer token,
 * basic auth, or an OAuth2 client-credentials token fetched from the partner's token endpoint and cached until
 * shortly before it expires. Secrets stay in memory: never logged, never in an error.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { HttpProblem } from '../http/map-error.js';
import { NOT_ALLOWED } from './host-guard.js';
import type { UpstreamAuth } from './partner-meta.js';

export interface AuthApplier {
  /** Adds the credentials: sets headers, returns a query fragment to append (`name=value`) or ''. */
  apply(headers: Record<string, string>): string | Promise<string>;
  /** The upstream answered 401: a cached token is dropped so the next call fetches a fresh one. */
  rejected(): void;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A token is renewed this long before it expires: a tenth of its lifetime, at most 30 s. */
const renewAhead = (lifetimeMs: number) => Math.min(30_000, lifetimeMs / 10);

const authFailed = (detail: string) => new HttpProblem({ status: 502, code: 'UPSTREAM_AUTH_FAILED', title: 'Bad Gateway', detail });

/** The answer of the token endpoint: its status and its body, read whole (a token response is small). */
const postForm = (
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  lookup: LookupFunction | undefined,
): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    // Node's http, not fetch: only it lets the token endpoint's DNS answers go through the host allowlist.
    const req = client.request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.byteLength;
          if (size > 1024 * 1024) res.destroy(new Error('token response too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    // One deadline for the whole exchange, as fetch's AbortSignal.timeout gave.
    const deadline = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'SB_TIMEOUT' })), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.end(body);
  });

const notAllowed = () =>
  new HttpProblem({
    status: 502,
    code: 'UPSTREAM_NOT_ALLOWED',
    title: 'Bad Gateway',
    detail: 'The token endpoint resolves to an address the platform may not reach (PARTNER_ALLOWED_HOSTS).',
  });

const clientCredentials = (
  spec: Extract<UpstreamAuth, { type: 'oauth2ClientCredentials' }>,
  timeoutMs: number,
  now: () => number,
  lookup: LookupFunction | undefined,
): AuthApplier => {
  let cached: { token: string; renewAt: number } | undefined;
  // Concurrent calls that find no token share one request to the token endpoint.
  let inflight: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (spec.scopes?.length) form.set('scope', spec.scopes.join(' '));
    let res: { status: number; text: string };
    try {
      res = await postForm(
        spec.tokenUrl,
        {
          // client_secret_basic, which RFC 6749 §2.3.1 requires every server to support; form-encoded per its appendix B.
          authorization: basic(encodeURIComponent(spec.clientId), encodeURIComponent(spec.clientSecret)),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        form.toString(),
        timeoutMs,
        lookup,
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === NOT_ALLOWED) throw notAllowed();
      throw authFailed(`The token endpoint did not answer: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}.`);
    }
    let body: { access_token?: unknown; expires_in?: unknown } | null = null;
    try {
      body = JSON.parse(res.text);
    } catch {}
    const ok = res.status >= 200 && res.status < 300;
    if (!ok || typeof body?.access_token !== 'string') throw authFailed(`The token endpoint answered ${res.status} without a token.`);
    const lifetimeMs = Number(body.expires_in) > 0 ? Number(body.expires_in) * 1000 : Number.POSITIVE_INFINITY;
    // Without expires_in the token is kept until the upstream refuses it (see `rejected`).
    cached = { token: body.access_token, renewAt: now() + lifetimeMs - (Number.isFinite(lifetimeMs) ? renewAhead(lifetimeMs) : 0) };
    return body.access_token;
  };
  const token = (): string | Promise<string> => {
    if (cached && now() < cached.renewAt) return cached.token;
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  return {
    apply(headers) {
      const t = token();
      if (typeof t === 'string') {
        headers.authorization = `Bearer ${t}`;
        return '';
      }
      return t.then((v) => {
        headers.authorization = `Bearer ${v}`;
        return '';
      });
    },
    rejected() {
      cached = undefined;
    },
  };
};

/**
 * Builds the credentials step of one asset. `now` is for tests of expiry; `lookup` is the host allowlist's, which the
 * token endpoint is subject to like the upstream.
 */
export const upstreamAuth = (spec: UpstreamAuth, timeoutMs: number, now: () => number = Date.now, lookup?: LookupFunction): AuthApplier => {
  const none = () => {};
  switch (spec.type) {
    case 'apiKey': {
      const query = `${encodeURIComponent(spec.name)}=${encodeURIComponent(spec.value)}`;
      const header = spec.name.toLowerCase();
      return spec.in === 'query'
        ? { apply: () => query, rejected: none }
        : {
            apply: (h) => {
              h[header] = spec.value;
              return '';
            },
            rejected: none,
          };
    }
    case 'bearer':
      return {
        apply: (h) => {
          h.authorization = `Bearer ${spec.token}`;
          return '';
        },
        rejected: none,
      };
    case 'basic': {
      const value = basic(spec.username, spec.password);
      return {
        apply: (h) => {
          h.authorization = value;
          return '';
        },
        rejected: none,
      };
    }
    case 'oauth2ClientCredentials':
      return clientCredentials(spec, timeoutMs, now, lookup);
    default:
      return { apply: () => '', rejected: none };
  }
};
