/**
 * @module The embedded default's push provider: records what would have been sent (the exact FCM message or APNs
 * headers and payload the real senders build) and answers with configurable outcomes, with no credentials at all.
 *
 * Without an `outcome` option, tokens steer the outcome so a newcomer can see every path of the delivery report:
 * a token containing `unregistered` is retired, `invalid` fails permanently, `flaky` fails once (retryable, Retry-After
 * 1 s) and then succeeds; every other token is delivered.
 */
import type { TokenMessage } from 'firebase-admin/messaging';
import { type ApnsRequest, buildApnsRequest } from './apns-request.js';
import { buildFcmMessage } from './fcm-message.js';
import type { DeliveryOutcome, DeliveryResult, PushItem, PushPlatform, PushTransport } from './push-transport.js';

export interface SimulatedSend {
  at: number;
  recipientId: string;
  token: string;
  platform: PushPlatform;
  /** `fcm` for Android and web, `apns` for iOS: the provider the real path would use. */
  provider: 'fcm' | 'apns';
  request: TokenMessage | ApnsRequest;
  result: DeliveryResult;
}

export interface RecordingTransportOptions {
  /** The outcome for an item; `undefined` means delivered. `attempt` counts this token's sends, from 1. */
  outcome?: (item: PushItem, attempt: number) => DeliveryOutcome | undefined;
  /** Delay per chunk, to look like a network round trip. */
  latencyMs?: number;
  /** Records kept; the oldest go first. */
  maxRecords?: number;
}

export interface RecordingTransport extends PushTransport<unknown> {
  readonly records: readonly SimulatedSend[];
  clear(): void;
}

/** The token conventions described in the module comment. */
export const tokenConventions = (item: PushItem, attempt: number): DeliveryOutcome | undefined => {
  const t = item.token.toLowerCase();
  if (t.includes('unregistered')) {
    return item.platform === 'ios'
      ? { status: 'unregistered', reason: 'Unregistered', httpStatus: 410, unregisteredAtMs: Date.now() }
      : { status: 'unregistered', reason: 'UNREGISTERED', httpStatus: 404 };
  }
  if (t.includes('invalid')) {
    return item.platform === 'ios'
      ? { status: 'permanent', reason: 'BadDeviceToken', httpStatus: 400 }
      : { status: 'permanent', reason: 'INVALID_ARGUMENT', httpStatus: 400 };
  }
  if (t.includes('flaky') && attempt === 1) return { status: 'retryable', reason: 'UNAVAILABLE', httpStatus: 503, retryAfterMs: 1000 };
  return undefined;
};

/**
 * @example
 * const sim = createRecordingTransport();
 * await sim.send(null, items);
 * sim.records[0].request // the APNs payload or FCM message that would have gone out
 */
export const createRecordingTransport = (options: RecordingTransportOptions = {}): RecordingTransport => {
  const outcome = options.outcome ?? tokenConventions;
  const maxRecords = options.maxRecords ?? 10_000;
  const records: SimulatedSend[] = [];
  const attempts = new Map<string, number>();
  let seq = 0;

  return {
    provider: 'simulator',
    get records() {
      return records;
    },
    clear() {
      records.length = 0;
      attempts.clear();
    },
    async send(credentials, items) {
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      const now = Date.now();
      const topic = (credentials as { bundleId?: unknown } | null)?.bundleId;
      return items.map((item) => {
        const provider = item.platform === 'ios' ? 'apns' : 'fcm';
        const request =
          provider === 'apns'
            ? buildApnsRequest(item.notification, typeof topic === 'string' ? topic : 'simulator.app', now)
            : buildFcmMessage(item, now);
        const attempt = (attempts.get(item.token) ?? 0) + 1;
        attempts.set(item.token, attempt);
        const decided = outcome(item, attempt);
        const result = (
          decided
            ? { ...decided, recipientId: item.recipientId, token: item.token }
            : {
                status: 'delivered',
                recipientId: item.recipientId,
                token: item.token,
                providerMessageId: `simulated-${++seq}`,
                httpStatus: 200,
              }
        ) as DeliveryResult;
        records.push({ at: now, recipientId: item.recipientId, token: item.token, platform: item.platform, provider, request, result });
        if (records.length > maxRecords) records.splice(0, records.length - maxRecords);
        return result;
      });
    },
    forget: async () => {},
    close: async () => {},
  };
};
