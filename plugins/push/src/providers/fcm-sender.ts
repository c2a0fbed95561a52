/**
 * @module Delivers to FCM through firebase-admin: one firebase App per service account, `sendEach` batches.
 *
 * Why `sendEach`: it is firebase-admin's batch API and its default transport is HTTP/2, one TLS session per call
 * multiplexing up to 100 streams, where `send()` needs one socket per in-flight request. Against the loopback fake
 * (test/bench/push-raw.ts) it cost about 57 µs of client CPU per message against about 79 µs for `send()` over
 * keep-alive HTTP/1.1. Its HTTP/1.1 mode (`enableLegacyHttpTransport`) is deprecated, so it is not used.
 *
 * firebase-admin retries 503s and connection resets itself (4 times: 0, 1, 2, 4 s, or Retry-After when it is
 * at most 60 s), holding the whole batch and hiding Retry-After from the caller. The sender switches that off
 * (unless `sdkRetries`) so every retry goes through the queue's backoff, is counted, and honours Retry-After.
 */
import { type App, cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging, type Messaging, type SendResponse, type TokenMessage } from 'firebase-admin/messaging';
import { classifyFcmError } from './classify-fcm-error.js';
import { ClientCache, ClientCreationError, credentialKey } from './client-cache.js';
import type { FcmServiceAccount } from './credentials.js';
import { LoopbackAgent, LoopbackServiceAccountCredential, withFcmLoopback } from './fcm-loopback.js';
import { assertFcmPayloadFits, buildFcmMessage } from './fcm-message.js';
import type { LoopbackEndpoint } from './loopback-endpoint.js';
import { PayloadRejected } from './payload-rejected.js';
import type { DeliveryResult, PushItem, PushTransport } from './push-transport.js';

export interface FcmSenderOptions {
  /** Messages per `sendEach` call; FCM allows at most 500. */
  batchSize?: number;
  /** `sendEach` calls in flight per chunk; each opens its own HTTP/2 session. */
  concurrentBatches?: number;
  /** Dial a loopback fake instead of Google (tests, benchmarks, fault drills). */
  loopback?: LoopbackEndpoint;
  /** Keep firebase-admin's own hidden retries. Off by default: see the module comment. */
  sdkRetries?: boolean;
  /** Delete an app's firebase App after this long unused. */
  idleMs?: number;
  maxClients?: number;
}

interface FcmClient {
  app: App;
  messaging: Messaging;
  agent?: LoopbackAgent;
}

interface RetryingClient {
  retry?: unknown;
}

/**
 * Clears the retry policy of firebase-admin's request clients (internal fields, checked by test/push). Returns
 * false when firebase-admin no longer has them, in which case its retries stay on: slower, never wrong.
 */
export const disableSdkRetries = (messaging: Messaging): boolean => {
  const handler = (messaging as unknown as { messagingRequestHandler?: { httpClient?: RetryingClient; http2Client?: RetryingClient } })
    .messagingRequestHandler;
  const clients = [handler?.httpClient, handler?.http2Client].filter((c): c is RetryingClient => !!c && 'retry' in c);
  for (const client of clients) client.retry = undefined;
  return clients.length === 2;
};

let appSeq = 0;

/**
 * @example
 * const fcm = createFcmSender();
 * const results = await fcm.send(serviceAccount, items);
 */
export const createFcmSender = (options: FcmSenderOptions = {}): PushTransport<FcmServiceAccount> => {
  const batchSize = Math.min(500, Math.max(1, options.batchSize ?? 500));
  const concurrentBatches = Math.max(1, options.concurrentBatches ?? 4);
  const { loopback } = options;
  const cache = new ClientCache<FcmClient>({
    dispose: async (c) => {
      await deleteApp(c.app);
      c.agent?.destroy();
    },
    idleMs: options.idleMs,
    maxClients: options.maxClients,
  });

  const keyOf = (sa: FcmServiceAccount) => credentialKey('fcm', sa.projectId, sa.clientEmail, sa.privateKey);

  const create = (sa: FcmServiceAccount, key: string): FcmClient => {
    const agent = loopback ? new LoopbackAgent(loopback) : undefined;
    const credential = agent
      ? new LoopbackServiceAccountCredential(sa, agent)
      : cert({ projectId: sa.projectId, clientEmail: sa.clientEmail, privateKey: sa.privateKey });
    const app = initializeApp(
      { credential, projectId: sa.projectId, httpAgent: agent },
      `switchboard-push-${key.slice(0, 16)}-${++appSeq}`,
    );
    const messaging = getMessaging(app);
    if (!options.sdkRetries) disableSdkRetries(messaging);
    return { app, messaging, agent };
  };

  const sendBatch = async (
    client: FcmClient,
    batch: { index: number; message: TokenMessage }[],
    results: DeliveryResult[],
    items: readonly PushItem[],
  ) => {
    let responses: SendResponse[];
    try {
      const reply = await withFcmLoopback(loopback, () => client.messaging.sendEach(batch.map((b) => b.message)));
      responses = reply.responses;
    } catch (error) {
      // The whole call failed (no project id, a broken session before any stream): every message shares the cause.
      const outcome = classifyFcmError(error);
      for (const { index } of batch)
        results[index] = { ...outcome, recipientId: items[index].recipientId, token: items[index].token } as DeliveryResult;
      return;
    }
    batch.forEach(({ index }, i) => {
      const { recipientId, token } = items[index];
      const r = responses[i];
      results[index] =
        r?.success && r.messageId
          ? { status: 'delivered', recipientId, token, providerMessageId: r.messageId, httpStatus: 200 }
          : ({ ...classifyFcmError(r?.error), recipientId, token } as DeliveryResult);
    });
  };

  return {
    provider: 'fcm',
    async send(sa, items) {
      const results: DeliveryResult[] = new Array(items.length);
      const now = Date.now();
      const ready: { index: number; message: TokenMessage }[] = [];
      items.forEach((item, index) => {
        try {
          const message = buildFcmMessage(item, now);
          assertFcmPayloadFits(message);
          ready.push({ index, message });
        } catch (e) {
          const reason = e instanceof PayloadRejected ? e.reason : 'INVALID_PAYLOAD';
          results[index] = { status: 'permanent', reason, detail: (e as Error).message, recipientId: item.recipientId, token: item.token };
        }
      });
      if (ready.length === 0) return results;

      const key = keyOf(sa);
      try {
        await cache.use(
          key,
          () => create(sa, key),
          async (client) => {
            const batches: (typeof ready)[] = [];
            for (let i = 0; i < ready.length; i += batchSize) batches.push(ready.slice(i, i + batchSize));
            let next = 0;
            const lane = async () => {
              while (next < batches.length) await sendBatch(client, batches[next++], results, items);
            };
            await Promise.all(Array.from({ length: Math.min(concurrentBatches, batches.length) }, lane));
          },
        );
      } catch (e) {
        // The service account could not even make a firebase App (a key that does not parse): nobody gets it.
        if (!(e instanceof ClientCreationError)) throw e;
        for (const { index } of ready) {
          const { recipientId, token } = items[index];
          results[index] = {
            status: 'permanent',
            reason: 'INVALID_CREDENTIALS',
            detail: 'the service account key does not parse',
            recipientId,
            token,
          };
        }
      }
      return results;
    },
    forget: (sa) => cache.forget(keyOf(sa)),
    close: () => cache.close(),
  };
};
