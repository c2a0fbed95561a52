/**
 * @module The contract between the push asset's delivery path and a provider: one chunk of notifications for one
 * app's credentials in, one classified result per recipient out. FCM, APNs and the recording simulator implement it.
 */

/** Where a device's token came from; `web` tokens are FCM tokens. */
export type PushPlatform = 'ios' | 'android' | 'web';

export type PushPriority = 'high' | 'normal';

/**
 * Platform blocks merged last, over what the neutral fields produced (deep merge: objects merge, other values
 * replace, `null` removes a key). Field names are the provider's own: firebase-admin's camelCase `AndroidConfig` /
 * `WebpushConfig`, and APNs header names and payload keys.
 */
export interface PlatformOverrides {
  android?: Record<string, unknown>;
  webpush?: Record<string, unknown>;
  apns?: { headers?: Record<string, string>; payload?: Record<string, unknown> };
}

/** A notification as the push API accepts it, before it is shaped for FCM or APNs. */
export interface PushNotification {
  title?: string;
  subtitle?: string;
  body?: string;
  /** FCM `notification.image`; APNs has no equivalent without a notification service extension. */
  imageUrl?: string;
  /** Custom keys. APNs gets them as JSON at the payload's top level; FCM only takes strings, so others are JSON-encoded. */
  data?: Record<string, unknown>;
  /** A background (data-only) push: APNs `content-available` with push type `background` and priority 5. */
  silent?: boolean;
  badge?: number;
  sound?: string;
  /** Seconds the provider may keep trying, counted from this delivery attempt: 0 means now or never. */
  ttlSeconds?: number;
  /** Newer notifications with the same key replace older undelivered ones. */
  collapseKey?: string;
  priority?: PushPriority;
  overrides?: PlatformOverrides;
}

/** One recipient of a chunk. Items that share a `notification` object are sent with one compiled payload. */
export interface PushItem {
  /** The caller's id for this recipient, echoed in its result. */
  recipientId: string;
  token: string;
  platform: PushPlatform;
  notification: PushNotification;
}

interface ResultBase {
  recipientId: string;
  token: string;
  /** The provider's HTTP status, when it answered. */
  httpStatus?: number;
  /** The provider's message, for the delivery report and logs; never holds credentials. */
  detail?: string;
}

export interface Delivered extends ResultBase {
  status: 'delivered';
  /** FCM `projects/{id}/messages/{n}`; APNs `apns-id`. */
  providerMessageId: string;
}

/** Worth another attempt later: throttling, 5xx, timeouts, connection and session errors. */
export interface Retryable extends ResultBase {
  status: 'retryable';
  reason: string;
  /** How long the provider asked us to wait (Retry-After), when it said so. */
  retryAfterMs?: number;
}

/** Will fail the same way every time: bad payload, bad credentials, token for another sender. */
export interface Permanent extends ResultBase {
  status: 'permanent';
  reason: string;
}

/** The token is dead: retire it (unless it was registered again after `unregisteredAtMs`). */
export interface Unregistered extends ResultBase {
  status: 'unregistered';
  reason: string;
  /** APNs' 410 `timestamp`: when APNs learned the token stopped being valid (ms since the epoch). */
  unregisteredAtMs?: number;
}

export type DeliveryResult = Delivered | Retryable | Permanent | Unregistered;
export type DeliveryStatus = DeliveryResult['status'];

/**
 * A provider behind one interface. `send` answers with exactly one result per item, in the items' order, and only
 * rejects on a programming error: provider, network and credential failures are results.
 *
 * @example
 * const results = await fcm.send(serviceAccount, [{ recipientId: 'r1', token, platform: 'android', notification }]);
 * for (const r of results) if (r.status === 'unregistered') await retire(r.token, r.unregisteredAtMs);
 */
export interface PushTransport<C> {
  readonly provider: 'fcm' | 'apns' | 'simulator';
  send(credentials: C, items: readonly PushItem[]): Promise<DeliveryResult[]>;
  /** Drops (and shuts down) the cached client for these credentials, e.g. after they were replaced. */
  forget(credentials: C): Promise<void>;
  /** Shuts every cached client down. */
  close(): Promise<void>;
}

type WithoutRecipient<R> = R extends unknown ? Omit<R, 'recipientId' | 'token'> : never;

/** A classification before it is tied to a recipient (one provider error can apply to a whole batch). */
export type DeliveryOutcome = WithoutRecipient<DeliveryResult>;
