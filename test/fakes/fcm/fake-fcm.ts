/**
 * @module A fake FCM HTTP v1 API on loopback: TLS, HTTP/2 (what firebase-admin's `sendEach` speaks) and HTTP/1.1
 * (`send()`), `POST /v1/projects/{id}/messages:send` with bearer-token checks, message-shape validation and the real
 * error envelope with FcmError details. It also serves Google's OAuth 2.0 token endpoint (`POST /token`, the
 * service-account JWT-bearer grant), verifying the assertion against the service accounts it issued, so a test
 * exercises the uploaded private key. Runs in-process or in a child process (see ./main.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, verify } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import {
  type FailOptions,
  FakeBehaviour,
  FakeRecorder,
  type FakeStats,
  type ReceivedRequest,
  sleep,
  type ThrottleOptions,
} from '../apns/fake-behaviour.js';
import { type TestPki, testPki } from '../apns/test-pki.js';
import { Invalid, isObject, validateFcmMessage } from './validate-fcm-message.js';

/** Per-token errors a test can script, with the HTTP status and canonical status FCM answers them with. */
export const FCM_ERRORS = {
  UNREGISTERED: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: { code: 400, status: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' },
  SENDER_ID_MISMATCH: { code: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for quota metric.' },
  UNAVAILABLE: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { code: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: { code: 401, status: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' },
} as const;

export type FcmErrorCode = keyof typeof FCM_ERRORS;

export interface ServiceAccountJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

export interface ReceivedFcm {
  projectId: string;
  httpVersion: string;
  validateOnly: boolean;
  /** The `message` object exactly as it arrived (firebase-admin sends snake_case for renamed fields). */
  message: Record<string, unknown>;
}

export interface FakeFcmOptions {
  pki?: TestPki;
  recordBodies?: boolean;
}

export interface FakeFcmEndpoint {
  host: string;
  port: number;
  ca: string;
}

const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const errorEnvelope = (code: number, status: string, message: string, errorCode?: string, field?: string): unknown => {
  const details: unknown[] = [];
  if (errorCode) details.push({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode });
  if (field) details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] });
  return { error: { code, message, status, ...(details.length ? { details } : {}) } };
};

/**
 * @example
 * const fcm = new FakeFcm();
 * const endpoint = await fcm.start();
 * const serviceAccount = fcm.createServiceAccount('demo-project');
 * fcm.setTokenOutcome('dead-token', 'UNREGISTERED');
 */
export class FakeFcm {
  readonly #pki: TestPki;
  readonly #accounts = new Map<string, { projectId: string; publicKey: KeyObject }>();
  readonly #accessTokens = new Map<string, { projectId: string; expiresAt: number }>();
  readonly #behaviour = new FakeBehaviour<FcmErrorCode>();
  readonly #recorder: FakeRecorder<ReceivedFcm>;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #sockets = new Set<Socket>();
  #server: http2.Http2SecureServer | undefined;
  #port = 0;
  #seq = 0;
  #tokenRequests = 0;

  constructor(options: FakeFcmOptions = {}) {
    this.#pki = options.pki ?? testPki();
    this.#recorder = new FakeRecorder(options.recordBodies ?? true);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<FakeFcmEndpoint> {
    const server = http2.createSecureServer({ key: this.#pki.key, cert: this.#pki.cert, allowHTTP1: true });
    server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => {});
    });
    server.on('secureConnection', (socket: Socket) => {
      this.#recorder.connected();
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
    });
    server.on('sessionError', () => {});
    // A client that resets or times out a stream must not take the fake down.
    server.on('stream', (stream) => stream.on('error', () => {}));
    server.on('request', (req, res) => {
      req.on('error', () => {});
      res.on('error', () => {});
      this.#recorder.enter();
      this.#handle(req, res)
        .catch(() => {
          if (!res.headersSent && !res.destroyed) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify(errorEnvelope(500, 'INTERNAL', 'fake crashed')));
          }
        })
        .finally(() => this.#recorder.leave());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return this.endpoint();
  }

  endpoint(): FakeFcmEndpoint {
    return { host: '127.0.0.1', port: this.#port, ca: this.#pki.ca };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  dropConnections(): void {
    for (const s of this.#sessions) s.destroy();
    for (const s of this.#sockets) s.destroy();
  }

  /** A service account JSON as the Firebase console would download it, with a fresh RSA key the fake trusts. */
  createServiceAccount(projectId: string, name = 'firebase-adminsdk'): ServiceAccountJson {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const json: ServiceAccountJson = {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `${name}@${projectId}.iam.gserviceaccount.com`,
      client_id: String(100000000000000000000n + BigInt(Math.floor(Math.random() * 1e15))),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: TOKEN_AUDIENCE,
    };
    this.registerServiceAccount(json);
    return json;
  }

  registerServiceAccount(account: { project_id: string; client_email: string; private_key: string }): void {
    this.#accounts.set(account.client_email, {
      projectId: account.project_id,
      publicKey: createPublicKey(createPrivateKey(account.private_key)),
    });
  }

  /** An access token for a project, for clients that bring their own credential instead of the OAuth grant. */
  issueAccessToken(projectId: string, ttlSeconds = 3600): string {
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.#accessTokens.set(token, { projectId, expiresAt: Date.now() + ttlSeconds * 1000 });
    return token;
  }

  revokeAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** `times`: how many requests for this token get the error before it is delivered normally again. */
  setTokenOutcome(token: string, error: FcmErrorCode, times?: number): void {
    this.#behaviour.setTokenOutcome(token, error, times);
  }

  clearTokenOutcome(token: string): void {
    this.#behaviour.clearTokenOutcome(token);
  }

  /** 429 QUOTA_EXCEEDED, with Retry-After when given. */
  throttle(options?: ThrottleOptions): void {
    this.#behaviour.throttle(options);
  }

  fail(options: FailOptions): void {
    this.#behaviour.fail(options);
  }

  setLatency(ms: number): void {
    this.#behaviour.setLatency(ms);
  }

  heal(): void {
    this.#behaviour.heal();
  }

  received(token?: string): ReceivedRequest<ReceivedFcm>[] {
    return this.#recorder.received(token);
  }

  deliveredCount(token?: string): number {
    return this.#recorder.deliveredCount(token);
  }

  deliveredTokens(): Map<string, number> {
    return this.#recorder.deliveredTargets();
  }

  stats(): FakeStats & { tokenRequests: number } {
    return { ...this.#recorder.stats(), tokenRequests: this.#tokenRequests };
  }

  /** CPU time of the process the fake runs in (meaningful when it runs alone in a child process). */
  cpuUsage(): NodeJS.CpuUsage {
    return process.cpuUsage();
  }

  /** Forgets what was received and every scripted behaviour; service accounts and access tokens stay. */
  reset(): void {
    this.#recorder.reset();
    this.#behaviour.reset();
    this.#tokenRequests = 0;
  }

  async #handle(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '';
    let answer: HttpAnswer;
    let recorded: ReceivedRequest<ReceivedFcm> | undefined;
    if (req.method === 'POST' && url === '/token') answer = this.#token(body);
    else {
      const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url);
      if (req.method !== 'POST' || !send)
        answer = { status: 404, body: errorEnvelope(404, 'NOT_FOUND', `The requested URL ${url} was not found.`) };
      else ({ answer, recorded } = this.#send(decodeURIComponent(send[1]), req, body));
    }
    if (this.#behaviour.latencyMs > 0) await sleep(this.#behaviour.latencyMs);
    if (recorded) this.#recorder.record({ ...recorded, at: Date.now() });
    if (res.destroyed || res.closed) return;
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  /** Google's token endpoint for the service-account JWT-bearer grant. */
  #token(body: string): HttpAnswer {
    this.#tokenRequests++;
    const refuse = (description: string): HttpAnswer => ({ status: 400, body: { error: 'invalid_grant', error_description: description } });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('Invalid JWT: malformed');
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string };
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as {
        iss?: string;
        aud?: string;
        scope?: string;
        iat?: number;
        exp?: number;
      };
      const account = this.#accounts.get(claims.iss ?? '');
      if (header.alg !== 'RS256' || !account) return refuse('Invalid grant: account not found');
      if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), account.publicKey, Buffer.from(parts[2], 'base64url')))
        return refuse('Invalid JWT Signature.');
      const now = Date.now() / 1000;
      if (claims.aud !== TOKEN_AUDIENCE) return refuse('Invalid JWT: Failed audience check.');
      if (
        typeof claims.iat !== 'number' ||
        typeof claims.exp !== 'number' ||
        claims.exp < now ||
        claims.iat > now + 300 ||
        claims.exp - claims.iat > 3600
      ) {
        return refuse('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
      }
      if (!/firebase\.messaging|cloud-platform/.test(claims.scope ?? '')) return refuse('Invalid JWT: scope does not allow FCM');
      return { status: 200, body: { access_token: this.issueAccessToken(account.projectId), expires_in: 3599, token_type: 'Bearer' } };
    } catch {
      return refuse('Invalid JWT: malformed');
    }
  }

  #send(projectId: string, req: http2.Http2ServerRequest, body: string): { answer: HttpAnswer; recorded?: ReceivedRequest<ReceivedFcm> } {
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const grant = bearer === undefined ? undefined : this.#accessTokens.get(bearer);
    if (!grant || grant.expiresAt < Date.now()) {
      return {
        answer: {
          status: 401,
          body: errorEnvelope(
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          ),
        },
      };
    }
    if (grant.projectId !== projectId) {
      return {
        answer: {
          status: 403,
          body: errorEnvelope(
            403,
            'PERMISSION_DENIED',
            `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`,
          ),
        },
      };
    }
    let parsed: { message?: unknown; validate_only?: unknown; validateOnly?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return {
        answer: { status: 400, body: errorEnvelope(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 'INVALID_ARGUMENT') },
      };
    }
    const validateOnly = parsed.validate_only === true || parsed.validateOnly === true;
    const message = (isObject(parsed.message) ? parsed.message : {}) as Record<string, unknown>;
    const target = String(message.token ?? message.topic ?? message.condition ?? '');
    const received: ReceivedFcm = { projectId, httpVersion: req.httpVersion, validateOnly, message };
    const record = (status: number, error?: string) => ({ at: 0, target, status, ...(error ? { error } : {}), message: received });

    const trouble = this.#behaviour.serverTrouble();
    if (trouble?.kind === 'fail') {
      const e = trouble.status === 503 ? FCM_ERRORS.UNAVAILABLE : FCM_ERRORS.INTERNAL;
      const errorCode = trouble.status === 503 ? 'UNAVAILABLE' : 'INTERNAL';
      const headers = trouble.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(trouble.retryAfterSeconds) };
      return {
        answer: { status: trouble.status, body: errorEnvelope(trouble.status, e.status, e.message, errorCode), headers },
        recorded: record(trouble.status, errorCode),
      };
    }
    if (trouble?.kind === 'throttle') {
      const e = FCM_ERRORS.QUOTA_EXCEEDED;
      const headers = trouble.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(trouble.retryAfterSeconds) };
      return {
        answer: { status: 429, body: errorEnvelope(429, e.status, e.message, 'QUOTA_EXCEEDED'), headers },
        recorded: record(429, 'QUOTA_EXCEEDED'),
      };
    }
    try {
      validateFcmMessage(parsed.message);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      return {
        answer: { status: 400, body: errorEnvelope(400, 'INVALID_ARGUMENT', e.message, 'INVALID_ARGUMENT', e.field) },
        recorded: record(400, 'INVALID_ARGUMENT'),
      };
    }
    // Scripted per-token errors apply to well-formed messages only, so a malformed one does not use them up.
    const scripted = this.#behaviour.tokenOutcome(target);
    if (scripted) {
      const e = FCM_ERRORS[scripted];
      const field = scripted === 'INVALID_ARGUMENT' ? 'message.token' : undefined;
      return {
        answer: { status: e.code, body: errorEnvelope(e.code, e.status, e.message, scripted, field) },
        recorded: record(e.code, scripted),
      };
    }
    if (validateOnly) return { answer: { status: 200, body: { name: `projects/${projectId}/messages/fake_message_id` } } };
    const name = `projects/${projectId}/messages/0:${Date.now()}${String(++this.#seq).padStart(6, '0')}%fake`;
    return { answer: { status: 200, body: { name } }, recorded: record(200) };
  }
}
