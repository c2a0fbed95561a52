/**
 * @module Points firebase-admin at a loopback FCM fake without touching its code paths for production.
 *
 * firebase-admin has no endpoint setting for FCM or OAuth (the hosts are constants), so three seams are used:
 * - `credential`: a Credential that performs the same OAuth 2.0 JWT-bearer grant as google-auth-library, signed with
 *   the uploaded service account's key, but against the fake's `/token` (google-auth-library ignores `httpAgent` for
 *   its token request, so the real credential cannot be redirected);
 * - `httpAgent`: firebase-admin's HTTP/1.1 requests (`send()`, topic management) dial the fake;
 * - `http2.connect`: `sendEach()` opens its HTTP/2 session with a bare `http2.connect('https://fcm.googleapis.com')`
 *   and ignores `httpAgent`. {@link withFcmLoopback} redirects exactly the sessions opened synchronously inside its
 *   callback, which is where `sendEach` opens its one session, so other code in the process is unaffected. It also
 *   corrects `:scheme`: firebase-admin 14.5.1 sends `https:` (URL protocol syntax), which Google's front end
 *   tolerates but nghttp2 — the HTTP/2 server inside Node — rejects as a protocol error.
 * None of this runs unless a sender is given a loopback endpoint.
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import type { Credential, GoogleOAuthAccessToken } from 'firebase-admin/app';
import type { FcmServiceAccount } from './credentials.js';
import type { LoopbackEndpoint } from './loopback-endpoint.js';

export const FCM_HOST = 'fcm.googleapis.com';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** An https.Agent that dials the fake whatever host a request names, keeping that host for SNI and certificate checks. */
export class LoopbackAgent extends https.Agent {
  constructor(private readonly endpoint: LoopbackEndpoint) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string }): ReturnType<typeof tls.connect> {
    const servername = options.servername || options.host || FCM_HOST;
    return tls.connect({ ...options, host: this.endpoint.host, port: this.endpoint.port, ca: this.endpoint.ca, servername });
  }
}

const base64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

const postForm = (agent: https.Agent, url: string, form: Record<string, string>): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = https.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('token request timed out')));
    req.end(body);
  });

/** The service-account JWT-bearer grant (RFC 7523), as Google's token endpoint expects it, sent to the fake. */
export class LoopbackServiceAccountCredential implements Credential {
  readonly #key;

  constructor(
    private readonly account: FcmServiceAccount,
    private readonly agent: https.Agent,
  ) {
    this.#key = createPrivateKey(account.privateKey);
  }

  async getAccessToken(): Promise<GoogleOAuthAccessToken> {
    const iat = Math.floor(Date.now() / 1000);
    const header = base64url(
      JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(this.account.privateKeyId ? { kid: this.account.privateKeyId } : {}) }),
    );
    const claims = base64url(
      JSON.stringify({ iss: this.account.clientEmail, scope: FCM_SCOPE, aud: GOOGLE_TOKEN_URL, iat, exp: iat + 3600 }),
    );
    const signature = base64url(sign('sha256', Buffer.from(`${header}.${claims}`), this.#key));
    const res = await postForm(this.agent, GOOGLE_TOKEN_URL, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${header}.${claims}.${signature}`,
    });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body.slice(0, 200)}`);
    const token = JSON.parse(res.body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof token.access_token !== 'string' || typeof token.expires_in !== 'number')
      throw new Error('token endpoint answered without a token');
    return { access_token: token.access_token, expires_in: token.expires_in };
  }
}

let active: LoopbackEndpoint | undefined;
let installed = false;

const install = (): void => {
  if (installed) return;
  installed = true;
  const original = http2.connect;
  const redirecting = function connect(this: unknown, authority: string | URL, ...rest: unknown[]) {
    const endpoint = active;
    if (!endpoint || new URL(String(authority)).host !== FCM_HOST)
      return (original as (...a: unknown[]) => unknown).call(this, authority, ...rest);
    const options = (typeof rest[0] === 'object' && rest[0] !== null ? rest[0] : {}) as http2.SecureClientSessionOptions;
    const listener = typeof rest[0] === 'function' ? rest[0] : rest[1];
    const session = original.call(
      http2,
      authority,
      {
        ...options,
        createConnection: () =>
          tls.connect({ host: endpoint.host, port: endpoint.port, ca: endpoint.ca, servername: FCM_HOST, ALPNProtocols: ['h2'] }),
      },
      listener as () => void,
    );
    const request = session.request.bind(session);
    session.request = (headers?: OutgoingHttpHeaders, opts?: http2.ClientSessionRequestOptions) =>
      request(headers?.[':scheme'] === 'https:' ? { ...headers, ':scheme': 'https' } : headers, opts);
    return session;
  };
  (http2 as { connect: unknown }).connect = redirecting;
};

/**
 * Runs `fn` with HTTP/2 sessions to fcm.googleapis.com opened synchronously inside it redirected to `endpoint`.
 *
 * @example
 * const batch = await withFcmLoopback(endpoint, () => messaging.sendEach(messages));
 */
export const withFcmLoopback = <T>(endpoint: LoopbackEndpoint | undefined, fn: () => T): T => {
  if (!endpoint) return fn();
  install();
  const previous = active;
  active = endpoint;
  try {
    return fn();
  } finally {
    active = previous;
  }
};
