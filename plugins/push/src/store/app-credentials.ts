/** @module Reading and writing an app's sealed provider credentials. Plaintext exists only in memory, never in a log line or a response. */
import { createHash } from 'node:crypto';
import type { Database } from '@switchboard/sdk';
import type { CredentialCipher } from '../credential-cipher.js';
import { type CredentialMetadata, PushCredential, type PushCredentialRow } from '../entities/credential.js';
import type { ApnsCredentials, FcmServiceAccount } from '../providers/index.js';
import { isUniqueViolation } from './is-unique-violation.js';

export type ProviderName = 'fcm' | 'apns';

export interface AppCredentials {
  fcm?: FcmServiceAccount;
  apns?: ApnsCredentials;
}

/** The AAD of a sealed credential: it only opens for the app and provider it was sealed for. */
const contextOf = (appId: string, provider: ProviderName) => `push:${appId}:${provider}`;

export const fingerprint = (secret: string): string => createHash('sha256').update(secret).digest('hex').slice(0, 16);

/** Inserts or replaces the app's credential for one provider; returns the row and the plaintext it replaced, if any. */
export const storeCredential = async (
  db: Database,
  cipher: CredentialCipher,
  appId: string,
  provider: ProviderName,
  plaintext: string,
  metadata: Omit<CredentialMetadata, 'fingerprint'>,
): Promise<{ row: PushCredentialRow; replaced?: string }> => {
  const secret = cipher.seal(plaintext, contextOf(appId, provider));
  const meta: CredentialMetadata = { ...metadata, fingerprint: fingerprint(plaintext) };
  for (let attempt = 0; ; attempt++) {
    const existing = await db.findOne(PushCredential, { appId, provider });
    if (existing) {
      let replaced: string | undefined;
      try {
        replaced = cipher.open(existing.secret, contextOf(appId, provider));
      } catch {
        replaced = undefined;
      }
      db.assign(existing, { secret, metadata: meta });
      await db.flush();
      return { row: existing, replaced };
    }
    try {
      const row = db.create(PushCredential, { appId, provider, secret, metadata: meta });
      await db.flush();
      return { row };
    } catch (e) {
      // Two uploads raced: the other insert won, so this one replaces it.
      db.clear();
      if (attempt > 0 || !isUniqueViolation(e)) throw e;
    }
  }
};

/** Opens a stored credential, or undefined when the app has none for that provider. Throws when the key changed. */
export const openCredential = (cipher: CredentialCipher, row: PushCredentialRow): string =>
  cipher.open(row.secret, contextOf(row.appId, row.provider as ProviderName));

/** Every provider credential of an app, decrypted for one delivery. */
export const loadAppCredentials = async (db: Database, cipher: CredentialCipher, appId: string): Promise<AppCredentials> => {
  const rows = await db.find(PushCredential, { appId });
  const out: AppCredentials = {};
  for (const row of rows) {
    const plain = JSON.parse(openCredential(cipher, row));
    if (row.provider === 'fcm') out.fcm = plain as FcmServiceAccount;
    if (row.provider === 'apns') out.apns = plain as ApnsCredentials;
  }
  return out;
};
