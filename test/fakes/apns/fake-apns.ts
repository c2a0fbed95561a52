/**
 * @module A fake APNs provider API on loopback: HTTP/2 over TLS, `POST /3/device/<token>`, the apns-* headers,
 * ES256 provider-token (JWT) checks against registered team keys, certificate-based trust (a client certificate
 * in the TLS handshake, verified against the fake's client CA, whose UID is the only topic it may push to), and
 * Apple's error answers. Tests, benchmarks and
 * fault drills drive the real @parse/node-apn against it, in-process or in a child process (see ./main.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type ClientCa,
  type ClientCertificate,
  type ClientCertificateOptions,
  clientCa,
  issueClientCertificate,
} from './client-certificates.js';
import {
  type FailOptions,
  FakeBehaviour,
  FakeRecorder,
  type FakeStats,
  type ReceivedRequest,
  sleep,
  type ThrottleOptions,
} from './fake-behaviour.js';
import { type TestPki, testPki } from './test-pki.js';
import { type ProviderTokenClaims, verifyProviderToken } from './verify-provider-token.js';

/** Reasons a test can script per token, with the status APNs pairs them with. */
export const APNS_REASONS = {
  BadDeviceToken: 400,
  DeviceTokenNotForTopic: 400,
  TopicDisallowed: 400,
  ExpiredProviderToken: 403,
  InvalidProviderToken: 403,
  Unregistered: 410,
  ExpiredToken: 410,
  PayloadTooLarge: 413,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
  Shutdown: 503,
} as const;

export type ApnsReason = keyof typeof APNS_REASONS;

export interface ApnsScript {
  reason: ApnsReason;
  /** For 410: when the token stopped being valid (ms since the epoch); defaults to the time of the answer. */
  timestamp?: number;
}

export interface ReceivedApns {
  authority: string;
  teamId?: string;
  keyId?: string;
  /** Set when the connection authenticated with a client certificate: its subject. */
  certificate?: string;
  headers: {
    'apns-topic'?: string;
    'apns-push-type'?: string;
    'apns-priority'?: string;
    'apns-expiration'?: string;
    'apns-collapse-id'?: string;
    'apns-id'?: string;
  };
  payload: unknown;
}

export interface FakeApnsOptions {
  pki?: TestPki;
  /** Keep every payload (default true); counts are kept either way. */
  recordBodies?: boolean;
  /** Max concurrent streams the server advertises (APNs uses about 1000). */
  maxConcurrentStreams?: number;
  /** Provider tokens older than this are refused with ExpiredProviderToken (APNs: one hour). */
  tokenMaxAgeSeconds?: number;
}

export interface FakeApnsEndpoint {
  host: string;
  port: number;
  ca: string;
}

interface TeamKey {
  teamId: string;
  publicKey: KeyObject;
  /** Topics this key may push to; empty allows any. */
  bundleIds: Set<string>;
}

const PUSH_TYPES = new Set([
  'alert',
  'background',
  'location',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
  'pushtotalk',
  'widgets',
]);
const DEVICE_TOKEN = /^[0-9a-fA-F]{64,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const randomAppleId = (): string => randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase();

class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {}
}

/**
 * @example
 * const apns = new FakeApns();
 * const { port, ca } = await apns.start();
 * const key = apns.createKey({ bundleIds: ['com.example.app'] });
 * apns.setTokenOutcome(deadToken, { reason: 'Unregistered', timestamp: Date.now() - 1000 });
 */
export class FakeApns {
  readonly #pki: TestPki;
  readonly #options: Required<Omit<FakeApnsOptions, 'pki'>>;
  readonly #keys = new Map<string, TeamKey>();
  readonly #jwtCache = new Map<string, ProviderTokenClaims | Refusal>();
  readonly #behaviour = new FakeBehaviour<ApnsScript>();
  readonly #recorder: FakeRecorder<ReceivedApns>;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #clientCa: ClientCa;
  /** Sessions that presented a client certificate: its bundle id and subject, or why it was refused. */
  readonly #certSessions = new WeakMap<http2.ServerHttp2Session, { bundleId: string; subject: string } | Refusal>();
  #server: http2.Http2SecureServer | undefined;
  #port = 0;

