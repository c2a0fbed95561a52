/**
 * @module Sets up what the soak's traffic needs, through the HTTP APIs only: an organization, an app, a key, a plan
 * without practical limits and a subscription for each asset (admin API); FCM credentials and devices for push; the
 * dPaaS catalogue; and the seeded notes, sends and instances the mix starts from.
 */
import { serviceAccountFor } from '../support/service-account.js';
import type { SoakClient, SoakRequest } from './soak-client.js';
import type { MixSeed } from './traffic-mix.js';

export const ASSETS = ['notes', 'push', 'dpaas'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Body = Record<string, unknown> & { id?: unknown; items?: Body[] };

/** Runs `fn(0..count-1)` with at most `lanes` at a time. */
const inLanes = async (count: number, lanes: number, fn: (i: number) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
};

export interface Provisioned extends MixSeed {
  appId: string;
}

export const provision = async (
  client: SoakClient,
  adminToken: string,
  { readNotes = 100, deletableNotes = 100, devices = 20, sends = 20, instances = 30 } = {},
): Promise<Provisioned> => {
  const expect = async (want: number, r: SoakRequest): Promise<Body> => {
    const a = await client.call(r);
    if (a.status !== want) throw new Error(`${r.method} ${r.path}: expected ${want}, got ${a.status} ${a.error ?? a.text.slice(0, 500)}`);
    return a.text ? (JSON.parse(a.text) as Body) : {};
  };
  const admin = (method: string, path: string, body?: unknown) =>
    expect(method === 'POST' ? 201 : 200, { method, path: `/admin/v1${path}`, body, headers: { authorization: `Bearer ${adminToken}` } });

  const org = await admin('POST', '/organizations', { name: 'Soak', kind: 'business' });
  const app = await admin('POST', '/apps', { orgId: org.id, name: 'soak' });
  const appId = String(app.id);
  const { key } = (await admin('POST', `/apps/${appId}/keys`, { name: 'soak' })) as { key: string };
  for (const assetId of ASSETS) {
    // No perSecond, perMinute, monthlyQuota or asset limits: nothing the soak could reach.
    const plan = await admin('POST', '/plans', { assetId, name: `soak-${assetId}` });
    await admin('POST', '/subscriptions', { appId, planId: plan.id });
  }
  const auth = { authorization: `Bearer ${key}` };
  // The gate learns of the new key and subscriptions on its next read; wait until every asset serves the key.
  for (const path of ['/api/notes/notes?limit=1', '/api/push/credentials', '/dpaas/v1/zones']) {
    for (let tries = 0; ; tries++) {
      const a = await client.call({ method: 'GET', path, headers: auth });
      if (a.status === 200) break;
      if (tries > 100) throw new Error(`GET ${path} with the new key: ${a.status} ${a.text.slice(0, 300)}`);
      await sleep(100);
    }
  }

  // Push: FCM credentials (the simulator delivers; the upload exercises the encrypted store) and the devices.
  const serviceAccount = serviceAccountFor('soak-project');
  await expect(200, { method: 'PUT', path: '/api/push/credentials/fcm', headers: auth, body: { serviceAccount } });
  const deviceIds: string[] = [];
  for (let i = 0; i < devices; i++) {
    const ios = i % 2 === 1;
    const d = await expect(201, {
      method: 'POST',
      path: '/api/push/devices',
      headers: auth,
      body: {
        platform: ios ? 'ios' : 'android',
        token: ios ? (0x50a4 + i).toString(16).padStart(64, '0') : `soak-pixel-${i}`,
        userId: `u${i % 5}`,
      },
    });
    deviceIds.push(String(d.id));
  }

  // dPaaS: the catalogue the instances are made from.
  const zones = (await expect(200, { method: 'GET', path: '/dpaas/v1/zones', headers: auth })).items ?? [];
  const zone = zones.find((z) => z.available) ?? zones[0];
  const offerings = (await expect(200, { method: 'GET', path: '/dpaas/v1/offerings', headers: auth })).items ?? [];
  const offering = [...offerings].sort((a, b) => Number(a.vcpus) - Number(b.vcpus))[0];
  const templates = (await expect(200, { method: 'GET', path: '/dpaas/v1/templates', headers: auth })).items ?? [];
  const template = templates.find((t) => t.status === 'ready' && (t.zoneId === null || t.zoneId === zone?.id));
  if (!zone || !offering || !template) throw new Error('the dPaaS catalogue has no zone, offering or ready template');
  const catalogue = { zoneId: String(zone.id), offeringId: String(offering.id), templateId: String(template.id) };

  // The seed: notes, sends and instances the first calls of the mix can use.
  const note = (i: number) =>
    expect(201, { method: 'POST', path: '/api/notes/notes', headers: auth, body: { title: `seed ${i}`, text: 'seeded', tags: ['seed'] } });
  const read: number[] = [];
  const deletable: number[] = [];
  await inLanes(readNotes + deletableNotes, 8, async (i) => {
    const id = Number((await note(i)).id);
    (i < readNotes ? read : deletable).push(id);
  });
  const sent: string[] = [];
  await inLanes(sends, 4, async (i) => {
    const s = await expect(202, {
      method: 'POST',
      path: '/api/push/sends',
      headers: { ...auth, 'idempotency-key': `soak-seed-${process.pid}-${i}` },
      body: { target: { deviceIds: [deviceIds[i % devices]] }, notification: { title: 'seed' } },
    });
    sent.push(String(s.id));
  });
  const made: { id: string; at: number }[] = [];
  await inLanes(instances, 4, async (i) => {
    const op = await expect(202, {
      method: 'POST',
      path: '/dpaas/v1/instances',
      headers: { ...auth, 'idempotency-key': `soak-seed-vm-${process.pid}-${i}` },
      body: { name: `seed-${i}`, ...catalogue },
    });
    made.push({ id: String((op.resource as Body).id), at: performance.now() });
  });
  return { appId, key, readNotes: read, deletableNotes: deletable, sends: sent, instances: made, devices: deviceIds, catalogue };
};
