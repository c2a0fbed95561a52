/**
 * @module Delivers to APNs through @parse/node-apn: one Provider (one HTTP/2 session) per token key or client
 * certificate, tokens sent in bursts of a few hundred streams (ten thousand at once draw NGHTTP2_ENHANCE_YOUR_CALM).
 * A certificate is presented in the TLS handshake (mutual TLS); a token key signs a JWT per session instead.
 *
 * node-apn's own retries are off (`connectionRetryLimit: 0`): it retries 408/429/5xx immediately, ignoring
 * Retry-After, which hammers a throttled APNs and hides the retries from the delivery report. Every retryable
 * failure comes back as `retryable` and the queue's backoff schedules the next attempt.
 */
import tls from 'node:tls';
import { Notification, Provider, type ProviderOptions, type ResponseFailure } from '@parse/node-apn';
import { assertApnsPayloadFits, buildApnsRequest } from './apns-request.js';
import { type ApnFailure, classifyApnsFailure } from './classify-apns-failure.js';
import { ClientCache, ClientCreationError, credentialKey } from './client-cache.js';
import { type ApnsCredentials, isApnsCertificate } from './credentials.js';
import type { LoopbackEndpoint } from './loopback-endpoint.js';
import { PayloadRejected } from './payload-rejected.js';
import type { DeliveryResult, PushItem, PushNotification, PushTransport } from './push-transport.js';

export const APNS_HOSTS = { production: 'api.push.apple.com', sandbox: 'api.sandbox.push.apple.com' } as const;

export interface ApnsSenderOptions {
  /** Tokens per node-apn `send` call: one HTTP/2 stream each, all opened at once. */
  burstSize?: number;
  /** Bursts in flight per chunk (they share the key's one HTTP/2 session). */
  concurrentBursts?: number;
  /** Per-request deadline; a request past it comes back `retryable` / TIMEOUT. */
  requestTimeoutMs?: number;
  /** Dial a loopback fake instead of Apple (tests, benchmarks, fault drills). */
  loopback?: LoopbackEndpoint;
  /** Shut a key's Provider down after this long unused. */
  idleMs?: number;
  maxClients?: number;
}

const credentialsRefused = (item: PushItem, e: unknown): DeliveryResult => ({
  status: 'permanent',
  reason: 'INVALID_CREDENTIALS',
  // node-apn's message names the failing step, never the key.
  detail: String((e as Error)?.message ?? e).slice(0, 200),
  recipientId: item.recipientId,
  token: item.token,
});

interface Entry {
  index: number;
  item: PushItem;
}

/** Turns a built request into node-apn's Notification; `rawPayload` keeps the payload exactly as built. */
const toApnNotification = (notification: PushNotification, bundleId: string, nowMs: number): Notification => {
  const request = buildApnsRequest(notification, bundleId, nowMs);
  assertApnsPayloadFits(request);
  const h = request.headers;
  const note = new Notification();
  note.rawPayload = request.payload;
  note.topic = h['apns-topic'] ?? bundleId;
  note.pushType = h['apns-push-type'] as Notification['pushType'];
  note.priority = Number(h['apns-priority']);
  if (h['apns-expiration'] !== undefined) note.expiry = Number(h['apns-expiration']);
  if (h['apns-collapse-id'] !== undefined) note.collapseId = h['apns-collapse-id'];
  if (h['apns-id'] !== undefined) note.id = h['apns-id'];
  return note;
};

/**
 * node-apn's `shutdown` callback never fires when the session already died (e.g. APNs was unreachable): it awaits
 * `session.close()` on a destroyed session. Its timers are cleared and the session is gone by then, so waiting
 * longer than a grace period only hangs the caller.
 */
const shutdownProvider = (provider: Provider, graceMs = 2000): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    void provider.shutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * @example
 * const apns = createApnsSender({ burstSize: 500 });
 * const results = await apns.send({ key, keyId, teamId, bundleId, production: true }, items);
 */
