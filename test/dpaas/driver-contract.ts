/**
 * @module The behaviour every compute driver owes the dPaaS asset, as one vitest suite run against each driver
 * (cloudstack-driver.test.ts over the fake CloudStack, simulator-driver.test.ts over the simulator). Only the
 * neutral interface is used, so a passing driver can be swapped for another without the API layer noticing.
 */
import { randomUUID } from 'node:crypto';
import { isDomainError } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Offering, Template, Zone } from '../../plugins/dpaas/src/driver/catalogue.js';
import type { ComputeDriver } from '../../plugins/dpaas/src/driver/compute-driver.js';
import { type DriverErrorReason, driverErrorReason } from '../../plugins/dpaas/src/driver/driver-error.js';
import type { CreateInstanceInput, Instance } from '../../plugins/dpaas/src/driver/instance.js';
import type { Operation, OperationResult } from '../../plugins/dpaas/src/driver/operation.js';
import { generateSshKeyPair } from '../../plugins/dpaas/src/simulator/ssh-key.js';

export interface ContractSubject {
  driver: ComputeDriver;
  hooks: {
    /** Every instance creation in this zone fails for lack of capacity. */
    failZone(zoneId: string): void;
    clearFailures(): void;
    /** The provider account's instance limit; null for none. */
    setInstanceLimit(limit: number | null): void;
    /** The HTTP method of the most recent create request, for drivers that speak HTTP. */
    lastCreateMethod?(): string | undefined;
  };
  close(): Promise<void>;
}

/** What a failed call threw: its SDK kind, stable code and neutral reason. */
const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isDomainError(e)) throw new Error(`expected a driver error, got ${e === undefined ? 'success' : String(e)}`);
  return { kind: e.kind, code: e.code, reason: driverErrorReason(e), message: e.message };
};

const expectFailure = async (p: Promise<unknown>, kind: string, reason: DriverErrorReason) => {
  const f = await failure(p);
  expect({ kind: f.kind, reason: f.reason }).toEqual({ kind, reason });
  return f;
};

const instanceOf = (r: OperationResult): Instance => {
  if (r.type !== 'instance') throw new Error(`expected an instance result, got ${r.type}`);
  return r.instance;
};

/** Polls until `check` passes (for what providers finish after the job: downloads, expunges). */
const eventually = async (check: () => Promise<void>, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
};

