/**
 * APNs certificate credentials through the real platform and the real @parse/node-apn: a PKCS#12 file (with its
 * passphrase) or a PEM certificate and key is checked at upload (a damaged file, a wrong passphrase, a key of another
 * certificate, an expired certificate, the wrong environment: 400 with the pointer), stored encrypted, shown only as
 * subject and expiry, and used for mutual TLS to the fake APNs, which verifies the client certificate against its
 * client CA and refuses one from another CA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { createApnsSender } from '../../plugins/push/src/providers/apns-sender.js';
import { validateApnsCertificate } from '../../plugins/push/src/providers/index.js';
import { type ClientCertificate, createClientCa } from '../fakes/apns/index.js';
import { sqliteBackend } from '../support/backends.js';
import { api, iosToken, type PushFakes, register, settledReport, startFakes, startPushPlatform } from './platform-support.js';
import { BUNDLE_ID, itemsFor } from './support.js';

interface Problem {
  code: string;
  details: { pointer: string; errors: { pointer: string; message: string }[] };
}

describe('APNs certificate credentials', () => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;
  let call: ReturnType<typeof api>;
  let good: ClientCertificate;

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config);
    call = api(platform);
    good = fakes.apns.createClientCertificate({ bundleId: BUNDLE_ID, passphrase: 'correct horse' });
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  const upload = (certificate: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    call<Problem & Record<string, unknown>>('PUT', '/credentials/apns', { certificate, bundleId: BUNDLE_ID, production: true, ...extra });

  it('refuses a damaged file, a wrong passphrase, a foreign key, an expired certificate and the wrong environment, with pointers', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, string, RegExp][] = [
      [{ pkcs12: Buffer.from('not a pkcs12 file at all').toString('base64') }, {}, '/body/certificate/pkcs12', /not a PKCS#12/],
      [{ pkcs12: 'this is not base64 !!!' }, {}, '/body/certificate/pkcs12', /base64/],
      [{ pkcs12: good.pkcs12, passphrase: 'wrong' }, {}, '/body/certificate/passphrase', /wrong/],
      [{ pkcs12: good.pkcs12 }, {}, '/body/certificate/passphrase', /wrong/],
      [{ cert: good.cert, key: good.key, passphrase: 'wrong' }, {}, '/body/certificate/passphrase', /decrypt/],
      [{ cert: good.cert }, {}, '/body/certificate/key', /PEM private key/],
      [{ pkcs12: good.pkcs12, passphrase: 'correct horse' }, { bundleId: 'com.other.app' }, '/body/bundleId', /com\.switchboard\.test/],
    ];
    const other = fakes.apns.createClientCertificate({ bundleId: BUNDLE_ID });
    cases.push([{ cert: good.cert, key: other.key }, {}, '/body/certificate/key', /not the private key/]);
    const expired = fakes.apns.createClientCertificate({ bundleId: BUNDLE_ID, days: -1 });
    cases.push([{ pkcs12: expired.pkcs12 }, {}, '/body/certificate/pkcs12', /expired on/]);
    const sandboxOnly = fakes.apns.createClientCertificate({ bundleId: BUNDLE_ID, production: false });
    cases.push([{ pkcs12: sandboxOnly.pkcs12 }, {}, '/production', /production environment/]);

    for (const [certificate, extra, pointer, message] of cases) {
      const res = await upload(certificate, extra);
      expect(res.status, JSON.stringify(certificate).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('APNS_CREDENTIALS_INVALID');
      const hit = res.body.details.errors.find((e) => e.pointer === (pointer.startsWith('/body') ? pointer : `/body${pointer}`));
      expect(hit?.message, `${pointer}: ${res.text}`).toMatch(message);
      expect(res.text).not.toContain('PRIVATE KEY');
      expect(res.text).not.toContain(good.pkcs12.slice(0, 40));
    }
    // The sandbox-only certificate is fine for the sandbox.
    const sandbox = await upload({ pkcs12: sandboxOnly.pkcs12 }, { production: false });
    expect(sandbox.status, sandbox.text).toBe(200);
  }, 60_000);

  it('stores a PKCS#12 certificate encrypted, shows its subject and expiry only, and delivers over mutual TLS', async () => {
    const res = await upload({ pkcs12: good.pkcs12, passphrase: 'correct horse' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      provider: 'apns',
      kind: 'certificate',
      bundleId: BUNDLE_ID,
      production: true,
      subject: expect.stringContaining(`UID=${BUNDLE_ID}`),
    });
    expect(Date.parse(res.body.expiresAt as string)).toBeGreaterThan(Date.now() + 20 * 86_400_000);
    const listed = await call('GET', '/credentials');
    for (const text of [res.text, listed.text, JSON.stringify(platform.logs)]) {
      expect(text).not.toContain(good.pkcs12.slice(0, 40));
      expect(text).not.toContain('correct horse');
    }
    const [row] = await platform.orm.em.fork().getConnection().execute("select secret from push_credential where provider = 'apns'");
    expect(String(row.secret)).not.toContain(good.pkcs12.slice(0, 40));

    await register(platform, [
      { platform: 'ios', token: iosToken(901), userId: 'cert-user' },
      { platform: 'ios', token: iosToken(902), userId: 'cert-user' },
    ]);
    const sent = await call<{ id: string }>('POST', '/sends', { target: { userId: 'cert-user' }, notification: { title: 'mTLS' } });
    expect(sent.status).toBe(202);
    const report = await settledReport(platform, sent.body.id);
    expect(report.totals).toMatchObject({ recipients: 2, delivered: 2 });
    expect(report.recipients.every((r) => r.provider === 'apns')).toBe(true);
    const received = fakes.apns.received(iosToken(901));
    expect(received.at(-1)?.message?.certificate).toContain(`UID=${BUNDLE_ID}`);
    expect(received.at(-1)?.message?.keyId).toBeUndefined();
  }, 60_000);

  it('delivers with a PEM certificate and encrypted key too', async () => {
    const res = await upload({ cert: good.cert, key: good.key, passphrase: 'correct horse' });
    expect(res.status, res.text).toBe(200);
    await register(platform, [{ platform: 'ios', token: iosToken(903), userId: 'pem-user' }]);
    const sent = await call<{ id: string }>('POST', '/sends', { target: { userId: 'pem-user' }, notification: { title: 'PEM' } });
    const report = await settledReport(platform, sent.body.id);
    expect(report.totals).toMatchObject({ recipients: 1, delivered: 1 });
    expect(fakes.apns.received(iosToken(903)).at(-1)?.message?.certificate).toContain(`UID=${BUNDLE_ID}`);
  }, 60_000);

  it('is refused by the fake APNs when it comes from another CA, and accepted at upload only by its own checks', async () => {
    const stranger = fakes.apns.createClientCertificate({ bundleId: BUNDLE_ID, ca: createClientCa('Not Apple') });
    const credentials = validateApnsCertificate({ certificate: { pkcs12: stranger.pkcs12 }, bundleId: BUNDLE_ID, production: true });
    const sender = createApnsSender({ loopback: fakes.config.apnsEndpoint as { host: string; port: number; ca: string } });
    try {
      const [result] = await sender.send(credentials, itemsFor('ios', [iosToken(904)], { title: 'x' }));
      expect(result).toMatchObject({ status: 'permanent', reason: 'BadCertificate', httpStatus: 403 });
      expect(fakes.apns.deliveredCount(iosToken(904))).toBe(0);
    } finally {
      await sender.close();
    }
  }, 60_000);
});
