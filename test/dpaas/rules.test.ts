/**
 * What the dPaaS API guarantees besides the happy path, on SQLite and MariaDB (simulator driver): Idempotency-Key
 * retries (sequential and concurrent), tenancy (another app's key gets 404 on every instance route), the plan's
 * limits (403 QUOTA_EXCEEDED, exact under concurrency), validation (400 with pointers) and provider failures
 * surfacing in operations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from '../support/backends.js';
import { accepted, type Body, type DpaasHarness, done, json, otherApp, runningInstance, startDpaas, waitOperation } from './support.js';

const backends = await availableBackends();

describe.each(backends)('dpaas rules on $name', (backend) => {
  let h: DpaasHarness;
  const call = (method: string, path: string, init?: { json?: unknown; headers?: Record<string, string> }) =>
    json(h.platform, method, path, init);
  const newInstance = (name: string, extra: object = {}) => ({
    name,
    zoneId: h.catalogue.zoneId,
    offeringId: h.catalogue.smallOfferingId,
    templateId: h.catalogue.templateId,
    ...extra,
  });

  beforeAll(async () => {
    // Zone 2 has no capacity, to see a provider failure end an operation.
    h = await startDpaas(backend, 'simulator', { failingZones: ['sim-zone-2'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('Idempotency-Key', () => {
    it('answers a retry with the same operation and instance, and creates nothing more', async () => {
      const headers = { 'idempotency-key': 'create-web-7f3a' };
      const first = accepted(await call('POST', '/instances', { headers, json: newInstance('idem-1', { tags: { a: '1' } }) }));
      const finished = await waitOperation(h.platform, first.id);
      // The same request, keys in another order.
      const retry = await call('POST', '/instances', { headers, json: { tags: { a: '1' }, ...newInstance('idem-1') } });
      expect(retry.status).toBe(202);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toEqual(finished);
      expect((await call('GET', '/instances?name=idem-1')).body.items.map((i: Body) => i.id)).toEqual([first.resource.id]);
    });

    it('refuses the key for a different request with 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const headers = { 'idempotency-key': 'create-web-7f3a' };
      const other = await call('POST', '/instances', { headers, json: newInstance('idem-2') });
      expect([other.status, other.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
      expect((await call('GET', '/instances?name=idem-2')).body.items).toEqual([]);
    });

    it('creates one instance when retries race each other', async () => {
      const headers = { 'idempotency-key': 'race-1' };
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => call('POST', '/instances', { headers, json: newInstance('racer') })),
      );
      const ok = answers.filter((a) => a.status === 202);
      // A retry that arrives while the first is still talking to the provider is told to retry.
      for (const a of answers.filter((x) => x.status !== 202)) expect([a.status, a.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_USE']);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ok.map((a) => a.body.id)).size).toBe(1);
      expect((await call('GET', '/instances?name=racer')).body.items).toHaveLength(1);
      const late = await call('POST', '/instances', { headers, json: newInstance('racer') });
      expect([late.status, late.body.id]).toEqual([202, ok[0].body.id]);
    });

    it('keys are per app: another app with the same key gets its own instance', async () => {
      const other = await otherApp(h.platform, 'idem-other');
      const mine = await call('POST', '/instances', { headers: { 'idempotency-key': 'shared-key' }, json: newInstance('shared') });
      const theirs = await call('POST', '/instances', {
        headers: { ...other.headers, 'idempotency-key': 'shared-key' },
        json: newInstance('shared'),
      });
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect(theirs.body.resource.id).not.toBe(mine.body.resource.id);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });

    it('also makes snapshot creation safe to retry', async () => {
      const id = await runningInstance(h, 'snap-idem');
      const headers = { 'idempotency-key': 'snap-1' };
      const first = accepted(await call('POST', '/snapshots', { headers, json: { instanceId: id } }));
      const again = await call('POST', '/snapshots', { headers, json: { instanceId: id } });
      expect([again.status, again.body.id]).toEqual([202, first.id]);
      await waitOperation(h.platform, first.id);
      expect((await call('GET', `/snapshots?instanceId=${id}`)).body.items).toHaveLength(1);
    });
  });

  describe('tenancy', () => {
    it('gives another app’s key 404 on every instance route, and shows it none of this app’s resources', async () => {
      const id = await runningInstance(h, 'private-1');
      const snap = await done(h.platform, 'POST', '/snapshots', { json: { instanceId: id } });
      await call('POST', '/key-pairs', { json: { name: 'mine' } });
      const group = (await call('POST', '/firewall-groups', { json: { name: 'mine' } })).body;
      const op = (await call('GET', `/operations?resourceId=${id}`)).body.items[0];
      const other = await otherApp(h.platform, 'rival');

      const bodies: Record<string, unknown> = {
        resizeInstance: { offeringId: h.catalogue.bigOfferingId },
        stopInstance: { force: true },
        setInstanceTags: { tags: { x: 'y' } },
        createTemplateFromInstance: { name: 'stolen' },
        putSnapshotPolicy: { retention: 2 },
      };
      const dpaas = h.platform.plugins.find((p) => p.prepared.meta.id === 'dpaas');
      const routes = (dpaas?.prepared.operations ?? []).filter((o) => o.path.includes('{instanceId}'));
      expect(routes.length).toBeGreaterThanOrEqual(14);
      for (const route of routes) {
        const path = route.path.replace('{instanceId}', id).replace('{key}', 'env').replace('{frequency}', 'daily');
        const res = await json(h.platform, route.method.toUpperCase(), path, { headers: other.headers, json: bodies[route.operationId] });
        expect([route.operationId, res.status, res.body?.code]).toEqual([route.operationId, 404, 'NOT_FOUND']);
      }
      const as = { headers: other.headers };
      expect((await call('POST', '/snapshots', { ...as, json: { instanceId: id } })).status).toBe(404);
      expect((await call('GET', `/snapshots/${snap.resource.id}`, as)).status).toBe(404);
      expect((await call('DELETE', `/snapshots/${snap.resource.id}`, as)).status).toBe(404);
      expect((await call('GET', `/operations/${op.id}`, as)).status).toBe(404);
      expect((await call('GET', `/firewall-groups/${group.id}`, as)).status).toBe(404);
      expect((await call('GET', '/key-pairs/mine', as)).status).toBe(404);
      expect((await call('GET', '/instances', as)).body.items).toEqual([]);
      expect((await call('GET', '/snapshots', as)).body.items).toEqual([]);
      expect((await call('GET', '/firewall-groups', as)).body.items).toEqual([]);
      expect((await call('GET', '/operations', as)).body.items).toEqual([]);
      // Nor can it launch into this app's group or with its key pair.
      const borrow = await call('POST', '/instances', {
        ...as,
        json: newInstance('borrow', { firewallGroupIds: [group.id], keyPair: 'mine' }),
      });
      expect([borrow.status, borrow.body.details?.pointer]).toEqual([400, '/body/keyPair']);
      // The owner still sees everything.
      expect((await call('GET', `/instances/${id}`)).body.state).toBe('running');
    });

    it('keeps two apps’ same-named key pairs and default groups apart at the provider', async () => {
      const other = await otherApp(h.platform, 'twin');
      const a = await call('POST', '/key-pairs', { json: { name: 'ci' } });
      const b = await call('POST', '/key-pairs', { headers: other.headers, json: { name: 'ci' } });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.fingerprint).not.toBe(b.body.fingerprint);
      const mine = (await call('GET', `/instances/${await runningInstance(h, 'grp-a')}`)).body.firewallGroupIds;
      const theirs = (await call('GET', `/instances/${await runningInstance(h, 'grp-b', other.headers)}`, { headers: other.headers })).body
        .firewallGroupIds;
      expect(mine).toHaveLength(1);
      expect(theirs).toHaveLength(1);
      expect(mine[0]).not.toBe(theirs[0]);
      expect((await call('GET', '/firewall-groups', { headers: other.headers })).body.items.map((g: Body) => g.name)).toEqual(['default']);
    });
  });

  describe('plan limits', () => {
    it('refuses what would exceed instances, vcpus, memoryMb or snapshots with 403 QUOTA_EXCEEDED', async () => {
      const app = await otherApp(h.platform, 'small-plan', { instances: 2, vcpus: 3, memoryMb: 5000, snapshots: 1 });
      const as = { headers: app.headers };
      const first = await runningInstance(h, 'q-1', app.headers);
      const second = await runningInstance(h, 'q-2', app.headers);
      const third = await call('POST', '/instances', { ...as, json: newInstance('q-3') });
      expect(third.status).toBe(403);
      expect(third.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'instances', max: 2, used: 2, requested: 1 } });

      // Medium is 2 vCPU and 4096 MB: vCPUs would fit (3 of 3), memory would not (1024 + 4096 > 5000).
      const resize = await call('POST', `/instances/${first}/resize`, { ...as, json: { offeringId: h.catalogue.bigOfferingId } });
      expect(resize.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'memoryMb', max: 5000, used: 2048, requested: 3072 } });
      expect((await call('GET', `/instances/${first}`, as)).body.vcpus).toBe(1);

      // A destroyed instance frees its share; recovering it needs the share back.
      await done(h.platform, 'DELETE', `/instances/${second}`, as);
      const replacement = await runningInstance(h, 'q-3', app.headers);
      const recover = await call('POST', `/instances/${second}/recover`, as);
      expect(recover.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'instances' } });
      expect((await call('GET', `/instances/${second}`, as)).body.state).toBe('deleted');

      await done(h.platform, 'POST', '/snapshots', { ...as, json: { instanceId: replacement } });
      const snap = await call('POST', '/snapshots', { ...as, json: { instanceId: replacement } });
      expect(snap).toMatchObject({ status: 403, body: { code: 'QUOTA_EXCEEDED', details: { limit: 'snapshots', max: 1 } } });
    });

    it('gives a reservation back when the provider refuses the action', async () => {
      const app = await otherApp(h.platform, 'refused', { vcpus: 2 });
      const id = await runningInstance(h, 'refused-1', app.headers);
      await done(h.platform, 'DELETE', `/instances/${id}`, { headers: app.headers });
      // A destroyed instance cannot be resized: the provider says so after the new size was reserved.
      const resize = await call('POST', `/instances/${id}/resize`, {
        headers: app.headers,
        json: { offeringId: h.catalogue.bigOfferingId },
      });
      expect([resize.status, resize.body.code]).toEqual([409, 'INVALID_STATE']);
      const after = (await call('GET', `/instances/${id}`, { headers: app.headers })).body;
      expect(after).toMatchObject({ state: 'deleted', vcpus: 1, memoryMb: 1024, offeringId: h.catalogue.smallOfferingId });
      const events = (await call('GET', `/instances/${id}/events`, { headers: app.headers })).body.items;
      expect(events.some((e: Body) => e.type === 'resized')).toBe(false);
      expect((await call('GET', `/operations?resourceId=${id}`, { headers: app.headers })).body.items.map((o: Body) => o.type)).toEqual([
        'instance.destroy',
        'instance.create',
      ]);
    });

    it('is exact when an app creates concurrently', async () => {
      const app = await otherApp(h.platform, 'burst', { instances: 3 });
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => call('POST', '/instances', { headers: app.headers, json: newInstance(`burst-${i}`) })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 202, 403, 403, 403, 403, 403]);
      expect((await call('GET', '/instances', { headers: app.headers })).body.items).toHaveLength(3);
    });

    it('does not count an instance whose creation failed at the provider', async () => {
      const app = await otherApp(h.platform, 'unlucky', { instances: 1 });
      const failed = accepted(
        await call('POST', '/instances', { headers: app.headers, json: newInstance('no-room', { zoneId: h.catalogue.zone2Id }) }),
      );
      const op = await waitOperation(h.platform, failed.id, { headers: app.headers });
      expect(op).toMatchObject({ status: 'failed', error: { code: 'INSUFFICIENT_CAPACITY', reason: 'capacity' } });
      expect(op.error.message).toMatch(/capacity/);
      expect((await call('GET', `/instances/${op.resource.id}`, { headers: app.headers })).body.state).toBe('error');
      await runningInstance(h, 'fits', app.headers);
    });
  });

  describe('validation', () => {
    const pointers = (body: Body) => (body.errors ?? []).map((e: Body) => e.pointer);

    it('answers 400 VALIDATION_FAILED with the failing pointers before any handler runs', async () => {
      const bad = await call('POST', '/instances', {
        json: {
          name: '-bad name',
          zoneId: 'z',
          offeringId: '',
          templateId: 't',
          userData: 'x'.repeat(24577),
          tags: { 'bad key': 'v' },
          extra: 1,
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(pointers(bad.body)).toEqual(expect.arrayContaining(['/body/name', '/body/offeringId', '/body/userData']));
      expect(pointers(bad.body).some((p: string) => p.startsWith('/body/tags'))).toBe(true);

      const missing = await call('POST', '/instances', { json: { name: 'ok' } });
      expect(missing.status).toBe(400);
      expect(JSON.stringify(missing.body.errors)).toMatch(/zoneId/);

      const path = await call('GET', '/instances/not-an-id');
      expect([path.status, pointers(path.body)]).toEqual([400, ['/path/instanceId']]);
      const header = await call('POST', '/instances', { headers: { 'idempotency-key': 'k'.repeat(256) }, json: newInstance('h') });
      expect(pointers(header.body)).toEqual(['/headers/idempotency-key']);
      const limit = await call('GET', '/instances?limit=0&state=sleeping');
      expect(pointers(limit.body).sort()).toEqual(['/query/limit', '/query/state']);
    });

    it('checks firewall rules as a whole: ports for tcp and udp only, a real CIDR', async () => {
      const group = (await call('POST', '/firewall-groups', { json: { name: 'rules' } })).body;
      const rule = (body: object) => call('POST', `/firewall-groups/${group.id}/rules`, { json: body });
      expect((await rule({ protocol: 'tcp', cidr: '0.0.0.0/0' })).status).toBe(400);
      expect((await rule({ protocol: 'icmp', startPort: 1, endPort: 2, cidr: '0.0.0.0/0' })).status).toBe(400);
      const cidr = await rule({ protocol: 'udp', startPort: 53, endPort: 53, cidr: '10.0.0.0/33' });
      expect([cidr.status, pointers(cidr.body)]).toEqual([400, ['/body/cidr']]);
      const inverted = await rule({ protocol: 'tcp', startPort: 90, endPort: 80, cidr: '2001:db8::/32' });
      expect([inverted.status, inverted.body.code]).toEqual([400, 'INVALID_PARAMETER']);
      expect(accepted(await rule({ protocol: 'icmp', icmpType: 8, icmpCode: 0, cidr: '2001:db8::/32' })).type).toBe('firewall-rule.add');
    });

    it('answers 400 INVALID_PARAMETER with the pointer when a reference names nothing the app can use', async () => {
      const cases: [object, string][] = [
        [{ offeringId: 'no-such-offering' }, '/body/offeringId'],
        [{ zoneId: 'no-such-zone' }, '/body/zoneId'],
        [{ templateId: 'no-such-template' }, '/body/templateId'],
        [{ keyPair: 'nobody' }, '/body/keyPair'],
        [{ firewallGroupIds: ['no-such-group'] }, '/body/firewallGroupIds/0'],
      ];
      for (const [extra, pointer] of cases) {
        const res = await call('POST', '/instances', { json: newInstance('refs', extra) });
        expect([res.status, res.body.code, res.body.details?.pointer]).toEqual([400, 'INVALID_PARAMETER', pointer]);
      }
      const cursor = await call('GET', '/instances?cursor=bm9wZQ');
      expect([cursor.status, cursor.body.code]).toEqual([400, 'INVALID_CURSOR']);
      const policy = await call('PUT', '/instances/i-00000000000000000/snapshot-policies/yearly', { json: { retention: 0 } });
      expect([policy.status, pointers(policy.body)]).toEqual([400, ['/path/frequency']]);
    });
  });
});
