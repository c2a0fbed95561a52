/**
 * @module What the push asset keeps for the life of a platform: the credential cipher and the provider senders
 * (their cached HTTP/2 sessions). Handlers, the worker and the job are declared separately and the core resolves
 * their deps one by one, so they meet here, keyed by the plugin's config slice: the core hands the same frozen
 * object to every part of one plugin instance, and a second platform in the same process gets its own.
 */
import type { Logger } from '@switchboard/sdk';
import { type CredentialCipher, createCredentialCipher } from './credential-cipher.js';
import {
  type ApnsCredentials,
  createApnsSender,
  createFcmSender,
  createRecordingTransport,
  type FcmServiceAccount,
  type PushTransport,
  type RecordingTransport,
} from './providers/index.js';
import type { PushConfig } from './push-config.js';

export interface PushRuntime {
  cipher: CredentialCipher;
  fcm: PushTransport<FcmServiceAccount>;
  apns: PushTransport<ApnsCredentials>;
  simulator: RecordingTransport;
  production: boolean;
  close(): Promise<void>;
}

const runtimes = new WeakMap<object, PushRuntime>();

export const isProduction = (): boolean => process.env.NODE_ENV === 'production';

/** Throws in production without `encryptionKey`: credentials must never be sealed with the public development key. */
export const runtimeFor = (config: Readonly<PushConfig>, log: Logger): PushRuntime => {
  const existing = runtimes.get(config);
  if (existing) return existing;
  const production = isProduction();
  if (!config.encryptionKey) {
    if (production) {
      throw new Error(
        'push needs an encryption key for stored credentials in production: set SWITCHBOARD_PLUGIN_PUSH=\'{"encryptionKey":"<32 random bytes, base64>"}\'',
      );
    }
    log.warn(
      { component: 'credentials' },
      'PUSH CREDENTIALS ARE ENCRYPTED WITH THE PUBLIC DEVELOPMENT KEY: set encryptionKey (SWITCHBOARD_PLUGIN_PUSH) before storing real credentials',
    );
  }
  const runtime: PushRuntime = {
    cipher: createCredentialCipher(config.encryptionKey),
    fcm: createFcmSender({ loopback: config.fcmEndpoint }),
    apns: createApnsSender({ loopback: config.apnsEndpoint }),
    simulator: createRecordingTransport({ maxRecords: 1000 }),
    production,
    async close() {
      runtimes.delete(config);
      await Promise.allSettled([runtime.fcm.close(), runtime.apns.close(), runtime.simulator.close()]);
    },
  };
  runtimes.set(config, runtime);
  return runtime;
};

/** Closes the platform's runtime if one was made (a `stop` must not create one just to close it). */
export const closeRuntime = async (config: Readonly<PushConfig>): Promise<void> => {
  await runtimes.get(config)?.close();
};
