/**
 * @module What a JSON schema cannot say about a notification, checked when a send is accepted rather than
 * discovered per recipient by the provider: reserved data keys, provider limits, payload size.
 */
import { APNS_OVERRIDABLE_HEADERS, apnsPayloadLimit, buildApnsRequest } from './apns-request.js';
import { buildFcmMessage, FCM_PAYLOAD_LIMIT } from './fcm-message.js';
import { isRecord, ProblemList } from './problem-list.js';
import type { PushNotification, PushPlatform } from './push-transport.js';

export const PUSH_NOTIFICATION_INVALID = 'PUSH_NOTIFICATION_INVALID';

/** FCM refuses these data keys; `aps` is APNs' own dictionary. */
const isReservedDataKey = (key: string): boolean =>
  key === 'from' || key === 'notification' || key === 'message_type' || key === 'aps' || /^(google|gcm)/i.test(key);

/** FCM's TTL ceiling: 4 weeks. */
export const MAX_TTL_SECONDS = 2_419_200;

/**
 * Throws InputError `PUSH_NOTIFICATION_INVALID` with every problem as `{ pointer, message }` under `at`.
 *
 * @example
 * validateNotification(body.notification, '/body/notification', ['ios', 'android']);
 */
export const validateNotification = (
  n: PushNotification,
  at = '',
  platforms: readonly PushPlatform[] = ['ios', 'android', 'web'],
): void => {
  const problems = new ProblemList(at);
  for (const field of ['title', 'subtitle', 'body', 'imageUrl', 'sound', 'collapseKey'] as const) {
    if (n[field] !== undefined && typeof n[field] !== 'string') problems.add(`/${field}`, 'must be a string');
  }
  if (n.data !== undefined) {
    if (!isRecord(n.data)) problems.add('/data', 'must be an object');
    else
      for (const key of Object.keys(n.data))
        if (isReservedDataKey(key)) problems.add(`/data/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'is a reserved key');
  }
  if (n.badge !== undefined && !(Number.isInteger(n.badge) && n.badge >= 0)) problems.add('/badge', 'must be a non-negative integer');
  if (n.ttlSeconds !== undefined && !(Number.isInteger(n.ttlSeconds) && n.ttlSeconds >= 0 && n.ttlSeconds <= MAX_TTL_SECONDS)) {
    problems.add('/ttlSeconds', `must be an integer from 0 to ${MAX_TTL_SECONDS} (4 weeks)`);
  }
  if (typeof n.collapseKey === 'string' && Buffer.byteLength(n.collapseKey) > 64)
    problems.add('/collapseKey', 'must be at most 64 bytes (APNs limit)');
  if (n.priority !== undefined && n.priority !== 'high' && n.priority !== 'normal') problems.add('/priority', 'must be "high" or "normal"');
  if (n.silent !== undefined && typeof n.silent !== 'boolean') problems.add('/silent', 'must be a boolean');
  const headers = n.overrides?.apns?.headers;
  if (headers !== undefined) {
    for (const [name, value] of Object.entries(headers)) {
      if (!(APNS_OVERRIDABLE_HEADERS as readonly string[]).includes(name))
        problems.add(`/overrides/apns/headers/${name}`, 'is not an APNs header that can be set');
      else if (typeof value !== 'string') problems.add(`/overrides/apns/headers/${name}`, 'must be a string');
    }
  }
  problems.throwIfAny(PUSH_NOTIFICATION_INVALID, 'The notification is invalid');

  if (platforms.includes('ios')) {
    const request = buildApnsRequest(n, 'size.check');
    const size = Buffer.byteLength(JSON.stringify(request.payload));
    const limit = apnsPayloadLimit(request.headers['apns-push-type']);
    if (size > limit) problems.add('', `makes an APNs payload of ${size} bytes; the limit is ${limit}`);
  }
  if (platforms.includes('android') || platforms.includes('web')) {
    const message = buildFcmMessage({ recipientId: '', token: 'size-check', platform: 'android', notification: n });
    const size = Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }));
    if (size > FCM_PAYLOAD_LIMIT) problems.add('', `makes an FCM payload of ${size} bytes; the limit is ${FCM_PAYLOAD_LIMIT}`);
  }
  problems.throwIfAny(PUSH_NOTIFICATION_INVALID, 'The notification is too large');
};
