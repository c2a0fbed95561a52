/**
 * Signed webhooks: when a send finishes, the app's endpoint gets its status, totals and the tokens it retired,
 * signed with HMAC-SHA256 over the timestamp and body; a failing endpoint is retried by the queue; the secret is
 * shown once and never logged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { checkWebhookUrl } from '../../plugins/push/src/webhooks/check-webhook-url.js';
import { signWebhook, verifyWebhook } from '../../plugins/push/src/webhooks/sign-webhook.js';
import { sqliteBackend } from '../support/backends.js';
import { api, register, settledReport, startPushPlatform, waitFor } from './platform-support.js';

interface Hit {
  signature: string;
  body: string;
}

describe('push webhooks', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  let server: Server;
  let url: string;
  const hits: Hit[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        hits.push({ signature: String(req.headers['switchboard-signature']), body });
        res.statusCode = failNext-- > 0 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/push`;
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, {});
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
    await new Promise((r) => server.close(r));
  });

  it('signs the completion event, lists the retired tokens, and retries a failing endpoint', async () => {
    const call = api(platform);
    const put = await call<{ url: string; secret: string }>('PUT', '/webhook', { url });
    expect(put.status).toBe(200);
    expect(put.body.secret).toMatch(/^whsec_/);
    const shown = await call<Record<string, unknown>>('GET', '/webhook');
    expect(shown.body).toEqual({ url, createdAt: expect.any(String), updatedAt: expect.any(String) });

    await register(platform, [
      { platform: 'android', token: 'wh-ok', userId: 'wh' },
      { platform: 'ios', token: 'wh-unregistered', userId: 'wh' },
    ]);
    failNext = 1;
    const sent = await call<{ id: string }>('POST', '/sends', { target: { userId: 'wh' }, notification: { title: 'w' } });
    const report = await settledReport(platform, sent.body.id);
    const got = await waitFor(() => hits.filter((h) => h.body.includes(sent.body.id)).length >= 2, 10_000);
    expect(got).toBe(true);

    const mine = hits.filter((h) => h.body.includes(sent.body.id));
    expect(mine).toHaveLength(2);
    const event = JSON.parse(mine[1].body);
    expect(event).toMatchObject({
      id: `evt_${sent.body.id}`,
      type: 'send.completed',
      data: {
        sendId: sent.body.id,
        status: 'completed',
        totals: report.totals,
        retiredTokens: [{ token: 'wh-unregistered', platform: 'ios', reason: 'Unregistered', deviceId: expect.stringMatching(/^dev_/) }],
      },
    });
    for (const h of mine) expect(verifyWebhook(put.body.secret, h.body, h.signature)).toBe(true);
    expect(verifyWebhook(put.body.secret, `${mine[1].body} `, mine[1].signature)).toBe(false);
    expect(verifyWebhook('whsec_wrong', mine[1].body, mine[1].signature)).toBe(false);
    expect(verifyWebhook(put.body.secret, mine[1].body, signWebhook(put.body.secret, mine[1].body, Date.now() - 3_600_000))).toBe(false);

    // Acknowledged once: the send is marked notified and no further event for it arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(hits.filter((h) => h.body.includes(sent.body.id))).toHaveLength(2);
    expect(JSON.stringify(platform.logs)).not.toContain(put.body.secret);
  });

  it('reports a cancelled send too, and stops after the webhook is deleted', async () => {
    const call = api(platform);
    await register(platform, [{ platform: 'android', token: 'wh-later', userId: 'wh-later' }]);
    const later = await call<{ id: string }>('POST', '/sends', {
      target: { userId: 'wh-later' },
      notification: { title: 'l' },
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await call('POST', `/sends/${later.body.id}/cancel`);
    const got = await waitFor(() => hits.find((h) => h.body.includes(later.body.id)), 5000);
    expect(JSON.parse(got?.body ?? '{}')).toMatchObject({ type: 'send.cancelled', data: { totals: { cancelled: 1 } } });

    expect((await call('DELETE', '/webhook')).status).toBe(204);
    expect((await call('GET', '/webhook')).status).toBe(404);
    const quiet = await call<{ id: string }>('POST', '/sends', { target: { userId: 'wh-later' }, notification: { title: 'q' } });
    await settledReport(platform, quiet.body.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(hits.some((h) => h.body.includes(quiet.body.id))).toBe(false);
  });

  it('in production refuses webhook URLs that are not https or point into private networks', () => {
    for (const bad of [
      'http://example.com/h',
      'https://127.0.0.1/h',
      'https://localhost:8443/h',
      'https://10.1.2.3/h',
      'https://169.254.169.254/latest',
      'https://[::1]/h',
      'https://192.168.0.9/h',
    ]) {
      expect(() => checkWebhookUrl(bad, true), bad).toThrow(/refused/);
    }
    expect(() => checkWebhookUrl('https://hooks.example.com/push', true)).not.toThrow();
    expect(() => checkWebhookUrl('http://127.0.0.1:9999/h', false)).not.toThrow();
  });
});
