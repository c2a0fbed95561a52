/**
 * Provider credentials through the real platform: validated at upload with pointers, stored encrypted (the row
 * holds no plaintext, and it does not decrypt for another app), never returned or logged, replaced and deleted
 * per app, and refused in production without an encryption key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends, sqliteBackend } from '../support/backends.js';
import { api, PUSH, type PushFakes, secondApp, startFakes, startPushPlatform, uploadFakeCredentials } from './platform-support.js';
import { BUNDLE_ID } from './support.js';

const backends = await availableBackends();

describe.each(backends)('push credentials on $name', (backend) => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;
  let call: ReturnType<typeof api>;
  const secrets: string[] = [];

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await backend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config);
    call = api(platform);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  it('refuses bad credentials at upload, naming every failing place and quoting no secret', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    secrets.push(rsa);
    const fcm = await call<{ code: string; details: { errors: { pointer: string }[] } }>('PUT', '/credentials/fcm', {
      serviceAccount: { type: 'authorized_user', project_id: 'X', client_email: 'nope', private_key: rsa.replace('MII', 'XXX') },
    });
    expect(fcm.status).toBe(400);
    expect(fcm.body.code).toBe('FCM_CREDENTIALS_INVALID');
    expect(fcm.body.details.errors.map((e) => e.pointer)).toEqual([
      '/body/serviceAccount/type',
      '/body/serviceAccount/project_id',
      '/body/serviceAccount/client_email',
      '/body/serviceAccount/private_key',
    ]);

    const apns = await call<{ code: string; details: { errors: { pointer: string }[] } }>('PUT', '/credentials/apns', {
      key: rsa,
      keyId: 'short',
      teamId: 'ABCDE12345',
      bundleId: 'nodots',
      production: true,
    });
    expect(apns.status).toBe(400);
    expect(apns.body.code).toBe('APNS_CREDENTIALS_INVALID');
    expect(apns.body.details.errors.map((e) => e.pointer)).toEqual(['/body/key', '/body/keyId', '/body/bundleId']);
    for (const res of [fcm, apns]) expect(res.text).not.toContain('PRIVATE KEY');
    expect((await call('GET', '/credentials')).body).toEqual({ fcm: null, apns: null });
  });

  it('stores credentials encrypted and shows only metadata', async () => {
    const { serviceAccount, key } = await uploadFakeCredentials(platform, fakes);
    secrets.push(serviceAccount.private_key, key.key);
    const shown = await call<{ fcm: Record<string, unknown>; apns: Record<string, unknown> }>('GET', '/credentials');
    expect(shown.body.fcm).toMatchObject({
      provider: 'fcm',
      projectId: serviceAccount.project_id,
      clientEmail: serviceAccount.client_email,
    });
    expect(shown.body.apns).toMatchObject({
      provider: 'apns',
      keyId: key.keyId,
      teamId: key.teamId,
      bundleId: BUNDLE_ID,
      production: true,
    });
    expect(Object.keys(shown.body.fcm).sort()).toEqual(['clientEmail', 'createdAt', 'fingerprint', 'projectId', 'provider', 'updatedAt']);

    const rows = await platform.orm.em
      .fork()
      .getConnection()
      .execute<{ provider: string; secret: string }[]>('select provider, secret from push_credential');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.secret).toMatch(/^v1\.[0-9a-f]{8}\./);
      expect(row.secret).not.toContain('PRIVATE KEY');
      expect(row.secret).not.toContain(serviceAccount.client_email);
    }
  });

  it('replaces credentials in place and deletes them per provider', async () => {
    const before = (await call<{ fcm: { fingerprint: string; createdAt: string } }>('GET', '/credentials')).body.fcm;
    const again = fakes.fcm.createServiceAccount('replaced-project');
    secrets.push(again.private_key);
    const put = await call<{ projectId: string; fingerprint: string; createdAt: string }>('PUT', '/credentials/fcm', {
      serviceAccount: JSON.stringify(again),
    });
    expect(put.status).toBe(200);
    expect(put.body.projectId).toBe('replaced-project');
    expect(put.body.fingerprint).not.toBe(before.fingerprint);
    expect(put.body.createdAt).toBe(before.createdAt);
    expect((await call('DELETE', '/credentials/apns')).status).toBe(204);
    expect((await call('DELETE', '/credentials/apns')).status).toBe(404);
    const now = await call<{ fcm: { projectId: string }; apns: null }>('GET', '/credentials');
    expect(now.body.apns).toBeNull();
    expect(now.body.fcm.projectId).toBe('replaced-project');
  });

  it("keeps each app's credentials to itself", async () => {
    const other = api(platform, await secondApp(platform));
    expect((await other('GET', '/credentials')).body).toEqual({ fcm: null, apns: null });
    expect((await other('DELETE', '/credentials/fcm')).status).toBe(404);
    // A sealed value is bound to its app: copied onto another app's row it does not open (AES-GCM additional data).
    const em = platform.orm.em.fork();
    const [row] = await em
      .getConnection()
      .execute<{ secret: string; app_id: string }[]>("select secret, app_id from push_credential where provider = 'fcm'");
    await em.getConnection().execute("update push_credential set app_id = 'app_thief' where provider = 'fcm'");
    const { createCredentialCipher } = await import('../../plugins/push/src/credential-cipher.js');
    const cipher = createCredentialCipher((fakes.config as { encryptionKey: string }).encryptionKey);
    expect(() => cipher.open(row.secret, 'push:app_thief:fcm')).toThrow();
    expect(JSON.parse(cipher.open(row.secret, `push:${row.app_id}:fcm`)).projectId).toBe('replaced-project');
    await em.getConnection().execute('update push_credential set app_id = ? where provider = ?', [row.app_id, 'fcm']);
  });

  it('never writes a secret to the log', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const logged = JSON.stringify(platform.logs);
    for (const secret of secrets) {
      const body = secret.split('\n').filter((l) => l && !l.startsWith('-----'));
      for (const line of body) expect(logged).not.toContain(line);
    }
    expect(platform.logs.some((l) => l.msg === 'push credentials stored')).toBe(true);
  });
});

describe('push encryption key', () => {
  it('in production the asset refuses to start without one (and says how to set it)', async () => {
    const db = await sqliteBackend.create();
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let platform: TestPlatform | undefined;
    try {
      platform = await startTestPlatform({ plugins: [PUSH], databaseUrl: db.url });
      expect(platform.loadErrors).toHaveLength(1);
      expect(platform.loadErrors[0]).toMatchObject({ code: 'PLUGIN_START_FAILED' });
      expect(platform.loadErrors[0].message).toMatch(/SWITCHBOARD_PLUGIN_PUSH.*encryptionKey/);
    } finally {
      process.env.NODE_ENV = previous;
      await platform?.close();
      await db.drop();
    }
  });

  it('in test it starts with the public development key and warns loudly', async () => {
    const db = await sqliteBackend.create();
    const platform = await startPushPlatform(db.url, {});
    try {
      await api(platform)('GET', '/credentials');
      expect(platform.logs.some((l) => /PUBLIC DEVELOPMENT KEY/.test(String(l.msg)) && l.level === 40)).toBe(true);
    } finally {
      await platform.close();
      await db.drop();
    }
  });
});
