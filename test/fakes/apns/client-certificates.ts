/**
 * @module Throwaway APNs client certificates for the fake's mutual-TLS mode: a client CA standing in for Apple's
 * "Worldwide Developer Relations" CA, and certificates it issues for a bundle id, shaped like Apple's push
 * certificates (RSA 2048, `UID=<bundle id>`, Apple's sandbox / production push extensions), as PEM and as a PKCS#12
 * file. Made with the openssl CLI in a temporary folder that is deleted straight away.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCa {
  cert: string;
  key: string;
}

export interface ClientCertificate {
  /** The .p12 file, base64 (what an app uploads as `certificate.pkcs12`). */
  pkcs12: string;
  /** PEM certificate and private key (`certificate.cert` / `certificate.key`); the key is encrypted when a passphrase is given. */
  cert: string;
  key: string;
  passphrase?: string;
  subject: string;
}

export interface ClientCertificateOptions {
  bundleId: string;
  /** Validity in days; negative makes a certificate that has already expired. Default 30. */
  days?: number;
  /** Which of Apple's environment extensions it carries (default both, as Apple's current certificates do). */
  sandbox?: boolean;
  production?: boolean;
  passphrase?: string;
  /** Another CA's certificate (the fake then refuses it). */
  ca?: ClientCa;
}

const inTempDir = <T>(fn: (openssl: (...args: string[]) => Buffer, dir: string) => T): T => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-fake-apns-client-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return fn(openssl, dir);
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`could not make APNs client certificates with openssl: ${stderr || (e as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export const createClientCa = (name = 'Switchboard fake APNs client CA'): ClientCa =>
  inTempDir((openssl, dir) => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '7',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.pem',
    );
    return { cert: readFileSync(join(dir, 'ca.pem'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
  });

let cached: ClientCa | undefined;
/** One client CA per process. */
export const clientCa = (): ClientCa => {
  cached ??= createClientCa();
  return cached;
};

export const issueClientCertificate = (options: ClientCertificateOptions): ClientCertificate =>
  inTempDir((openssl, dir) => {
    const ca = options.ca ?? clientCa();
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(join(dir, 'ca.key'), ca.key);
    openssl('genrsa', '-out', 'client.key', '2048');
    const subject = `/UID=${options.bundleId}/CN=Apple Push Services: ${options.bundleId}/OU=FAKETEAM01/O=Switchboard tests/C=US`;
    openssl('req', '-new', '-key', 'client.key', '-subj', subject, '-out', 'client.csr');
    // Apple marks push certificates with 1.2.840.113635.100.6.3.1 (sandbox) and …6.3.2 (production).
    const ext = [
      'basicConstraints=CA:FALSE',
      'extendedKeyUsage=clientAuth',
      ...(options.sandbox === false ? [] : ['1.2.840.113635.100.6.3.1=DER:0500']),
      ...(options.production === false ? [] : ['1.2.840.113635.100.6.3.2=DER:0500']),
    ];
    writeFileSync(join(dir, 'ext.cnf'), `${ext.join('\n')}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      String(options.days ?? 30),
      '-sha256',
      '-extfile',
      'ext.cnf',
      '-out',
      'client.pem',
    );
    const pass = options.passphrase ?? '';
    openssl('pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.pem', '-passout', `pass:${pass}`, '-out', 'client.p12');
    let key = readFileSync(join(dir, 'client.key'), 'utf8');
    if (options.passphrase) {
      openssl('pkcs8', '-topk8', '-in', 'client.key', '-passout', `pass:${pass}`, '-out', 'client.enc.key');
      key = readFileSync(join(dir, 'client.enc.key'), 'utf8');
    }
    return {
      pkcs12: readFileSync(join(dir, 'client.p12')).toString('base64'),
      cert: readFileSync(join(dir, 'client.pem'), 'utf8'),
      key,
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
      subject: `UID=${options.bundleId}, CN=Apple Push Services: ${options.bundleId}, OU=FAKETEAM01, O=Switchboard tests, C=US`,
    };
  });
