/**
 * @module A throwaway certificate authority and server certificate for the loopback push fakes, made with the
 * openssl CLI in a temporary folder that is deleted straight away. Nothing here is ever written to the repository.
 * The one server certificate names every host the fakes stand in for, so FCM and APNs fakes can share it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  /** The CA certificate clients trust (PEM). */
  ca: string;
  /** The server certificate and its key (PEM). */
  cert: string;
  key: string;
}

export const FAKE_HOST_NAMES = [
  'fcm.googleapis.com',
  'oauth2.googleapis.com',
  'api.push.apple.com',
  'api.sandbox.push.apple.com',
  'localhost',
] as const;

let cached: TestPki | undefined;

/** One PKI per process (about 50 ms of openssl); every fake started in the process reuses it. */
export const testPki = (): TestPki => {
  cached ??= createTestPki();
  return cached;
};

export const createTestPki = (names: readonly string[] = FAKE_HOST_NAMES): TestPki => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-fake-pki-'));
  // Arguments are space-separated words; the one argument with spaces (a subject) is passed separately.
  const openssl = (words: string, ...rest: string[]) =>
    execFileSync('openssl', [...words.split(' '), ...rest], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    openssl('ecparam -name prime256v1 -genkey -noout -out ca.key');
    openssl(
      'req -x509 -new -key ca.key -sha256 -days 7 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem -subj',
      '/CN=Switchboard push fakes test CA',
    );
    openssl('ecparam -name prime256v1 -genkey -noout -out server.key');
    openssl('req -new -key server.key -out server.csr -subj', '/CN=switchboard-push-fake');
    const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl('x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -sha256 -extfile ext.cnf -out server.pem');
    return {
      ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
      key: readFileSync(join(dir, 'server.key'), 'utf8'),
    };
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`could not make the fakes' test certificates with openssl: ${stderr || (e as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
