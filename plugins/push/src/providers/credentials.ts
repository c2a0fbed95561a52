/** @module The provider credentials a push app uploads, in the shape the senders take after validation. */

/** The parts of a Google service account JSON that firebase-admin needs. */
export interface FcmServiceAccount {
  projectId: string;
  clientEmail: string;
  /** PEM, PKCS#8. */
  privateKey: string;
  privateKeyId?: string;
}

/** An APNs token-based key (.p8) and what it signs for. */
export interface ApnsTokenKey {
  /** The .p8 file's PEM text: an EC P-256 private key. */
  key: string;
  /** The key's 10-character id from the Apple developer account (JWT `kid`). */
  keyId: string;
  /** The 10-character team id (JWT `iss`). */
  teamId: string;
  /** The app's bundle id, sent as `apns-topic`. */
  bundleId: string;
  /** api.push.apple.com when true, api.sandbox.push.apple.com otherwise. */
  production: boolean;
}

/**
 * An APNs client certificate (certificate-based trust), as stored: a PKCS#12 file (base64) or a PEM certificate and
 * private key, with its passphrase. `subject` and `expiresAt` are read from the certificate at upload.
 */
export interface ApnsCertificate {
  kind: 'certificate';
  /** The .p12/.pfx file, base64. */
  pkcs12?: string;
  /** PEM certificate and private key, when no PKCS#12 file was given. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** The app's bundle id, sent as `apns-topic`. */
  bundleId: string;
  production: boolean;
  subject: string;
  expiresAt: string;
}

/** What an app's APNs credentials can be: a token key (.p8) or a client certificate. */
export type ApnsCredentials = ApnsTokenKey | ApnsCertificate;

export const isApnsCertificate = (c: ApnsCredentials): c is ApnsCertificate => (c as ApnsCertificate).kind === 'certificate';
