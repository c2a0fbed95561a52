/**
 * @module Checks an uploaded APNs client certificate before it is stored: a PKCS#12 file (.p12/.pfx, base64) with its
 * passphrase, or a PEM certificate and private key. It is opened with the same OpenSSL that will present it
 * (`tls.createSecureContext`), so a damaged file, a wrong passphrase or a key of another certificate fails at upload
 * with a pointer, as does a certificate that expired, is not yet valid, or is not for the chosen APNs environment.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { ApnsCertificate } from './credentials.js';
import { isRecord, ProblemList } from './problem-list.js';
import { APNS_CREDENTIALS_INVALID } from './validate-apns-token-key.js';

const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

/** Apple's extensions marking a push certificate for the sandbox (…6.3.1) and production (…6.3.2) environments, as DER. */
const oid = (last: number) => Buffer.from([0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x03, last]);
const SANDBOX_OID = oid(1);
const PRODUCTION_OID = oid(2);

const opensslReason = (e: unknown): string => String((e as Error)?.message ?? e);

/** The certificate a PKCS#12 file holds, as the secure context loaded it (Node exposes no PKCS#12 parser). */
const certificateOf = (context: tls.SecureContext): X509Certificate | undefined => {
  const native = (context as unknown as { context?: { getCertificate?: () => Buffer | null } }).context;
  const der = native?.getCertificate?.();
  return der ? new X509Certificate(der) : undefined;
};

/** `UID=com.example.app\nCN=Apple Push Services: …` → `UID=com.example.app, CN=Apple Push Services: …`. */
const oneLine = (subject: string) => subject.split('\n').join(', ');

/**
 * Input: `{ certificate: { pkcs12, passphrase? } | { cert, key, passphrase? }, bundleId, production }`. Throws
 * InputError `APNS_CREDENTIALS_INVALID` with `details.pointer` (under `at`); nothing secret is echoed.
 *
 * @example
 * const c = validateApnsCertificate({ certificate: { pkcs12: p12.toString('base64'), passphrase }, bundleId, production: true }, '/body');
 */
export const validateApnsCertificate = (input: unknown, at = '', now = Date.now()): ApnsCertificate => {
  const problems = new ProblemList(at);
  const fail = () => problems.fail(APNS_CREDENTIALS_INVALID, 'The APNs certificate is invalid');
  if (!isRecord(input) || !isRecord(input.certificate)) {
    problems.add('/certificate', 'must be an object with pkcs12 (and passphrase), or cert and key');
    return fail();
  }
  const { bundleId, production } = input;
  const { pkcs12, cert, key, passphrase } = input.certificate;
  if (passphrase !== undefined && typeof passphrase !== 'string') problems.add('/certificate/passphrase', 'must be a string');
  if (typeof bundleId !== 'string' || !BUNDLE_ID.test(bundleId) || bundleId.length > 155)
    problems.add('/bundleId', 'must be the app bundle id, e.g. com.example.app');
  if (typeof production !== 'boolean') problems.add('/production', 'must be true (api.push.apple.com) or false (sandbox)');
  const pass = typeof passphrase === 'string' && passphrase !== '' ? passphrase : undefined;

  let x509: X509Certificate | undefined;
  if (pkcs12 !== undefined) {
    if (cert !== undefined || key !== undefined) problems.add('/certificate', 'give pkcs12, or cert and key, not both');
    else if (typeof pkcs12 !== 'string' || pkcs12.length < 16 || !BASE64.test(pkcs12))
      problems.add('/certificate/pkcs12', 'must be the .p12/.pfx file as base64');
    else {
      try {
        x509 = certificateOf(tls.createSecureContext({ pfx: Buffer.from(pkcs12, 'base64'), passphrase: pass }));
        if (!x509) problems.add('/certificate/pkcs12', 'holds no certificate');
      } catch (e) {
        const reason = opensslReason(e);
        if (/mac verify failure/i.test(reason))
          problems.add('/certificate/passphrase', 'is wrong for this PKCS#12 file (or the file is damaged)');
        else if (/unsupported/i.test(reason))
          problems.add(
            '/certificate/pkcs12',
            'uses an encryption OpenSSL 3 no longer supports (RC2, older Keychain exports): export it again, or upload the PEM cert and key',
          );
        else problems.add('/certificate/pkcs12', 'is not a PKCS#12 file with a certificate and its private key');
      }
    }
  } else if (typeof cert !== 'string' || !cert.includes('-----BEGIN CERTIFICATE')) {
    problems.add('/certificate/cert', 'must be the PEM certificate (or give pkcs12)');
  } else if (typeof key !== 'string' || !key.includes('-----BEGIN')) {
    problems.add('/certificate/key', 'must be the PEM private key of the certificate');
  } else {
    try {
      x509 = new X509Certificate(cert);
    } catch {
      problems.add('/certificate/cert', 'does not parse as a PEM certificate');
    }
    let privateKey: ReturnType<typeof createPrivateKey> | undefined;
    try {
      privateKey = createPrivateKey({ key, passphrase: pass });
    } catch (e) {
      const reason = opensslReason(e);
      if (/passphrase|decrypt/i.test(reason)) problems.add('/certificate/passphrase', 'does not decrypt the private key');
      else problems.add('/certificate/key', 'does not parse as a PEM private key');
    }
    if (x509 && privateKey) {
      if (!x509.checkPrivateKey(privateKey)) problems.add('/certificate/key', 'is not the private key of this certificate');
      else {
        try {
          tls.createSecureContext({ cert, key, passphrase: pass });
        } catch {
          problems.add('/certificate', 'cannot be used for TLS');
        }
      }
    }
  }
  if (x509) {
    const pointer = pkcs12 !== undefined ? '/certificate/pkcs12' : '/certificate/cert';
    if (x509.validToDate.getTime() <= now) problems.add(pointer, `expired on ${x509.validToDate.toISOString()}`);
    else if (x509.validFromDate.getTime() > now) problems.add(pointer, `is not valid before ${x509.validFromDate.toISOString()}`);
    if (typeof production === 'boolean') {
      const ok = x509.raw.includes(production ? PRODUCTION_OID : SANDBOX_OID);
      if (!ok)
        problems.add(
          '/production',
          `the certificate is not an APNs certificate for the ${production ? 'production' : 'sandbox'} environment`,
        );
    }
    const uid = /^UID=(.+)$/m.exec(x509.subject)?.[1];
    if (uid && typeof bundleId === 'string' && uid !== bundleId) problems.add('/bundleId', `the certificate is for ${uid}`);
  }
  problems.throwIfAny(APNS_CREDENTIALS_INVALID, 'The APNs certificate is invalid');
  const c = x509 as X509Certificate;
  return {
    kind: 'certificate',
    ...(pkcs12 !== undefined ? { pkcs12: (pkcs12 as string).replace(/\s+/g, '') } : { cert: cert as string, key: key as string }),
    ...(pass !== undefined ? { passphrase: pass } : {}),
    bundleId: bundleId as string,
    production: production as boolean,
    subject: oneLine(c.subject),
    expiresAt: c.validToDate.toISOString(),
  };
};
