/**
 * @module Which transport carries each recipient: APNs for iOS when the app uploaded an APNs key, FCM for Android
 * and web (and for iOS when the app only has FCM, which relays to APNs), the recording simulator when the app has
 * no credentials for it (outside production, or always with `simulator: always`), else nothing: NO_CREDENTIALS.
 */
import type { PushTransport } from '../providers/index.js';
import type { PushConfig } from '../push-config.js';
import type { PushRuntime } from '../runtime.js';
import type { AppCredentials } from '../store/app-credentials.js';

export type Route = 'fcm' | 'apns' | 'simulator' | 'none';

export const routeFor = (r: { platform: string }, creds: AppCredentials, config: Readonly<PushConfig>, runtime: PushRuntime): Route => {
  if (config.simulator === 'always') return 'simulator';
  if (r.platform === 'ios' && creds.apns) return 'apns';
  if (creds.fcm) return 'fcm';
  if (config.simulator === 'auto' && !runtime.production) return 'simulator';
  return 'none';
};

/** The transport for a route and the credentials to hand it (the simulator takes the APNs key only for its topic). */
export const transportFor = (
  route: Exclude<Route, 'none'>,
  creds: AppCredentials,
  runtime: PushRuntime,
): { transport: PushTransport<unknown>; credentials: unknown } => {
  if (route === 'fcm') return { transport: runtime.fcm as PushTransport<unknown>, credentials: creds.fcm };
  if (route === 'apns') return { transport: runtime.apns as PushTransport<unknown>, credentials: creds.apns };
  return { transport: runtime.simulator, credentials: creds.apns ?? null };
};
