/**
 * @module Encrypts provider credentials at rest with AES-256-GCM. The app id and provider are bound in as
 * additional authenticated data, so a ciphertext copied to another app's row does not decrypt. Each value names the
 * key it was sealed with (a short hash), so a changed key is reported as such instead of as corrupt data.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export interface CredentialCipher {
  /** Short, non-secret id of the key (for logs and the stored value). */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** Fixed and public on purpose: only for development and test, where a restart must still read stored credentials. */
const DEVELOPMENT_PASSPHRASE = 'switchboard-push-development-key-not-secret-do-not-use-in-production';

/** 32 bytes from base64 or hex, else a passphrase stretched with HKDF-SHA256. */
const keyBytes = (material: string): Buffer => {
  if (/^[0-9a-f]{64}$/i.test(material)) return Buffer.from(material, 'hex');
  const b64 = Buffer.from(material, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(material)) return b64;
  return Buffer.from(hkdfSync('sha256', material, 'switchboard-push', 'credentials-v1', 32));
};

const b64 = (b: Buffer) => b.toString('base64url');

export const createCredentialCipher = (material: string | undefined): CredentialCipher => {
  const key = keyBytes(material ?? DEVELOPMENT_PASSPHRASE);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keyId, b64(iv), b64(cipher.getAuthTag()), b64(body)].join('.');
    },
    open(sealed, context) {
      const [version, sealedWith, iv, tag, body] = sealed.split('.');
      if (version !== 'v1') throw new Error(`unknown credential format '${version}'`);
      if (sealedWith !== keyId) throw new Error(`credentials were sealed with key ${sealedWith}, the configured key is ${keyId}`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
};