export const createApnsSender = (options: ApnsSenderOptions = {}): PushTransport<ApnsCredentials> => {
  const burstSize = Math.max(1, options.burstSize ?? 500);
  const concurrentBursts = Math.max(1, options.concurrentBursts ?? 2);
  const { loopback } = options;
  const cache = new ClientCache<Provider>({
    dispose: shutdownProvider,
    idleMs: options.idleMs,
    maxClients: options.maxClients,
  });

  const keyOf = (k: ApnsCredentials) =>
    isApnsCertificate(k)
      ? credentialKey('apns-certificate', k.pkcs12 ?? '', k.cert ?? '', k.key ?? '', k.passphrase ?? '', String(k.production))
      : credentialKey('apns', k.key, k.keyId, k.teamId, String(k.production));

  const create = (k: ApnsCredentials): Provider => {
    const address = k.production ? APNS_HOSTS.production : APNS_HOSTS.sandbox;
    // Buffers, never strings: node-apn reads a string that does not look like PEM as a file path.
    const clientCertificate: Pick<tls.ConnectionOptions, 'pfx' | 'cert' | 'key' | 'passphrase'> = isApnsCertificate(k)
      ? {
          ...(k.pkcs12 ? { pfx: Buffer.from(k.pkcs12, 'base64') } : { cert: Buffer.from(k.cert ?? ''), key: Buffer.from(k.key ?? '') }),
          ...(k.passphrase ? { passphrase: k.passphrase } : {}),
        }
      : {};
    const providerOptions: ProviderOptions & { createConnection?: () => tls.TLSSocket } = {
      ...(isApnsCertificate(k) ? clientCertificate : { token: { key: Buffer.from(k.key), keyId: k.keyId, teamId: k.teamId } }),
      production: k.production,
      address,
      requestTimeout: options.requestTimeoutMs ?? 5000,
      connectionRetryLimit: 0,
    } as ProviderOptions;
    if (loopback) {
      // The session keeps Apple's host name for :authority and SNI; only the socket goes to the fake (with the client
      // certificate, when that is how the app authenticates).
      providerOptions.createConnection = () =>
        tls.connect({
          host: loopback.host,
          port: loopback.port,
          ca: loopback.ca,
          servername: address,
          ALPNProtocols: ['h2'],
          ...clientCertificate,
        });
    }
    return new Provider(providerOptions);
  };

  const sendBurst = async (provider: Provider, note: Notification, burst: Entry[], results: DeliveryResult[]) => {
    const byToken = new Map<string, Entry[]>();
    for (const entry of burst) {
      const same = byToken.get(entry.item.token);
      if (same) same.push(entry);
      else byToken.set(entry.item.token, [entry]);
    }
    const settle = (device: string | undefined, make: (item: PushItem) => DeliveryResult) => {
      for (const { index, item } of byToken.get(device ?? '') ?? []) results[index] = make(item);
    };
    try {
      const reply = await provider.send(note, [...byToken.keys()]);
      for (const sent of reply.sent as { device: string; 'apns-id'?: string }[]) {
        const providerMessageId = sent['apns-id'] ?? '';
        settle(sent.device, ({ recipientId, token }) => ({ status: 'delivered', recipientId, token, providerMessageId, httpStatus: 200 }));
      }
      for (const failed of reply.failed as (ResponseFailure & ApnFailure)[]) {
        const outcome = classifyApnsFailure(failed);
        settle(failed.device, ({ recipientId, token }) => ({ ...outcome, recipientId, token }) as DeliveryResult);
      }
    } catch (error) {
      const outcome = classifyApnsFailure({ error: error as Error });
      for (const { index, item } of burst)
        results[index] = { ...outcome, recipientId: item.recipientId, token: item.token } as DeliveryResult;
    }
    // node-apn answers for every device it was given; anything it dropped is still owed a result.
    for (const { index, item } of burst) {
      results[index] ??= { status: 'retryable', reason: 'NO_RESPONSE', recipientId: item.recipientId, token: item.token };
    }
  };

  return {
    provider: 'apns',
    async send(k, items) {
      const results: DeliveryResult[] = new Array(items.length);
      const now = Date.now();
      // Recipients sharing a notification object share one compiled payload, as node-apn sends one payload to many tokens.
      const groups = new Map<PushNotification, { note: Notification; entries: Entry[] } | PayloadRejected>();
      items.forEach((item, index) => {
        let group = groups.get(item.notification);
        if (!group) {
          try {
            group = { note: toApnNotification(item.notification, k.bundleId, now), entries: [] };
          } catch (e) {
            group = e instanceof PayloadRejected ? e : new PayloadRejected('INVALID_PAYLOAD', (e as Error).message);
          }
          groups.set(item.notification, group);
        }
        if (group instanceof PayloadRejected) {
          results[index] = {
            status: 'permanent',
            reason: group.reason,
            detail: group.message,
            recipientId: item.recipientId,
            token: item.token,
          };
        } else group.entries.push({ index, item });
      });

      const bursts: { note: Notification; entries: Entry[] }[] = [];
      for (const group of groups.values()) {
        if (group instanceof PayloadRejected) continue;
        for (let i = 0; i < group.entries.length; i += burstSize)
          bursts.push({ note: group.note, entries: group.entries.slice(i, i + burstSize) });
      }
      if (bursts.length === 0) return results;

      try {
        await cache.use(
          keyOf(k),
          () => create(k),
          async (provider) => {
            let next = 0;
            const lane = async () => {
              while (next < bursts.length) {
                const burst = bursts[next++];
                await sendBurst(provider, burst.note, burst.entries, results);
              }
            };
            await Promise.all(Array.from({ length: Math.min(concurrentBursts, bursts.length) }, lane));
          },
        );
      } catch (e) {
        // node-apn signs its first JWT in the constructor: a key that cannot sign fails here, for every recipient.
        if (!(e instanceof ClientCreationError)) throw e;
        for (const { entries } of bursts) for (const { index, item } of entries) results[index] = credentialsRefused(item, e.cause);
      }
      return results;
    },
    forget: (k) => cache.forget(keyOf(k)),
    close: () => cache.close(),
  };
};
