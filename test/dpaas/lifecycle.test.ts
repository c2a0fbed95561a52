/**
 * The dPaaS API through the real platform, on SQLite and MariaDB, against the simulator and against the fake
 * CloudStack server: catalogue, key pairs, firewall groups and rules, an instance's whole life (202 and operation
 * polling at each step, idempotent start and stop), snapshots, templates, tags, history and cursor pagination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from '../support/backends.js';
import { accepted, type Body, type DpaasHarness, type DriverKind, done, eventually, json, startDpaas, waitOperation } from './support.js';

const backends = await availableBackends();
const cases = backends.flatMap((backend) => (['simulator', 'cloudstack'] as DriverKind[]).map((driver) => ({ backend, driver })));

/** An OpenSSH public key (RFC 8709 test key). */
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE test@example';

describe.each(cases)('dpaas lifecycle on $backend.name with the $driver driver', ({ backend, driver }) => {
  let h: DpaasHarness;
  const call = (method: string, path: string, init?: { json?: unknown; headers?: Record<string, string> }) =>
    json(h.platform, method, path, init);
  const state = async (id: string) => (await call('GET', `/instances/${id}`)).body.state;
  let instanceId: string;
  let groupId: string;

  beforeAll(async () => {
    h = await startDpaas(backend, driver);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('applied the migration and serves the catalogue', async () => {
    expect(h.platform.migrationsApplied).toContain('dpaas/001-create-tables');
    const zones = await call('GET', '/zones');
    expect(zones.status).toBe(200);
    expect(zones.body.items.map((z: Body) => z.id)).toContain(h.catalogue.zoneId);
    const offerings = (await call('GET', '/offerings')).body.items;
    expect(offerings.find((o: Body) => o.id === h.catalogue.bigOfferingId)).toMatchObject({ vcpus: 2, memoryMb: 4096 });
    const templates = (await call('GET', '/templates?owner=public')).body.items;
    expect(templates.find((t: Body) => t.id === h.catalogue.templateId)).toMatchObject({ public: true, status: 'ready', tags: {} });
  });

  it('creates a key pair (the private key once) and imports one', async () => {
    const created = await call('POST', '/key-pairs', { json: { name: 'deploy' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body.privateKey).toMatch(/^-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----/);
    expect(created.body.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const again = await call('GET', '/key-pairs/deploy');
    expect(again.body).toEqual({ name: 'deploy', fingerprint: created.body.fingerprint, createdAt: created.body.createdAt });
    expect(JSON.stringify(again.body)).not.toContain('PRIVATE');

    const imported = await call('POST', '/key-pairs/import', { json: { name: 'laptop', publicKey: PUBLIC_KEY } });
    expect(imported.status).toBe(201);
    expect(imported.body).not.toHaveProperty('privateKey');
    expect((await call('POST', '/key-pairs', { json: { name: 'laptop' } })).body.code).toBe('ALREADY_EXISTS');
    expect((await call('GET', '/key-pairs')).body.items.map((k: Body) => k.name)).toEqual(['deploy', 'laptop']);
    expect((await call('DELETE', '/key-pairs/laptop')).status).toBe(204);
    expect((await call('GET', '/key-pairs/laptop')).status).toBe(404);
  });

  it('makes a firewall group and adds, lists and revokes ingress rules through operations', async () => {
    const group = await call('POST', '/firewall-groups', { json: { name: 'web', description: 'http in' } });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ name: 'web', description: 'http in', rules: [] });
    groupId = group.body.id;

    const added = await done(h.platform, 'POST', `/firewall-groups/${groupId}/rules`, {
      json: { protocol: 'tcp', startPort: 80, endPort: 443, cidr: '0.0.0.0/0' },
    });
    // Once done, the operation names the rule it made.
    expect(added.resource.type).toBe('firewall-rule');
    const ssh = await done(h.platform, 'POST', `/firewall-groups/${groupId}/rules`, {
      json: { protocol: 'tcp', startPort: 22, endPort: 22, cidr: '203.0.113.0/24' },
    });
    const rules = (await call('GET', `/firewall-groups/${groupId}/rules`)).body.items;
    expect(rules.map((r: Body) => [r.id, r.startPort, r.endPort, r.cidr])).toEqual(
      expect.arrayContaining([
        [added.resource.id, 80, 443, '0.0.0.0/0'],
        [ssh.resource.id, 22, 22, '203.0.113.0/24'],
      ]),
    );
    await done(h.platform, 'DELETE', `/firewall-groups/${groupId}/rules/${ssh.resource.id}`);
    expect((await call('GET', `/firewall-groups/${groupId}`)).body.rules.map((r: Body) => r.id)).toEqual([added.resource.id]);
    expect((await call('DELETE', `/firewall-groups/${groupId}/rules/${ssh.resource.id}`)).status).toBe(404);
    expect((await call('GET', '/firewall-groups')).body.items.map((g: Body) => g.name)).toEqual(['web']);
  });

  it('creates an instance: 202 with an operation, pending at once, running when the operation succeeds', async () => {
    const c = h.catalogue;
    const answer = await call('POST', '/instances', {
      json: {
        name: 'web-1',
        zoneId: c.zoneId,
        offeringId: c.smallOfferingId,
        templateId: c.templateId,
        keyPair: 'deploy',
        firewallGroupIds: [groupId],
        userData: '#cloud-config\npackages: [nginx]\n',
        tags: { env: 'prod', team: 'web' },
      },
    });
    const op = accepted(answer);
    expect(op).toMatchObject({ type: 'instance.create', status: 'pending', error: null, completedAt: null });
    instanceId = op.resource.id;
    expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);

    const early = await call('GET', `/instances/${instanceId}`);
    expect(early.status).toBe(200);
    expect(['pending', 'running']).toContain(early.body.state);

    const finished = await waitOperation(h.platform, op.id);
    expect(finished).toMatchObject({ status: 'succeeded', error: null, resource: { type: 'instance', id: instanceId } });
    expect(finished.completedAt).not.toBeNull();
    const inst = (await call('GET', `/instances/${instanceId}`)).body;
    expect(inst).toMatchObject({
      id: instanceId,
      name: 'web-1',
      state: 'running',
      zoneId: c.zoneId,
      offeringId: c.smallOfferingId,
      vcpus: 1,
      keyPair: 'deploy',
      firewallGroupIds: [groupId],
      tags: { env: 'prod', team: 'web' },
      removedAt: null,
    });
    expect(inst.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    if (h.cs) {
      // At the provider the host name is the platform's id, and the key pair and group names carry the app.
      const vm = [...h.cs.state.vms.values()].find((v) => v.name === instanceId) as Body;
      expect(vm).toMatchObject({ displayname: 'web-1', state: 'Running' });
      expect(vm.keypair).toBe(`sb-${h.platform.testApp?.appId}-deploy`);
    }
  });

  it('stops (forced), then stopping again succeeds at once; starts, then starting again succeeds at once', async () => {
    const stop = accepted(await call('POST', `/instances/${instanceId}/stop`, { json: { force: true } }));
    expect(stop.type).toBe('instance.stop');
    expect(['stopping', 'stopped']).toContain(await state(instanceId));
    expect((await waitOperation(h.platform, stop.id)).status).toBe('succeeded');
    expect(await state(instanceId)).toBe('stopped');

    const again = accepted(await call('POST', `/instances/${instanceId}/stop`));
    expect(again).toMatchObject({ status: 'succeeded', error: null });

    await done(h.platform, 'POST', `/instances/${instanceId}/start`);
    expect(await state(instanceId)).toBe('running');
    expect(accepted(await call('POST', `/instances/${instanceId}/start`)).status).toBe('succeeded');
  });

  it('reboots a running instance and refuses to reboot a stopped one with 409 INVALID_STATE', async () => {
    await done(h.platform, 'POST', `/instances/${instanceId}/reboot`);
    expect(await state(instanceId)).toBe('running');
    await done(h.platform, 'POST', `/instances/${instanceId}/stop`);
    const refused = await call('POST', `/instances/${instanceId}/reboot`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'INVALID_STATE', details: { reason: 'invalid-state' } });
    // The app knows the instance by the platform's id, not the provider's.
    expect(refused.body.detail).toContain(instanceId);
  });

  it('resizes to another offering', async () => {
    await done(h.platform, 'POST', `/instances/${instanceId}/resize`, { json: { offeringId: h.catalogue.bigOfferingId } });
    expect((await call('GET', `/instances/${instanceId}`)).body).toMatchObject({
      offeringId: h.catalogue.bigOfferingId,
      vcpus: 2,
      memoryMb: 4096,
    });
  });

  it('snapshots the instance, reverts it while stopped (not while running), and makes templates from a snapshot and from the instance', async () => {
    const taken = await done(h.platform, 'POST', '/snapshots', { json: { instanceId, type: 'volume', name: 'before-upgrade' } });
    const snapshotId = taken.resource.id;
    const snap = (await call('GET', `/snapshots/${snapshotId}`)).body;
    expect(snap).toMatchObject({ id: snapshotId, type: 'volume', name: 'before-upgrade', instanceId, state: 'ready', policy: null });
    const whole = await done(h.platform, 'POST', '/snapshots', { json: { instanceId, type: 'instance' } });
    const listed = (await call('GET', `/snapshots?instanceId=${instanceId}`)).body.items;
    expect(listed.map((s: Body) => s.id).sort()).toEqual([snapshotId, whole.resource.id].sort());
    expect((await call('GET', `/snapshots?type=instance`)).body.items.map((s: Body) => s.id)).toEqual([whole.resource.id]);

    await done(h.platform, 'POST', `/snapshots/${snapshotId}/revert`);
    expect(await state(instanceId)).toBe('stopped');

    const fromSnapshot = await done(h.platform, 'POST', `/snapshots/${snapshotId}/template`, { json: { name: 'golden' } });
    const fromInstance = await done(h.platform, 'POST', `/instances/${instanceId}/template`, { json: { name: 'web-image' } });
    const own = await eventually(async () => {
      const items = (await call('GET', '/templates?owner=self')).body.items;
      expect(items.map((t: Body) => [t.name, t.status, t.public]).sort()).toEqual([
        ['golden', 'ready', false],
        ['web-image', 'ready', false],
      ]);
      return items;
    });
    expect(own.map((t: Body) => t.id).sort()).toEqual([fromSnapshot.resource.id, fromInstance.resource.id].sort());
    expect((await call('POST', `/snapshots/${whole.resource.id}/template`, { json: { name: 'x' } })).body.code).toBe(
      'UNSUPPORTED_OPERATION',
    );

    await done(h.platform, 'POST', `/instances/${instanceId}/start`);
    const running = await call('POST', `/snapshots/${snapshotId}/revert`);
    expect([running.status, running.body.code]).toEqual([409, 'INVALID_STATE']);

    await done(h.platform, 'DELETE', `/snapshots/${whole.resource.id}`);
    expect((await call('GET', `/snapshots/${whole.resource.id}`)).status).toBe(404);
  });

  it('registers a template from a URL (pending, then ready), tags it, deploys from it and deletes it', async () => {
    const reg = await call('POST', '/templates', {
      json: { name: 'alpine', url: 'https://images.example.com/alpine.qcow2', format: 'QCOW2' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ name: 'alpine', public: false, status: 'pending' });
    const id = reg.body.id;
    await eventually(async () => expect((await call('GET', `/templates/${id}`)).body.status).toBe('ready'));
    await done(h.platform, 'PUT', `/templates/${id}/tags`, { json: { tags: { os: 'alpine' } } });
    expect((await call('GET', `/templates/${id}`)).body.tags).toEqual({ os: 'alpine' });
    expect((await call('GET', '/tags?resourceType=template')).body.items).toEqual([
      { resourceType: 'template', resourceId: id, key: 'os', value: 'alpine' },
    ]);
    const c = h.catalogue;
    const deployed = await call('POST', '/instances', {
      json: { name: 'from-own', zoneId: c.zoneId, offeringId: c.smallOfferingId, templateId: id, start: false },
    });
    const op = await waitOperation(h.platform, accepted(deployed).id);
    expect(op.status).toBe('succeeded');
    expect(await state(op.resource.id)).toBe('stopped');
    await done(h.platform, 'DELETE', `/instances/${op.resource.id}?expunge=true`);

    await done(h.platform, 'DELETE', `/templates/${id}`);
    expect((await call('GET', `/templates/${id}`)).status).toBe(404);
    const publicOne = await call('DELETE', `/templates/${c.templateId}`);
    expect([publicOne.status, publicOne.body.code]).toEqual([403, 'NOT_ALLOWED']);
  });

  it('sets and removes instance tags through operations, and lists by tag, state and name a page at a time', async () => {
    await done(h.platform, 'PUT', `/instances/${instanceId}/tags`, { json: { tags: { env: 'staging', owner: 'ops' } } });
    expect((await call('GET', `/instances/${instanceId}`)).body.tags).toEqual({ env: 'staging', team: 'web', owner: 'ops' });
    await done(h.platform, 'DELETE', `/instances/${instanceId}/tags/team`);
    expect((await call('GET', `/instances/${instanceId}`)).body.tags).toEqual({ env: 'staging', owner: 'ops' });
    expect((await call('DELETE', `/instances/${instanceId}/tags/team`)).status).toBe(404);

    const c = h.catalogue;
    for (const name of ['batch-1', 'batch-2', 'batch-3'])
      accepted(
        await call('POST', '/instances', {
          json: { name, zoneId: c.zone2Id, offeringId: c.smallOfferingId, templateId: c.templateId, tags: { role: 'batch' } },
        }),
      );
    const byTag = (await call('GET', '/instances?tag=env=staging')).body;
    expect(byTag.items.map((i: Body) => i.id)).toEqual([instanceId]);
    expect((await call('GET', '/instances?tag=owner&tag=env=prod')).body.items).toEqual([]);
    expect((await call('GET', '/instances?name=web-1')).body.items.map((i: Body) => i.id)).toEqual([instanceId]);
    expect((await call('GET', `/instances?zoneId=${c.zone2Id}&tag=role=batch`)).body.items).toHaveLength(3);

    // Newest first, two at a time, every instance once.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Body = (await call('GET', `/instances?tag=role=batch&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i: Body) => i.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect([pages, seen]).toEqual([2, ['batch-3', 'batch-2', 'batch-1']]);
    await eventually(async () => expect((await call('GET', '/instances?state=running&tag=role=batch')).body.items).toHaveLength(3));
  });

  it('destroys (recoverable), recovers stopped, then destroys for good: deleting, then removed', async () => {
    await done(h.platform, 'DELETE', `/instances/${instanceId}`);
    expect(await state(instanceId)).toBe('deleted');
    await done(h.platform, 'POST', `/instances/${instanceId}/recover`);
    expect(await state(instanceId)).toBe('stopped');
    await done(h.platform, 'DELETE', `/instances/${instanceId}?expunge=true`);
    const gone = await eventually(async () => {
      const inst = (await call('GET', `/instances/${instanceId}`)).body;
      expect(inst.removedAt).not.toBeNull();
      return inst;
    });
    expect(gone.state).toBe('deleted');
    const late = await call('POST', `/instances/${instanceId}/recover`);
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('keeps the instance’s history, newest first, every change made through the API', async () => {
    const events = (await call('GET', `/instances/${instanceId}/events?limit=100`)).body;
    expect(events.nextCursor).toBeNull();
    const story = [...events.items].reverse();
    expect(story[0]).toMatchObject({ type: 'created', source: 'api', toState: 'pending' });
    expect(story.every((e: Body) => e.source === 'api')).toBe(true);
    const states = story.filter((e: Body) => e.type === 'state-changed').map((e: Body) => e.toState);
    expect(states).toEqual(expect.arrayContaining(['running', 'stopping', 'stopped', 'pending', 'deleted']));
    expect(story.some((e: Body) => e.type === 'resized')).toBe(true);
    expect(story.at(-1)).toMatchObject({ type: 'removed', toState: 'deleted' });

    const firstPage = (await call('GET', `/instances/${instanceId}/events?limit=3`)).body;
    expect(firstPage.items.map((e: Body) => e.id)).toEqual(events.items.slice(0, 3).map((e: Body) => e.id));
    const second = (await call('GET', `/instances/${instanceId}/events?limit=3&cursor=${firstPage.nextCursor}`)).body;
    expect(second.items.map((e: Body) => e.id)).toEqual(events.items.slice(3, 6).map((e: Body) => e.id));
  });

  it('lists the app’s operations, newest first, filtered by status and resource', async () => {
    const ops = (await call('GET', `/operations?resourceId=${instanceId}&limit=100`)).body.items;
    expect(ops.length).toBeGreaterThanOrEqual(10);
    expect(ops.at(-1).type).toBe('instance.create');
    expect(ops.every((o: Body) => o.status === 'succeeded')).toBe(true);
    expect((await call('GET', '/operations?status=failed')).body.items).toEqual([]);
  });

  it('deletes a firewall group only once no instance uses it', async () => {
    // The expunged instance no longer holds it; an instance in the group would make this 409 RESOURCE_IN_USE.
    const blocker = await call('POST', '/firewall-groups', { json: { name: 'in-use' } });
    const c = h.catalogue;
    const op = await waitOperation(
      h.platform,
      accepted(
        await call('POST', '/instances', {
          json: {
            name: 'holder',
            zoneId: c.zoneId,
            offeringId: c.smallOfferingId,
            templateId: c.templateId,
            firewallGroupIds: [blocker.body.id],
          },
        }),
      ).id,
    );
    const refused = await call('DELETE', `/firewall-groups/${blocker.body.id}`);
    expect([refused.status, refused.body.code]).toEqual([409, 'RESOURCE_IN_USE']);
    await done(h.platform, 'DELETE', `/instances/${op.resource.id}?expunge=true`);
    await eventually(async () => expect((await call('DELETE', `/firewall-groups/${blocker.body.id}`)).status).toBe(204));
  });
});
