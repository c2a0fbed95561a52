/** @module Shapes a provider-neutral notification into an FCM v1 message for one token (firebase-admin's types). */
import type { AndroidConfig, ApnsConfig, TokenMessage, WebpushConfig } from 'firebase-admin/messaging';
import { buildApnsRequest } from './apns-request.js';
import { mergeOverrides } from './merge-overrides.js';
import { PayloadRejected } from './payload-rejected.js';
import type { PushItem } from './push-transport.js';

/** FCM's limit for the notification and data a message carries. */
export const FCM_PAYLOAD_LIMIT = 4096;

/** Web Push `Topic` header: at most 32 characters of the URL-safe base64 alphabet, or push services refuse it. */
const WEB_PUSH_TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/** FCM data is a string-to-string map: strings pass as they are, everything else is JSON-encoded. */
export const toFcmData = (data: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
};

/**
 * @example
 * buildFcmMessage({ recipientId: 'r1', token: 't', platform: 'android', notification: { title: 'Hi', ttlSeconds: 60 } })
 * // { token: 't', notification: { title: 'Hi' }, android: { priority: 'high', ttl: 60000 } }
 */
export const buildFcmMessage = (item: PushItem, nowMs = Date.now()): TokenMessage => {
  const n = item.notification;
  const message: TokenMessage = { token: item.token };
  if (!n.silent && (n.title !== undefined || n.body !== undefined || n.imageUrl !== undefined)) {
    message.notification = { title: n.title, body: n.body, imageUrl: n.imageUrl };
    for (const key of ['title', 'body', 'imageUrl'] as const) if (message.notification[key] === undefined) delete message.notification[key];
  }
  if (n.data && Object.keys(n.data).length) message.data = toFcmData(n.data);
  const priority = n.priority ?? (n.silent ? 'normal' : 'high');

  if (item.platform === 'android') {
    const android: Record<string, unknown> = { priority };
    // firebase-admin takes the TTL in milliseconds and sends it as "<seconds>s".
    if (n.ttlSeconds !== undefined) android.ttl = n.ttlSeconds * 1000;
    if (n.collapseKey !== undefined) android.collapseKey = n.collapseKey;
    if (!n.silent && (n.sound !== undefined || n.badge !== undefined)) {
      android.notification = { sound: n.sound, notificationCount: n.badge };
      for (const key of ['sound', 'notificationCount']) {
        if ((android.notification as Record<string, unknown>)[key] === undefined)
          delete (android.notification as Record<string, unknown>)[key];
      }
    }
    message.android = mergeOverrides(android, n.overrides?.android) as AndroidConfig;
  } else if (item.platform === 'web') {
    const headers: Record<string, string> = { Urgency: priority };
    if (n.ttlSeconds !== undefined) headers.TTL = String(n.ttlSeconds);
    if (n.collapseKey !== undefined && WEB_PUSH_TOPIC.test(n.collapseKey)) headers.Topic = n.collapseKey;
    message.webpush = mergeOverrides({ headers } as Record<string, unknown>, n.overrides?.webpush) as WebpushConfig;
  } else {
    // An iOS token held by FCM: FCM forwards the apns block to APNs and sets apns-topic itself.
    const { headers, payload } = buildApnsRequest({ ...n, data: undefined }, undefined, nowMs);
    message.apns = { headers: { ...headers }, payload } as unknown as ApnsConfig;
  }
  return message;
};

/** Throws {@link PayloadRejected} when FCM would refuse the message as too big. */
export const assertFcmPayloadFits = (message: TokenMessage): void => {
  const size = Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }));
  if (size > FCM_PAYLOAD_LIMIT)
    throw new PayloadRejected('PAYLOAD_TOO_LARGE', `FCM payload is ${size} bytes; the limit is ${FCM_PAYLOAD_LIMIT}`);
};
