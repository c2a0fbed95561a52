/**
 * The fakes themselves, spoken to with bare HTTP/2 so their protocol checks are tested independently of the client
 * libraries, and the child-process mode benchmarks and fault drills use.
 */
import { createPrivateKey, sign } from 'node:crypto';
import http2 from 'node:http2';
import { initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApnsSender } from '../../plugins/push/src/providers/apns-sender.js';
import { LoopbackAgent } from '../../plugins/push/src/providers/fcm-loopback.js';
import { FAKE_APNS_MAIN, FakeApns, spawnFake } from '../fakes/apns/index.js';
import { FakeFcm } from '../fakes/fcm/index.js';
import { apnsToken, BUNDLE_ID, itemsFor } from './support.js';

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/** One HTTP/2 request over a fresh session that trusts the fakes' CA. */
const h2 = (port: number, ca: string, authority: string, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const session = http2.connect(`https://${authority}`, {
      ca,
      host: '127.0.0.1',
      port,
      servername: authority,
    } as http2.SecureClientSessionOptions);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ...headers });
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      session.close();
      resolve({ status, headers: responseHeaders, body: text });
    });
    req.on('error', reject);
    req.end(body);
  });

const es256 = (pem: string, keyId: string, teamId: string, iat = Math.floor(Date.now() / 1000)): string => {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'ES256', kid: keyId })}.${enc({ iss: teamId, iat })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};

