/** Credential checks at upload: a bad FCM service account or APNs key is an InputError with a code and a pointer, never echoing the secret. */
import { generateKeyPairSync } from 'node:crypto';
import { InputError } from '@switchboard/sdk';
import { describe, expect, it } from 'vitest';
import { APNS_CREDENTIALS_INVALID, validateApnsTokenKey } from '../../plugins/push/src/providers/validate-apns-token-key.js';
import { FCM_CREDENTIALS_INVALID, validateFcmServiceAccount } from '../../plugins/push/src/providers/validate-fcm-service-account.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p256Pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p384Pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const serviceAccount = {
  type: 'service_account',
  project_id: 'switchboard-demo',
  private_key_id: 'abc123',
  private_key: rsaPem,
  client_email: 'firebase-adminsdk@switchboard-demo.iam.gserviceaccount.com',
};
const apnsKey = { key: p256Pem, keyId: 'ABC123DEFG', teamId: 'TEAM123456', bundleId: 'com.example.app', production: true };

/** Runs `fn`, expecting an InputError; returns it. */
const inputError = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
};

const pointers = (e: InputError) => ((e.details?.errors ?? []) as { pointer: string }[]).map((x) => x.pointer);

describe('FCM service account validation', () => {
  it('accepts a service account (object or JSON text) and returns what the sender needs', () => {
    const expected = {
      projectId: 'switchboard-demo',
      clientEmail: serviceAccount.client_email,
      privateKey: rsaPem,
      privateKeyId: 'abc123',
    };
    expect(validateFcmServiceAccount(serviceAccount)).toEqual(expected);
    expect(validateFcmServiceAccount(JSON.stringify(serviceAccount))).toEqual(expected);
  });

  it.each([
    ['type', { type: 'authorized_user' }, '/type'],
    ['project id', { project_id: 'Not A Project' }, '/project_id'],
    ['client e-mail', { client_email: 'nobody' }, '/client_email'],
    ['a missing key', { private_key: undefined }, '/private_key'],
    ['a key that is not PEM', { private_key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' }, '/private_key'],
    ['a corrupt PEM key', { private_key: rsaPem.replace(/[A-Za-z]{20}/, 'A'.repeat(20)) }, '/private_key'],
    ['an EC key', { private_key: p256Pem }, '/private_key'],
  ])('refuses %s with FCM_CREDENTIALS_INVALID at its pointer', (_, change, pointer) => {
    const e = inputError(() => validateFcmServiceAccount({ ...serviceAccount, ...change }, '/body/fcm'));
    expect(e.code).toBe(FCM_CREDENTIALS_INVALID);
    expect(e.details?.pointer).toBe(`/body/fcm${pointer}`);
  });

  it('lists every problem, and never repeats the key', () => {
    const e = inputError(() =>
      validateFcmServiceAccount({ type: 'x', project_id: 1, client_email: '', private_key: `${rsaPem.slice(0, 200)}garbage` }),
    );
    expect(pointers(e)).toEqual(['/type', '/project_id', '/client_email', '/private_key']);
    const shown = JSON.stringify({ message: e.message, details: e.details });
    expect(shown).not.toContain(rsaPem.slice(40, 100));
    expect(shown).not.toContain('garbage');
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    expect(inputError(() => validateFcmServiceAccount('{not json')).details).toMatchObject({ pointer: '/' });
    expect(inputError(() => validateFcmServiceAccount([serviceAccount], '/sa')).details).toMatchObject({ pointer: '/sa' });
  });
});

describe('APNs token key validation', () => {
  it('accepts a P-256 .p8 key with its ids', () => {
    expect(validateApnsTokenKey(apnsKey)).toEqual(apnsKey);
  });

  it.each([
    ['an RSA key', { key: rsaPem }, '/key'],
    ['a P-384 key', { key: p384Pem }, '/key'],
    ['a key that is not PEM', { key: '/etc/passwd' }, '/key'],
    ['a corrupt key', { key: p256Pem.replace(/[A-Za-z]{16}/, 'B'.repeat(16)) }, '/key'],
    ['a 9-character key id', { keyId: 'ABC123DEF' }, '/keyId'],
    ['a lower-case team id', { teamId: 'team123456' }, '/teamId'],
    ['a bundle id that is not reverse-DNS', { bundleId: 'myapp' }, '/bundleId'],
    ['a missing environment', { production: 'yes' }, '/production'],
  ])('refuses %s with APNS_CREDENTIALS_INVALID at its pointer', (_, change, pointer) => {
    const e = inputError(() => validateApnsTokenKey({ ...apnsKey, ...change }, '/body/apns'));
    expect(e.code).toBe(APNS_CREDENTIALS_INVALID);
    expect(e.details?.pointer).toBe(`/body/apns${pointer}`);
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain(p256Pem.slice(40, 90));
  });

  it('refuses something that is not an object at the given pointer', () => {
    const e = inputError(() => validateApnsTokenKey('key.p8', '/apns'));
    expect(e.details).toMatchObject({ pointer: '/apns' });
  });
});