export const driverContract = (name: string, start: () => Promise<ContractSubject>) =>
  describe(`compute driver contract: ${name}`, () => {
    let subject: ContractSubject;
    let driver: ComputeDriver;
    let zone: Zone;
    let small: Offering;
    let bigger: Offering;
    let template: Template;
    const run = randomUUID().slice(0, 8);

    const input = (overrides: Partial<CreateInstanceInput> = {}): CreateInstanceInput => ({
      name: `vm-${run}-${randomUUID().slice(0, 6)}`,
      zoneId: zone.id,
      offeringId: small.id,
      templateId: template.id,
      ...overrides,
    });
    const create = async (overrides: Partial<CreateInstanceInput> = {}) =>
      instanceOf(await driver.waitForOperation(await driver.createInstance(input(overrides))));
    const act = async (op: Promise<Operation>) => instanceOf(await driver.waitForOperation(await op));

    beforeAll(async () => {
      subject = await start();
      driver = subject.driver;
      [zone] = await driver.listZones();
      const offerings = (await driver.listOfferings()).sort((a, b) => a.vcpus - b.vcpus);
      [small, bigger] = [offerings[0], offerings[offerings.length - 1]];
      template = (await driver.listTemplates()).find((t) => t.status === 'ready') as Template;
    });
    afterAll(() => subject?.close());

    it('lists zones, offerings with their size, and ready templates', async () => {
      expect(zone).toMatchObject({ id: expect.any(String), name: expect.any(String), available: true });
      expect(small.vcpus).toBeGreaterThan(0);
      expect(small.memoryMb).toBeGreaterThan(0);
      expect(bigger.vcpus).toBeGreaterThan(small.vcpus);
      expect(template).toBeDefined();
      expect(await driver.getTemplate(template.id)).toMatchObject({ id: template.id, status: 'ready' });
    });

    it('creates an instance with every option and takes it through its whole lifecycle', async () => {
      const key = await driver.createKeyPair(`key-${run}`);
      const group = await driver.createFirewallGroup({ name: `web-${run}`, description: 'web servers' });
      const op = await driver.createInstance(
        input({
          name: `life-${run}`,
          keyPair: key.name,
          firewallGroupIds: [group.id],
          userData: '#cloud-config\npackages: [nginx]\n',
          tags: { env: 'test', run },
        }),
      );
      expect(op).toMatchObject({ status: 'pending', jobId: expect.any(String), resourceId: expect.any(String) });
      const id = op.resourceId as string;
      expect(['pending', 'running']).toContain((await driver.getInstance(id)).state);
      expect(await driver.getOperation(op.jobId)).toMatchObject({ jobId: op.jobId });

      const created = instanceOf(await driver.waitForOperation(op));
      expect(created).toMatchObject({
        id,
        name: `life-${run}`,
        state: 'running',
        zoneId: zone.id,
        offeringId: small.id,
        templateId: template.id,
        vcpus: small.vcpus,
        memoryMb: small.memoryMb,
        keyPair: key.name,
        firewallGroupIds: [group.id],
        tags: { env: 'test', run },
      });
      expect(created.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
      expect(await driver.getOperation(op.jobId)).toMatchObject({ status: 'succeeded', result: { type: 'instance' } });
      expect((await driver.listInstances({ ids: [id] })).items.map((i) => i.id)).toEqual([id]);

      const stopping = await driver.stopInstance(id);
      expect(stopping.status).toBe('pending');
      expect((await driver.getInstance(id)).state).toBe('stopping');
      expect((await act(Promise.resolve(stopping))).state).toBe('stopped');

      const resized = await act(driver.resizeInstance(id, bigger.id));
      expect(resized).toMatchObject({ offeringId: bigger.id, vcpus: bigger.vcpus, memoryMb: bigger.memoryMb, state: 'stopped' });

      expect((await act(driver.startInstance(id))).state).toBe('running');
      expect((await act(driver.rebootInstance(id))).state).toBe('running');

      const destroyed = await act(driver.destroyInstance(id));
      expect(destroyed.state).toBe('deleted');
      expect((await driver.getInstance(id)).state).toBe('deleted');

      const recovered = await driver.recoverInstance(id);
      expect(recovered.status).toBe('succeeded');
      expect(instanceOf(recovered.result as OperationResult).state).toBe('stopped');
      expect(await driver.getOperation(recovered.jobId)).toMatchObject({ status: 'succeeded' });

      await driver.waitForOperation(await driver.destroyInstance(id, { expunge: true }));
      await eventually(() => expectFailure(driver.getInstance(id), 'not-found', 'not-found').then(() => undefined));
      await driver.deleteFirewallGroup(group.id);
      await driver.deleteKeyPair(key.name);
    });

    it('treats start on a running instance and stop on a stopped one as immediate successes', async () => {
      const vm = await create();
      const again = await driver.startInstance(vm.id);
      expect(again.status).toBe('succeeded');
      expect(instanceOf(await driver.waitForOperation(again)).state).toBe('running');
      expect(await driver.getOperation(again.jobId)).toMatchObject({ status: 'succeeded' });

      await act(driver.stopInstance(vm.id, { force: true }));
      const stopAgain = await driver.stopInstance(vm.id);
      expect(stopAgain).toMatchObject({ status: 'succeeded', result: { type: 'instance', instance: { id: vm.id, state: 'stopped' } } });
      const resizeSame = await driver.resizeInstance(vm.id, vm.offeringId);
      expect(resizeSame.status).toBe('succeeded');
      await driver.waitForOperation(await driver.destroyInstance(vm.id, { expunge: true }));
    });

    it('refuses transitions the state machine does not allow with a conflict', async () => {
      const vm = await create({ start: false });
      expect(vm.state).toBe('stopped');
      const f = await expectFailure(driver.rebootInstance(vm.id), 'conflict', 'invalid-state');
      expect(f.code).toBe('INVALID_STATE');
      await expectFailure(driver.recoverInstance(vm.id), 'conflict', 'invalid-state');
      await expectFailure(
        driver.createTemplate({ name: `t-${run}`, source: { instanceId: (await create()).id } }),
        'conflict',
        'invalid-state',
      );

      await act(driver.destroyInstance(vm.id));
      await expectFailure(driver.startInstance(vm.id), 'conflict', 'invalid-state');
      await expectFailure(driver.stopInstance(vm.id), 'conflict', 'invalid-state');
      await expectFailure(driver.resizeInstance(vm.id, bigger.id), 'conflict', 'invalid-state');
      await expectFailure(driver.createSnapshot({ instanceId: vm.id, type: 'volume' }), 'conflict', 'invalid-state');
      const again = await driver.destroyInstance(vm.id);
      expect(again.status).toBe('succeeded');
      await driver.waitForOperation(await driver.destroyInstance(vm.id, { expunge: true }));
    });

    it('answers unknown ids with not-found', async () => {
      const nobody = randomUUID();
      await expectFailure(driver.getInstance(nobody), 'not-found', 'not-found');
      await expectFailure(driver.startInstance(nobody), 'not-found', 'not-found');
      await expectFailure(driver.destroyInstance(nobody), 'not-found', 'not-found');
      await expectFailure(driver.getTemplate(nobody), 'not-found', 'not-found');
      await expectFailure(driver.getFirewallGroup(nobody), 'not-found', 'not-found');
      await expectFailure(driver.revokeFirewallRule(nobody), 'not-found', 'not-found');
      await expectFailure(driver.getSnapshot({ type: 'volume', id: nobody }), 'not-found', 'not-found');
      await expectFailure(driver.getSnapshot({ type: 'instance', id: nobody }), 'not-found', 'not-found');
      await expectFailure(driver.getOperation(nobody), 'not-found', 'not-found');
      await expectFailure(driver.deleteKeyPair(`nobody-${run}`), 'not-found', 'not-found');
      await expectFailure(driver.setTags({ type: 'instance', id: nobody }, { a: 'b' }), 'not-found', 'not-found');
    });

    it('adds, lists and revokes firewall rules by protocol, port range and CIDR', async () => {
      const group = await driver.createFirewallGroup({ name: `fw-${run}` });
      await expectFailure(driver.createFirewallGroup({ name: `fw-${run}` }), 'conflict', 'already-exists');
      const ssh = await driver.waitForOperation(
        await driver.addFirewallRule(group.id, { protocol: 'tcp', startPort: 22, endPort: 22, cidr: '0.0.0.0/0' }),
      );
      expect(ssh).toMatchObject({
        type: 'firewall-rule',
        rule: { groupId: group.id, protocol: 'tcp', startPort: 22, endPort: 22, cidr: '0.0.0.0/0' },
      });
      await driver.waitForOperation(
        await driver.addFirewallRule(group.id, { protocol: 'udp', startPort: 1000, endPort: 2000, cidr: '10.0.0.0/8' }),
      );
      await driver.waitForOperation(
        await driver.addFirewallRule(group.id, { protocol: 'icmp', icmpType: 8, icmpCode: 0, cidr: '192.168.0.0/16' }),
      );
      const rules = await driver.listFirewallRules(group.id);
      expect(rules.map((r) => [r.protocol, r.startPort, r.endPort, r.icmpType, r.cidr]).sort()).toEqual(
        [
          ['icmp', null, null, 8, '192.168.0.0/16'],
          ['tcp', 22, 22, null, '0.0.0.0/0'],
          ['udp', 1000, 2000, null, '10.0.0.0/8'],
        ].sort(),
      );
      const sshId = (ssh as { rule: { id: string } }).rule.id;
      await driver.waitForOperation(await driver.revokeFirewallRule(sshId));
      expect((await driver.listFirewallRules(group.id)).map((r) => r.id)).not.toContain(sshId);
      expect(await driver.listFirewallRules(group.id)).toHaveLength(2);

      await expectFailure(
        driver.addFirewallRule(group.id, { protocol: 'tcp', startPort: 90, endPort: 80, cidr: '0.0.0.0/0' }),
        'input',
        'bad-parameter',
      );
      await expectFailure(
        driver.addFirewallRule(group.id, { protocol: 'tcp', startPort: 80, endPort: 80, cidr: 'everywhere' }),
        'input',
        'bad-parameter',
      );
      await expectFailure(
        driver.addFirewallRule(randomUUID(), { protocol: 'tcp', startPort: 80, endPort: 80, cidr: '0.0.0.0/0' }),
        'not-found',
        'not-found',
      );
      expect((await driver.listFirewallGroups()).map((g) => g.name)).toEqual(expect.arrayContaining(['default', `fw-${run}`]));

      const member = await create({ firewallGroupIds: [group.id] });
      await expectFailure(driver.deleteFirewallGroup(group.id), 'conflict', 'in-use');
      await driver.waitForOperation(await driver.destroyInstance(member.id, { expunge: true }));
      await eventually(() => driver.deleteFirewallGroup(group.id));
      await expectFailure(driver.getFirewallGroup(group.id), 'not-found', 'not-found');
    });

    it('snapshots a volume and a whole instance, reverts a stopped instance to each, and deletes them', async () => {
      const vm = await create();
      const [volOp, vmOp] = await Promise.all([
        driver.createSnapshot({ instanceId: vm.id, type: 'volume', name: `vol-${run}` }),
        driver.createSnapshot({ instanceId: vm.id, type: 'instance', name: `whole-${run}` }),
      ]);
      const [vol, whole] = await Promise.all([driver.waitForOperation(volOp), driver.waitForOperation(vmOp)]);
      if (vol.type !== 'snapshot' || whole.type !== 'snapshot') throw new Error('expected snapshots');
      expect(vol.snapshot).toMatchObject({ type: 'volume', instanceId: vm.id, state: 'ready', name: `vol-${run}` });
      expect(vol.snapshot.volumeId).toEqual(expect.any(String));
      expect(whole.snapshot).toMatchObject({ type: 'instance', instanceId: vm.id, state: 'ready' });

      const listed = await driver.listSnapshots({ instanceId: vm.id });
      expect(listed.map((s) => `${s.type}:${s.id}`).sort()).toEqual([`instance:${whole.snapshot.id}`, `volume:${vol.snapshot.id}`].sort());
      expect((await driver.listSnapshots({ instanceId: vm.id, type: 'instance' })).map((s) => s.id)).toEqual([whole.snapshot.id]);
      expect(await driver.getSnapshot(vol.snapshot)).toMatchObject({ id: vol.snapshot.id, instanceId: vm.id, state: 'ready' });

      await expectFailure(driver.revertSnapshot(vol.snapshot), 'conflict', 'invalid-state');
      await expectFailure(driver.revertSnapshot(whole.snapshot), 'conflict', 'invalid-state');
      await act(driver.stopInstance(vm.id));
      const revertedVolume = await driver.waitForOperation(await driver.revertSnapshot(vol.snapshot));
      expect(revertedVolume.type).toBe('snapshot');
      const revertedWhole = await act(driver.revertSnapshot(whole.snapshot));
      expect(revertedWhole).toMatchObject({ id: vm.id, state: 'stopped' });

      await Promise.all(
        [driver.deleteSnapshot(vol.snapshot), driver.deleteSnapshot(whole.snapshot)].map(async (op) => driver.waitForOperation(await op)),
      );
      expect(await driver.listSnapshots({ instanceId: vm.id })).toEqual([]);
      await expectFailure(driver.getSnapshot(whole.snapshot), 'not-found', 'not-found');
      await driver.waitForOperation(await driver.destroyInstance(vm.id, { expunge: true }));
    });

    it('creates key pairs with the private key shown once, imports public keys, and deletes them', async () => {
      const created = await driver.createKeyPair(`made-${run}`);
      expect(created.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      expect(created.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      const listed = (await driver.listKeyPairs()).find((k) => k.name === `made-${run}`);
      expect(listed).toEqual({ name: `made-${run}`, fingerprint: created.fingerprint });
      await expectFailure(driver.createKeyPair(`made-${run}`), 'conflict', 'already-exists');

      const mine = generateSshKeyPair('me@laptop');
      const imported = await driver.importKeyPair(`imported-${run}`, mine.publicKey);
      expect(imported).toEqual({ name: `imported-${run}`, fingerprint: mine.fingerprint });
      await expectFailure(driver.importKeyPair(`junk-${run}`, 'ssh-rsa not-a-key'), 'input', 'bad-parameter');

      await driver.deleteKeyPair(`made-${run}`);
      await driver.deleteKeyPair(`imported-${run}`);
      const names = (await driver.listKeyPairs()).map((k) => k.name);
      expect(names).not.toContain(`made-${run}`);
      expect(names).not.toContain(`imported-${run}`);
    });

    it('makes templates from a volume snapshot and from a stopped instance, deploys from one, and deletes them', async () => {
      const vm = await create();
      const snap = await driver.waitForOperation(await driver.createSnapshot({ instanceId: vm.id, type: 'volume' }));
      if (snap.type !== 'snapshot') throw new Error('expected a snapshot');
      const fromSnapshot = await driver.waitForOperation(
        await driver.createTemplate({ name: `from-snap-${run}`, source: { snapshotId: snap.snapshot.id } }),
      );
      expect(fromSnapshot).toMatchObject({ type: 'template', template: { name: `from-snap-${run}`, status: 'ready', isPublic: false } });

      await act(driver.stopInstance(vm.id));
      const fromInstanceOp = await driver.createTemplate({ name: `from-vm-${run}`, source: { instanceId: vm.id } });
      expect(fromInstanceOp.status).toBe('pending');
      const fromInstance = await driver.waitForOperation(fromInstanceOp);
      if (fromInstance.type !== 'template') throw new Error('expected a template');
      expect(fromInstance.template.status).toBe('ready');
      expect((await driver.listTemplates()).map((t) => t.id)).toEqual(expect.arrayContaining([fromInstance.template.id]));

      const clone = await create({ templateId: fromInstance.template.id });
      expect(clone).toMatchObject({ state: 'running', templateId: fromInstance.template.id });

      await driver.waitForOperation(await driver.deleteTemplate(fromInstance.template.id));
      await expectFailure(driver.getTemplate(fromInstance.template.id), 'not-found', 'not-found');
      await expectFailure(driver.createTemplate({ name: `x-${run}`, source: { snapshotId: randomUUID() } }), 'not-found', 'not-found');

      const registered = await driver.registerTemplate({ name: `reg-${run}`, url: 'https://images.example.com/reg.qcow2' });
      expect(registered).toMatchObject({ name: `reg-${run}`, isPublic: false });
      expect(['pending', 'ready']).toContain(registered.status);
      await eventually(async () => expect((await driver.getTemplate(registered.id)).status).toBe('ready'));
      await expectFailure(driver.registerTemplate({ name: `bad-${run}`, url: 'ftp://x/y' }), 'input', 'bad-parameter');
      await expectFailure(driver.deleteTemplate(template.id), 'not-allowed', 'not-permitted');

      for (const id of [clone.id, vm.id]) await driver.waitForOperation(await driver.destroyInstance(id, { expunge: true }));
    });

    it('pages through instances with filters, and iterates all of them', async () => {
      const label = `page-${run}`;
      const ids = (await Promise.all(Array.from({ length: 5 }, () => create({ tags: { batch: label } })))).map((i) => i.id).sort();
      const first = await driver.listInstances({ tags: { batch: label } }, { page: 1, pageSize: 2 });
      expect(first).toMatchObject({ total: 5, page: 1, pageSize: 2 });
      expect(first.items).toHaveLength(2);
      const seen = [...first.items];
      for (let page = 2; page <= 3; page++)
        seen.push(...(await driver.listInstances({ tags: { batch: label } }, { page, pageSize: 2 })).items);
      expect(seen.map((i) => i.id).sort()).toEqual(ids);
      expect((await driver.listInstances({ tags: { batch: label } }, { page: 4, pageSize: 2 })).items).toEqual([]);

      const all: string[] = [];
      for await (const i of driver.iterateInstances({ tags: { batch: label } })) all.push(i.id);
      expect(all.sort()).toEqual(ids);
      expect((await driver.listInstances({ tags: { batch: label }, state: 'stopped' })).total).toBe(0);
      expect((await driver.listInstances({ tags: { batch: label }, state: 'running', zoneId: zone.id })).total).toBe(5);

      await expectFailure(driver.listInstances({}, { page: 1, pageSize: 0 }), 'input', 'bad-parameter');
      await expectFailure(driver.listInstances({}, { page: 1, pageSize: 501 }), 'input', 'bad-parameter');
      await Promise.all(ids.map(async (id) => driver.waitForOperation(await driver.destroyInstance(id, { expunge: true }))));
    });

    it('sets, changes, lists and removes tags', async () => {
      const vm = await create();
      const ref = { type: 'instance' as const, id: vm.id };
      await driver.waitForOperation(await driver.setTags(ref, { team: 'a', tier: 'web' }));
      expect((await driver.getInstance(vm.id)).tags).toEqual({ team: 'a', tier: 'web' });
      await driver.waitForOperation(await driver.setTags(ref, { team: 'b' }));
      expect((await driver.listTags({ resource: ref })).map((t) => `${t.key}=${t.value}`).sort()).toEqual(['team=b', 'tier=web']);
      expect(await driver.setTags(ref, { team: 'b' })).toMatchObject({ status: 'succeeded' });
      await driver.waitForOperation(await driver.removeTags(ref, ['tier']));
      expect((await driver.getInstance(vm.id)).tags).toEqual({ team: 'b' });
      expect(await driver.listTags({ key: 'team', resource: ref })).toEqual([
        { resourceType: 'instance', resourceId: vm.id, key: 'team', value: 'b' },
      ]);
      await driver.waitForOperation(await driver.destroyInstance(vm.id, { expunge: true }));
    });

    it('maps provider refusals to neutral errors: bad parameters, limits, capacity', async () => {
      await expectFailure(driver.createInstance(input({ offeringId: randomUUID() })), 'input', 'bad-parameter');
      await expectFailure(driver.createInstance(input({ templateId: randomUUID() })), 'input', 'bad-parameter');
      await expectFailure(driver.createInstance(input({ keyPair: `missing-${run}` })), 'input', 'bad-parameter');
      await expectFailure(driver.createInstance(input({ name: '9-starts-with-a-digit' })), 'input', 'bad-parameter');

      subject.hooks.setInstanceLimit(0);
      try {
        const limited = await expectFailure(driver.createInstance(input()), 'not-allowed', 'limit');
        expect(limited.code).toBe('PROVIDER_LIMIT_EXCEEDED');
      } finally {
        subject.hooks.setInstanceLimit(null);
      }

      subject.hooks.failZone(zone.id);
      let op: Operation;
      try {
        op = await driver.createInstance(input());
      } finally {
        subject.hooks.clearFailures();
      }
      const failed = await failure(driver.waitForOperation(op));
      expect(failed).toMatchObject({ kind: 'unavailable', reason: 'capacity', code: 'INSUFFICIENT_CAPACITY' });
      expect(await driver.getOperation(op.jobId)).toMatchObject({
        status: 'failed',
        error: { reason: 'capacity', code: 'INSUFFICIENT_CAPACITY' },
      });
      const broken = await driver.getInstance(op.resourceId as string);
      expect(broken.state).toBe('error');
      await driver.waitForOperation(await driver.destroyInstance(broken.id));
      await eventually(() => expectFailure(driver.getInstance(broken.id), 'not-found', 'not-found').then(() => undefined));
    });

    it('takes user data up to 32 KB encoded (over POST where there is HTTP) and refuses more', async () => {
      const big = `#!/bin/sh\n${'echo "provisioning step" >> /var/log/boot.log\n'.repeat(450)}`;
      expect(Buffer.from(big).toString('base64').length).toBeGreaterThan(20_000);
      const vm = await create({ userData: big });
      expect(vm.state).toBe('running');
      if (subject.hooks.lastCreateMethod) expect(subject.hooks.lastCreateMethod()).toBe('POST');
      const small = await create({ userData: 'echo hi' });
      if (subject.hooks.lastCreateMethod) expect(subject.hooks.lastCreateMethod()).toBe('GET');
      await expectFailure(driver.createInstance(input({ userData: 'x'.repeat(25_000) })), 'input', 'bad-parameter');
      for (const id of [vm.id, small.id]) await driver.waitForOperation(await driver.destroyInstance(id, { expunge: true }));
    });
  });