describe('fake APNs', () => {
  const apns = new FakeApns();
  let port: number;
  let ca: string;
  let key: { key: string; keyId: string; teamId: string };
  let bearer: string;
  const send = (headers: http2.OutgoingHttpHeaders, body = '{"aps":{"alert":"hi"}}', token = apnsToken(1)) =>
    h2(
      port,
      ca,
      'api.push.apple.com',
      { ':path': `/3/device/${token}`, authorization: `bearer ${bearer}`, 'apns-topic': BUNDLE_ID, ...headers },
      body,
    );

  beforeAll(async () => {
    ({ port, ca } = await apns.start());
    key = apns.createKey({ bundleIds: [BUNDLE_ID] });
    bearer = es256(key.key, key.keyId, key.teamId);
  });
  afterEach(() => apns.reset());
  afterAll(() => apns.stop());

  it('answers a well-formed push with 200 and an apns-id', async () => {
    const answer = await send({ 'apns-push-type': 'alert', 'apns-priority': '10' });
    expect(answer.status).toBe(200);
    expect(answer.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['no provider token', { authorization: '' }, 403, 'MissingProviderToken'],
    ['a malformed provider token', { authorization: 'bearer abc' }, 403, 'InvalidProviderToken'],
    ['no topic', { 'apns-topic': '' }, 400, 'MissingTopic'],
    ['an unknown push type', { 'apns-push-type': 'shout' }, 400, 'InvalidPushType'],
    ['priority 10 for a background push', { 'apns-push-type': 'background', 'apns-priority': '10' }, 400, 'BadPriority'],
    ['a bad expiration', { 'apns-expiration': 'tomorrow' }, 400, 'BadExpirationDate'],
    ['a collapse id over 64 bytes', { 'apns-collapse-id': 'c'.repeat(65) }, 400, 'BadCollapseId'],
    ['a bad apns-id', { 'apns-id': 'not-a-uuid' }, 400, 'BadMessageId'],
  ])('refuses %s', async (_, headers, status, reason) => {
    const answer = await send(headers as http2.OutgoingHttpHeaders);
    expect([answer.status, JSON.parse(answer.body).reason]).toEqual([status, reason]);
  });

  it('refuses an empty payload, a payload over 4 KB, and an expired provider token', async () => {
    expect(JSON.parse((await send({}, '')).body).reason).toBe('PayloadEmpty');
    expect((await send({}, JSON.stringify({ aps: { alert: 'x'.repeat(4100) } }))).status).toBe(413);
    bearer = es256(key.key, key.keyId, key.teamId, Math.floor(Date.now() / 1000) - 3700);
    try {
      expect(JSON.parse((await send({})).body).reason).toBe('ExpiredProviderToken');
    } finally {
      bearer = es256(key.key, key.keyId, key.teamId);
    }
  });

  it('survives a client that resets its stream mid-request', async () => {
    const session = http2.connect('https://api.push.apple.com', { ca, host: '127.0.0.1', port } as http2.SecureClientSessionOptions);
    session.on('error', () => {});
    const req = session.request({
      ':method': 'POST',
      ':path': `/3/device/${apnsToken(2)}`,
      authorization: `bearer ${bearer}`,
      'apns-topic': BUNDLE_ID,
    });
    req.on('error', () => {});
    req.write('{"aps":');
    req.close(http2.constants.NGHTTP2_CANCEL);
    session.destroy();
    expect((await send({})).status).toBe(200);
  });
});

describe('fake FCM', () => {
  const fcm = new FakeFcm();
  let port: number;
  let ca: string;
  let token: string;
  const send = (message: unknown, bearer = token, project = 'fake-fcm-test') =>
    h2(
      port,
      ca,
      'fcm.googleapis.com',
      { ':path': `/v1/projects/${project}/messages:send`, authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      JSON.stringify({ message }),
    );

  beforeAll(async () => {
    ({ port, ca } = await fcm.start());
    token = fcm.issueAccessToken('fake-fcm-test');
  });
  afterEach(() => fcm.reset());
  afterAll(() => fcm.stop());

  it('answers a valid message with its name', async () => {
    const answer = await send({ token: 't1', notification: { title: 'Hi' }, data: { a: 'b' } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).name).toMatch(/^projects\/fake-fcm-test\/messages\//);
  });

  it('refuses a missing or unknown bearer with 401 and another project with 403', async () => {
    expect((await send({ token: 't' }, 'nope')).status).toBe(401);
    const other = await send({ token: 't' }, token, 'someone-else');
    expect([other.status, JSON.parse(other.body).error.status]).toEqual([403, 'PERMISSION_DENIED']);
  });

  it.each([
    ['non-string data', { token: 't', data: { n: 1 } }, 'message.data[n]'],
    ['two targets', { token: 't', topic: 'news' }, 'message'],
    ['no target', { notification: { title: 'x' } }, 'message'],
    ['an unknown field', { token: 't', priority: 'high' }, 'message'],
    ['a bad Android TTL', { token: 't', android: { ttl: '10 minutes' } }, 'message.android.ttl'],
    ['a bad Android priority', { token: 't', android: { priority: 'urgent' } }, 'message.android.priority'],
  ])('refuses %s with the INVALID_ARGUMENT envelope', async (_, message, field) => {
    const answer = await send(message);
    const error = JSON.parse(answer.body).error;
    expect(answer.status).toBe(400);
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details).toContainEqual({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' });
    expect(error.details[1].fieldViolations[0].field).toBe(field);
  });

  it('refuses a token grant whose assertion is not signed by the service account', async () => {
    const account = fcm.createServiceAccount('fake-fcm-grant');
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${enc({ alg: 'RS256' })}.${enc({ iss: account.client_email, aud: 'https://oauth2.googleapis.com/token', scope: 'https://www.googleapis.com/auth/firebase.messaging', iat: now, exp: now + 3600 })}`;
    const grant = (signature: string) =>
      h2(
        port,
        ca,
        'oauth2.googleapis.com',
        { ':path': '/token', 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${input}.${signature}` }).toString(),
      );
    const good = await grant(sign('sha256', Buffer.from(input), createPrivateKey(account.private_key)).toString('base64url'));
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).access_token).toMatch(/^ya29\./);
    const bad = await grant(Buffer.from('forged').toString('base64url'));
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, 'invalid_grant']);
  });

  it("also serves firebase-admin's HTTP/1.1 send() through httpAgent", async () => {
    const agent = new LoopbackAgent({ host: '127.0.0.1', port, ca });
    const app = initializeApp(
      {
        credential: { getAccessToken: async () => ({ access_token: token, expires_in: 3600 }) },
        projectId: 'fake-fcm-test',
        httpAgent: agent,
      },
      'fakes-test-h1',
    );
    const name = await getMessaging(app).send({ token: 'h1-token', notification: { title: 'Hi' } });
    expect(name).toMatch(/^projects\/fake-fcm-test\/messages\//);
    expect(fcm.received('h1-token')[0].message?.httpVersion).toBe('1.1');
    agent.destroy();
  });
});

describe('fakes in a child process', () => {
  it('starts the fake APNs in its own process, controls it over IPC and stops it', async () => {
    const child = await spawnFake<FakeApns>(FAKE_APNS_MAIN);
    try {
      const key = await child.remote.createKey({ bundleIds: [BUNDLE_ID] });
      await child.remote.setTokenOutcome(apnsToken(2), 'Unregistered');
      const sender = createApnsSender({ loopback: child.endpoint });
      const results = await sender.send(
        { ...key, bundleId: BUNDLE_ID, production: true },
        itemsFor('ios', [apnsToken(1), apnsToken(2)], { title: 'Hi' }),
      );
      expect(results.map((r) => r.status)).toEqual(['delivered', 'unregistered']);
      await sender.close();
      expect(await child.remote.stats()).toMatchObject({ requests: 2, delivered: 1 });
      expect((await child.remote.received(apnsToken(1)))[0].message?.authority).toBe('api.push.apple.com');
    } finally {
      await child.stop();
    }
    expect(child.child.exitCode).toBe(0);
  });
});
