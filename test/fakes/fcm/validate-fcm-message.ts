/** @module The FCM HTTP v1 `Message` rules the fake FCM enforces: the ones a sender can get wrong. */

const RESERVED_DATA_KEY = (key: string) => key === 'from' || key === 'notification' || key === 'message_type' || /^(google|gcm)/i.test(key);
const DURATION = /^\d+(\.\d{1,9})?s$/;
const MAX_TTL_SECONDS = 2_419_200;

/** A message FCM would refuse with INVALID_ARGUMENT; `field` is the BadRequest field violation. */
export class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Protobuf JSON accepts both the proto name and its lowerCamelCase form. */
const pick = (o: Record<string, unknown>, snake: string): unknown =>
  o[snake] ?? o[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const checkStringMap = (v: unknown, field: string, reservedKeys = false): void => {
  if (v === undefined) return;
  if (!isObject(v)) throw new Invalid(field, `Invalid value at '${field}': expected a map of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new Invalid(`${field}[${k}]`, `Invalid value at '${field}[${k}]' (TYPE_STRING)`);
    if (reservedKeys && RESERVED_DATA_KEY(k)) throw new Invalid(field, `Invalid data payload key: ${k}`);
  }
};

const checkKnownFields = (o: Record<string, unknown>, field: string, known: string[]): void => {
  const allowed = new Set(known.flatMap((k) => [k, k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]));
  for (const k of Object.keys(o))
    if (!allowed.has(k)) throw new Invalid(field, `Invalid JSON payload received. Unknown name "${k}" at '${field}'`);
};

/** The FCM v1 `Message` rules the fake enforces (the ones a sender can get wrong). */
export const validateFcmMessage = (message: unknown): { target: string } => {
  if (!isObject(message)) throw new Invalid('message', 'Invalid JSON payload received: message must be an object');
  checkKnownFields(message, 'message', [
    'name',
    'data',
    'notification',
    'android',
    'webpush',
    'apns',
    'fcm_options',
    'token',
    'topic',
    'condition',
  ]);
  const targets = (['token', 'topic', 'condition'] as const).filter((k) => message[k] !== undefined);
  if (targets.length !== 1) throw new Invalid('message', 'Exactly one of token, topic or condition must be specified');
  const target = message[targets[0]];
  if (typeof target !== 'string' || target === '') throw new Invalid(`message.${targets[0]}`, `Invalid value at 'message.${targets[0]}'`);
  checkStringMap(message.data, 'message.data', true);
  if (message.notification !== undefined) {
    if (!isObject(message.notification)) throw new Invalid('message.notification', "Invalid value at 'message.notification'");
    checkKnownFields(message.notification, 'message.notification', ['title', 'body', 'image']);
    for (const [k, v] of Object.entries(message.notification))
      if (typeof v !== 'string')
        throw new Invalid(`message.notification.${k}`, `Invalid value at 'message.notification.${k}' (TYPE_STRING)`);
  }
  const android = message.android;
  if (android !== undefined) {
    if (!isObject(android)) throw new Invalid('message.android', "Invalid value at 'message.android'");
    checkKnownFields(android, 'message.android', [
      'collapse_key',
      'priority',
      'ttl',
      'restricted_package_name',
      'data',
      'notification',
      'fcm_options',
      'direct_boot_ok',
      'bandwidth_constrained_ok',
      'restricted_satellite_ok',
    ]);
    const priority = android.priority;
    if (priority !== undefined && !['normal', 'high'].includes(String(priority).toLowerCase()))
      throw new Invalid('message.android.priority', `Invalid value at 'message.android.priority' (${String(priority)})`);
    const ttl = android.ttl;
    if (ttl !== undefined && (typeof ttl !== 'string' || !DURATION.test(ttl) || Number.parseFloat(ttl) > MAX_TTL_SECONDS)) {
      throw new Invalid('message.android.ttl', "Invalid value at 'message.android.ttl' (google.protobuf.Duration)");
    }
    const collapseKey = pick(android, 'collapse_key');
    if (collapseKey !== undefined && typeof collapseKey !== 'string')
      throw new Invalid('message.android.collapse_key', "Invalid value at 'message.android.collapse_key'");
    checkStringMap(android.data, 'message.android.data', true);
    if (android.notification !== undefined && !isObject(android.notification))
      throw new Invalid('message.android.notification', "Invalid value at 'message.android.notification'");
  }
  const webpush = message.webpush;
  if (webpush !== undefined) {
    if (!isObject(webpush)) throw new Invalid('message.webpush', "Invalid value at 'message.webpush'");
    checkKnownFields(webpush, 'message.webpush', ['headers', 'data', 'notification', 'fcm_options']);
    checkStringMap(webpush.headers, 'message.webpush.headers');
    checkStringMap(webpush.data, 'message.webpush.data', true);
    if (webpush.notification !== undefined && !isObject(webpush.notification))
      throw new Invalid('message.webpush.notification', "Invalid value at 'message.webpush.notification'");
  }
  const apns = message.apns;
  if (apns !== undefined) {
    if (!isObject(apns)) throw new Invalid('message.apns', "Invalid value at 'message.apns'");
    checkKnownFields(apns, 'message.apns', ['headers', 'payload', 'fcm_options', 'live_activity_token']);
    checkStringMap(apns.headers, 'message.apns.headers');
    if (apns.payload !== undefined) {
      if (!isObject(apns.payload)) throw new Invalid('message.apns.payload', "Invalid value at 'message.apns.payload'");
      if (apns.payload.aps !== undefined && !isObject(apns.payload.aps))
        throw new Invalid('message.apns.payload.aps', "Invalid value at 'message.apns.payload.aps'");
    }
  }
  const size = Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }));
  if (size > 4096) throw new Invalid('message', `Message is too big: ${size} bytes of notification and data (limit 4096)`);
  return { target };
};
