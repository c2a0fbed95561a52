/**
 * @module Shapes a provider-neutral notification into an APNs request: the `apns-*` headers and the JSON payload.
 * Used for direct APNs delivery and for the `apns` block of an FCM message to an iOS device.
 */
import { mergeOverrides } from './merge-overrides.js';
import { PayloadRejected } from './payload-rejected.js';
import type { PushNotification } from './push-transport.js';

export interface ApnsHeaders {
  'apns-topic'?: string;
  'apns-push-type': string;
  'apns-priority': string;
  'apns-expiration'?: string;
  'apns-collapse-id'?: string;
  'apns-id'?: string;
}

export interface ApnsRequest {
  headers: ApnsHeaders;
  payload: Record<string, unknown>;
}

/** The headers node-apn can send (it drops any other); overrides may set only these. */
export const APNS_OVERRIDABLE_HEADERS = [
  'apns-topic',
  'apns-push-type',
  'apns-priority',
  'apns-expiration',
  'apns-collapse-id',
  'apns-id',
] as const;

/** APNs refuses larger payloads with 413 PayloadTooLarge; VoIP pushes get a little more room. */
export const apnsPayloadLimit = (pushType: string): number => (pushType === 'voip' ? 5120 : 4096);

const alertOf = (n: PushNotification): Record<string, string> | undefined => {
  const alert: Record<string, string> = {};
  if (n.title !== undefined) alert.title = n.title;
  if (n.subtitle !== undefined) alert.subtitle = n.subtitle;
  if (n.body !== undefined) alert.body = n.body;
  return Object.keys(alert).length ? alert : undefined;
};

/**
 * `topic` is the bundle id (omit it inside an FCM message: FCM fills it in). `nowMs` anchors `ttlSeconds`.
 *
 * @example
 * buildApnsRequest({ title: 'Hi', silent: false, ttlSeconds: 60 }, 'com.example.app')
 * // { headers: { 'apns-topic': 'com.example.app', 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-expiration': '…' },
 * //   payload: { aps: { alert: { title: 'Hi' } } } }
 */
export const buildApnsRequest = (n: PushNotification, topic?: string, nowMs = Date.now()): ApnsRequest => {
  // Apple: a background push carries only content-available, is typed background and must go at priority 5.
  const aps: Record<string, unknown> = n.silent ? { 'content-available': 1 } : { alert: alertOf(n), badge: n.badge, sound: n.sound };
  for (const key of Object.keys(aps)) if (aps[key] === undefined) delete aps[key];

  const headers: ApnsHeaders = {
    'apns-push-type': n.silent ? 'background' : 'alert',
    'apns-priority': n.silent || n.priority === 'normal' ? '5' : '10',
  };
  if (topic !== undefined) headers['apns-topic'] = topic;
  if (n.ttlSeconds !== undefined) {
    // 0 tells APNs to try once and not store the notification.
    headers['apns-expiration'] = n.ttlSeconds === 0 ? '0' : String(Math.floor(nowMs / 1000) + n.ttlSeconds);
  }
  if (n.collapseKey !== undefined) headers['apns-collapse-id'] = n.collapseKey;

  const payload = mergeOverrides({ ...n.data, aps } as Record<string, unknown>, n.overrides?.apns?.payload);
  const merged = { ...headers, ...n.overrides?.apns?.headers } as ApnsHeaders;
  return { headers: merged, payload };
};

/** Throws {@link PayloadRejected} when APNs would answer 413. */
export const assertApnsPayloadFits = (request: ApnsRequest): string => {
  const json = JSON.stringify(request.payload);
  const size = Buffer.byteLength(json);
  const limit = apnsPayloadLimit(request.headers['apns-push-type']);
  if (size > limit) throw new PayloadRejected('PAYLOAD_TOO_LARGE', `APNs payload is ${size} bytes; the limit is ${limit}`);
  return json;
};