  constructor(options: FakeApnsOptions = {}) {
    this.#pki = options.pki ?? testPki();
    this.#options = {
      recordBodies: options.recordBodies ?? true,
      maxConcurrentStreams: options.maxConcurrentStreams ?? 1000,
      tokenMaxAgeSeconds: options.tokenMaxAgeSeconds ?? 3600,
    };
    this.#recorder = new FakeRecorder(this.#options.recordBodies);
    this.#clientCa = clientCa();
  }

  async start(port = 0, host = '127.0.0.1'): Promise<FakeApnsEndpoint> {
    const server = http2.createSecureServer({
      key: this.#pki.key,
      cert: this.#pki.cert,
      settings: { maxConcurrentStreams: this.#options.maxConcurrentStreams },
      // Certificate-based trust: a client certificate is asked for but optional (token clients present none); one
      // that is presented must chain to the fake's client CA.
      requestCert: true,
      rejectUnauthorized: false,
      ca: [this.#clientCa.cert],
    });
    server.on('session', (session) => {
      this.#recorder.connected();
      this.#sessions.add(session);
      const socket = session.socket as unknown as TLSSocket;
      const peer = socket.getPeerCertificate?.();
      if (peer?.raw) {
        const uid = (peer.subject as unknown as Record<string, string | undefined> | undefined)?.UID;
        const subject = Object.entries(peer.subject ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        const valid = Date.parse(peer.valid_to) > Date.now();
        this.#certSessions.set(
          session,
          socket.authorized && valid && uid
            ? { bundleId: uid, subject }
            : new Refusal(403, valid ? 'BadCertificate' : 'CertificateExpired'),
        );
      }
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => {});
    });
    server.on('sessionError', () => {});
    server.on('stream', (stream, headers) => {
      // A client that resets or times out a stream must not take the fake down.
      stream.on('error', () => {});
      this.#recorder.enter();
      this.#handle(stream, headers)
        .catch(() => {
          if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
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

  endpoint(): FakeApnsEndpoint {
    return { host: '127.0.0.1', port: this.#port, ca: this.#pki.ca };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sessions) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every open session, as a network failure or an APNs restart would. */
  dropConnections(): void {
    for (const s of this.#sessions) s.destroy();
  }

  /** Makes a team key (a .p8 as Apple would issue it) and registers its public half. */
  createKey(options: { teamId?: string; keyId?: string; bundleIds?: string[] } = {}): { key: string; keyId: string; teamId: string } {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyId = options.keyId ?? randomAppleId();
    const teamId = options.teamId ?? randomAppleId();
    this.registerKey({ key, keyId, teamId, bundleIds: options.bundleIds });
    return { key, keyId, teamId };
  }

  /** Registers an existing key (private or public PEM) for a team. */
  registerKey(options: { key: string; keyId: string; teamId: string; bundleIds?: string[] }): void {
    const publicKey = options.key.includes('PRIVATE') ? createPublicKey(createPrivateKey(options.key)) : createPublicKey(options.key);
    this.#keys.set(options.keyId, { teamId: options.teamId, publicKey, bundleIds: new Set(options.bundleIds ?? []) });
    this.#jwtCache.clear();
  }

  /**
   * Issues a client certificate for `bundleId` from the fake's client CA, as Apple issues push certificates; a
   * connection presenting it may push to that bundle id without a provider token.
   */
  createClientCertificate(options: ClientCertificateOptions): ClientCertificate {
    return issueClientCertificate({ ca: this.#clientCa, ...options });
  }

  revokeKey(keyId: string): void {
    this.#keys.delete(keyId);
    this.#jwtCache.clear();
  }

  setTokenOutcome(token: string, script: ApnsScript | ApnsReason, times?: number): void {
    this.#behaviour.setTokenOutcome(token, typeof script === 'string' ? { reason: script } : script, times);
  }

  clearTokenOutcome(token: string): void {
    this.#behaviour.clearTokenOutcome(token);
  }

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

  received(token?: string): ReceivedRequest<ReceivedApns>[] {
    return this.#recorder.received(token);
  }

  deliveredCount(token?: string): number {
    return this.#recorder.deliveredCount(token);
  }

  deliveredTokens(): Map<string, number> {
    return this.#recorder.deliveredTargets();
  }

  stats(): FakeStats {
    return this.#recorder.stats();
  }

  /** CPU time of the process the fake runs in (meaningful when it runs alone in a child process). */
  cpuUsage(): NodeJS.CpuUsage {
    return process.cpuUsage();
  }

  /** Forgets what was received and every scripted behaviour; registered keys stay. */
  reset(): void {
    this.#recorder.reset();
    this.#behaviour.reset();
  }

  /** Verifies the provider token once per distinct JWT (APNs caches them too); the age is checked on every use. */
  #authenticate(authorization: string | undefined): { keyId: string; teamId: string } {
    if (!authorization) throw new Refusal(403, 'MissingProviderToken');
    const match = /^bearer (.+)$/i.exec(authorization);
    if (!match) throw new Refusal(403, 'InvalidProviderToken');
    const jwt = match[1];
    let verified = this.#jwtCache.get(jwt);
    if (!verified) {
      verified = verifyProviderToken(jwt, this.#keys) ?? new Refusal(403, 'InvalidProviderToken');
      if (this.#jwtCache.size > 10_000) this.#jwtCache.clear();
      this.#jwtCache.set(jwt, verified);
    }
    if (verified instanceof Refusal) throw verified;
    const age = Date.now() / 1000 - verified.iat;
    if (age > this.#options.tokenMaxAgeSeconds) throw new Refusal(403, 'ExpiredProviderToken');
    return verified;
  }

  async #handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = String(headers[':path'] ?? '');
    const token = /^\/3\/device\/([^/?]+)$/.exec(path)?.[1];
    const apnsId = typeof headers['apns-id'] === 'string' && UUID.test(headers['apns-id']) ? headers['apns-id'] : randomUUID();
    const received: ReceivedApns = {
      authority: String(headers[':authority'] ?? ''),
      headers: {
        'apns-topic': headers['apns-topic'] as string | undefined,
        'apns-push-type': headers['apns-push-type'] as string | undefined,
        'apns-priority': headers['apns-priority'] as string | undefined,
        'apns-expiration': headers['apns-expiration'] as string | undefined,
        'apns-collapse-id': headers['apns-collapse-id'] as string | undefined,
        'apns-id': headers['apns-id'] as string | undefined,
      },
      payload: undefined,
    };
    for (const k of Object.keys(received.headers) as (keyof ReceivedApns['headers'])[])
      if (received.headers[k] === undefined) delete received.headers[k];

    let status = 200;
    let answer: Record<string, unknown> | undefined;
    let retryAfter: number | undefined;
    try {
      if (headers[':method'] !== 'POST') throw new Refusal(405, 'MethodNotAllowed');
      if (token === undefined) throw new Refusal(404, 'BadPath');
      const trouble = this.#behaviour.serverTrouble();
      if (trouble?.kind === 'fail') {
        retryAfter = trouble.retryAfterSeconds;
        throw new Refusal(trouble.status, trouble.status === 503 ? 'ServiceUnavailable' : 'InternalServerError');
      }
      if (trouble?.kind === 'throttle') {
        retryAfter = trouble.retryAfterSeconds;
        throw new Refusal(429, 'TooManyRequests');
      }
      const certificate = this.#certSessions.get(stream.session as http2.ServerHttp2Session);
      if (certificate instanceof Refusal) throw certificate;
      if (certificate) {
        received.certificate = certificate.subject;
        this.#checkHeaders(headers, new Set([certificate.bundleId]));
      } else {
        const who = this.#authenticate(headers.authorization);
        received.teamId = who.teamId;
        received.keyId = who.keyId;
        this.#checkHeaders(headers, this.#keys.get(who.keyId)?.bundleIds);
      }
      received.payload = this.#checkPayload(body, received.headers['apns-push-type']);
      if (!DEVICE_TOKEN.test(token)) throw new Refusal(400, 'BadDeviceToken');
      const scripted = this.#behaviour.tokenOutcome(token);
      if (scripted) {
        const { reason, timestamp } = scripted;
        throw new Refusal(APNS_REASONS[reason], reason, APNS_REASONS[reason] === 410 ? { timestamp: timestamp ?? Date.now() } : {});
      }
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      status = e.status;
      answer = { reason: e.reason, ...e.extra };
    }
    if (received.payload === undefined && body) received.payload = safeJson(body);

    if (this.#behaviour.latencyMs > 0) await sleep(this.#behaviour.latencyMs);
    this.#recorder.record({
      at: Date.now(),
      target: token ?? path,
      status,
      error: answer?.reason as string | undefined,
      message: received,
    });
    if (stream.destroyed || stream.closed) return;
    const responseHeaders: http2.OutgoingHttpHeaders = { ':status': status, 'apns-id': apnsId };
    if (retryAfter !== undefined) responseHeaders['retry-after'] = String(retryAfter);
    if (answer) {
      responseHeaders['content-type'] = 'application/json';
      stream.respond(responseHeaders);
      stream.end(JSON.stringify(answer));
    } else {
      stream.respond(responseHeaders, { endStream: true });
    }
  }

  #checkHeaders(headers: http2.IncomingHttpHeaders, allowed: ReadonlySet<string> | undefined): void {
    const topic = headers['apns-topic'];
    if (typeof topic !== 'string' || topic === '') throw new Refusal(400, 'MissingTopic');
    // A key may push to its apps and their .voip / .complication / live-activity topics.
    const base = topic.replace(/\.(voip|complication|pushkit\.fileprovider|push-type\.liveactivity)$/, '');
    if (allowed && allowed.size > 0 && !allowed.has(base)) throw new Refusal(400, 'TopicDisallowed');
    const pushType = headers['apns-push-type'];
    if (pushType !== undefined && !PUSH_TYPES.has(String(pushType))) throw new Refusal(400, 'InvalidPushType');
    const priority = headers['apns-priority'];
    if (priority !== undefined && !['1', '5', '10'].includes(String(priority))) throw new Refusal(400, 'BadPriority');
    // Apple: background pushes must be sent at priority 5.
    if (pushType === 'background' && priority === '10') throw new Refusal(400, 'BadPriority');
    const expiration = headers['apns-expiration'];
    if (expiration !== undefined && !/^\d+$/.test(String(expiration))) throw new Refusal(400, 'BadExpirationDate');
    const collapseId = headers['apns-collapse-id'];
    if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64) throw new Refusal(400, 'BadCollapseId');
    const id = headers['apns-id'];
    if (id !== undefined && !UUID.test(String(id))) throw new Refusal(400, 'BadMessageId');
  }

  #checkPayload(body: string, pushType: string | undefined): unknown {
    if (body.length === 0) throw new Refusal(400, 'PayloadEmpty');
    const limit = pushType === 'voip' ? 5120 : 4096;
    if (Buffer.byteLength(body) > limit) throw new Refusal(413, 'PayloadTooLarge');
    const payload = safeJson(body);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Refusal(400, 'BadRequest');
    const aps = (payload as { aps?: unknown }).aps;
    if (aps !== undefined && (typeof aps !== 'object' || aps === null)) throw new Refusal(400, 'BadRequest');
    return payload;
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
