/**
 * The dPaaS jobs through the real scheduler, on SQLite and MariaDB against the fake CloudStack server: the state-sync
 * job finds instances changed, resized or expunged behind the platform's back and records them as provider events;
 * a snapshot policy takes a snapshot at each due run and keeps only the newest `retention`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DpaasConfig } from '../../plugins/dpaas/src/config.js';
import { SnapshotPolicy } from '../../plugins/dpaas/src/entities/snapshot-policy.js';
import { providerFor } from '../../plugins/dpaas/src/provider.js';
import type { SimulatorDriver } from '../../plugins/dpaas/src/simulator/simulator-driver.js';
import { FAKE_CATALOGUE } from '../fakes/cloudstack/index.js';
import { availableBackends, sqliteBackend } from '../support/backends.js';
import { type Body, type DpaasHarness, done, eventually, json, runJob, runningInstance, startDpaas } from './support.js';

const backends = await availableBackends();

describe.each(backends)('dpaas jobs on $name (fake CloudStack)', (backend) => {
  let h: DpaasHarness;
  const call = (method: string, path: string, init?: { json?: unknown; headers?: Record<string, string> }) =>
    json(h.platform, method, path, init);
  /** The fake's VM of an instance: its host name is the platform's id. */
  const vmOf = (id: string) => {
    const vm = [...(h.cs?.state.vms.values() ?? [])].find((v) => v.name === id);
    if (!vm) throw new Error(`no VM named ${id}`);
    return vm as Body;
  };
  /** Time travel: the instance's policies are due now. */
  const makeDue = (instanceId: string) =>
    h.platform.orm.em.fork().nativeUpdate(SnapshotPolicy, { instanceId }, { nextRunAt: new Date(Date.now() - 1000) });
  const providerEvents = async (id: string) =>
    (await call('GET', `/instances/${id}/events?limit=100`)).body.items.filter((e: Body) => e.source === 'provider');

  beforeAll(async () => {
    // A short request deadline, so a stalled provider answer times out quickly.
    h = await startDpaas(backend, 'cloudstack', { requestTimeoutMs: 300 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('declares both jobs with the scheduler', async () => {
    const keys = (await h.platform.background.scheduler.list()).map((j) => j.key);
    expect(keys).toEqual(expect.arrayContaining(['dpaas.state-sync', 'dpaas.snapshot-policies']));
  });

  it('state sync records changes made outside the platform, and leaves everything else alone', async () => {
    const stopped = await runningInstance(h, 'oob-stop');
    const gone = await runningInstance(h, 'oob-expunge');
    const resized = await runningInstance(h, 'oob-resize');
    const untouched = await runningInstance(h, 'untouched');
    const before = (await call('GET', `/instances/${untouched}`)).body;
    await runJob(h.platform, 'state-sync');
    expect(await providerEvents(untouched)).toEqual([]);

    // An operator works on the provider directly.
    h.cs?.setVmState(vmOf(stopped).id, 'Stopped');
    h.cs?.expungeVm(vmOf(gone).id);
    Object.assign(vmOf(resized), { serviceofferingid: FAKE_CATALOGUE.mediumOfferingId, cpunumber: 2, memory: 4096 });
    // The app's view is the database's until the job runs.
    expect((await call('GET', `/instances/${stopped}`)).body.state).toBe('running');

    h.cs?.resetCalls();
    await runJob(h.platform, 'state-sync');
    // One page of VMs for the whole fleet; no per-instance calls.
    expect(h.cs?.callCount('listVirtualMachines')).toBe(1);

    expect((await call('GET', `/instances/${stopped}`)).body.state).toBe('stopped');
    expect(await providerEvents(stopped)).toEqual([
      expect.objectContaining({
        type: 'state-changed',
        fromState: 'running',
        toState: 'stopped',
        detail: expect.stringMatching(/outside/),
      }),
    ]);

    const removed = (await call('GET', `/instances/${gone}`)).body;
    expect(removed.state).toBe('deleted');
    expect(removed.removedAt).not.toBeNull();
    expect(await providerEvents(gone)).toEqual([expect.objectContaining({ type: 'removed', fromState: 'running', toState: 'deleted' })]);

    expect((await call('GET', `/instances/${resized}`)).body).toMatchObject({
      offeringId: FAKE_CATALOGUE.mediumOfferingId,
      vcpus: 2,
      memoryMb: 4096,
    });
    expect((await providerEvents(resized)).map((e: Body) => e.type)).toEqual(['resized']);

    expect((await call('GET', `/instances/${untouched}`)).body).toEqual(before);
    expect(await providerEvents(untouched)).toEqual([]);

    // A second run finds nothing new.
    await runJob(h.platform, 'state-sync');
    expect(await providerEvents(stopped)).toHaveLength(1);
    expect(await providerEvents(gone)).toHaveLength(1);
    const summary = h.platform.logs.filter((l) => l.msg === 'state sync done').at(-1);
    expect(summary).toMatchObject({ asset: 'dpaas', changed: 0, removed: 0 });
  });

  it('state sync adopts an instance whose creation answer never arrived (the provider made it anyway)', async () => {
    h.cs?.stallNext('deployVirtualMachine', 800);
    const c = h.catalogue;
    const late = await call('POST', '/instances', {
      json: { name: 'slow-answer', zoneId: c.zoneId, offeringId: c.smallOfferingId, templateId: c.templateId },
    });
    expect([late.status, late.body.code]).toEqual([504, 'PROVIDER_TIMEOUT']);
    const [inst] = (await call('GET', '/instances?name=slow-answer')).body.items;
    expect(inst.state).toBe('pending');
    const [op] = (await call('GET', `/operations?resourceId=${inst.id}`)).body.items;
    expect(op).toMatchObject({ type: 'instance.create', status: 'failed', error: { code: 'PROVIDER_TIMEOUT' } });

    await eventually(async () => expect(vmOf(inst.id).state).toBe('Running'));
    await runJob(h.platform, 'state-sync');
    expect((await call('GET', `/instances/${inst.id}`)).body.state).toBe('running');
    expect(await providerEvents(inst.id)).toEqual([
      expect.objectContaining({ type: 'state-changed', toState: 'running', detail: expect.stringMatching(/after an interruption/) }),
    ]);
    // Adopted, it is an ordinary instance again.
    await done(h.platform, 'POST', `/instances/${inst.id}/stop`);
  });

  it('state sync counts instances made outside the platform without adopting them', async () => {
    h.cs?.seedVms(3, { namePrefix: 'manual' });
    await runJob(h.platform, 'state-sync');
    const summary = h.platform.logs.filter((l) => l.msg === 'state sync done').at(-1);
    expect(summary?.unmanaged).toBeGreaterThanOrEqual(3);
    expect((await call('GET', '/instances?name=manual-1')).body.items).toEqual([]);
  });

  it('a snapshot policy takes a snapshot at each due run and keeps the newest `retention`', async () => {
    const id = await runningInstance(h, 'backed-up');
    const put = await call('PUT', `/instances/${id}/snapshot-policies/daily`, { json: { retention: 2, hour: 3, minute: 30 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ instanceId: id, frequency: 'daily', retention: 2, type: 'volume', lastRunAt: null });
    expect(put.body.nextRunAt).toMatch(/T03:30:00\.000Z$/);
    // A manual snapshot is never pruned by the policy.
    const manual = await done(h.platform, 'POST', '/snapshots', { json: { instanceId: id, name: 'keep-me' } });

    const taken: string[] = [];
    for (let run = 1; run <= 4; run++) {
      // Make the policy due now, as if a day had passed.
      await makeDue(id);
      await runJob(h.platform, 'snapshot-policies');
      const policySnaps = await eventually(async () => {
        const items = (await call('GET', `/snapshots?instanceId=${id}`)).body.items.filter((s: Body) => s.policy === 'daily');
        expect(items.every((s: Body) => s.state === 'ready')).toBe(true);
        return items;
      });
      taken.push(...policySnaps.map((s: Body) => s.id).filter((s: string) => !taken.includes(s)));
      expect(policySnaps.length).toBeLessThanOrEqual(run === 1 ? 1 : 3);
    }
    expect(taken).toHaveLength(4);
    // Pruning runs after each new snapshot: once the deletions end, only the two newest remain.
    await eventually(async () => {
      const items = (await call('GET', `/snapshots?instanceId=${id}`)).body.items;
      expect(items.filter((s: Body) => s.policy === 'daily').map((s: Body) => s.id)).toEqual([taken[3], taken[2]]);
      expect(items.map((s: Body) => s.id)).toContain(manual.resource.id);
    });
    expect(h.cs?.state.snapshots.size).toBe(3);
    const policy = (await call('GET', `/instances/${id}/snapshot-policies`)).body.items[0];
    expect(policy).toMatchObject({ lastError: null, retention: 2 });
    expect(policy.lastRunAt).not.toBeNull();
    expect(new Date(policy.nextRunAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('a policy whose instance is gone records why it took nothing', async () => {
    const id = await runningInstance(h, 'short-lived');
    await call('PUT', `/instances/${id}/snapshot-policies/hourly`, { json: { retention: 1 } });
    await done(h.platform, 'DELETE', `/instances/${id}?expunge=true`);
    await eventually(async () => expect((await call('GET', `/instances/${id}`)).body.removedAt).not.toBeNull());
    await makeDue(id);
    await runJob(h.platform, 'snapshot-policies');
    const policy = (await call('GET', `/instances/${id}/snapshot-policies`)).body.items[0];
    expect(policy.lastError).toMatch(/^INSTANCE_GONE/);
    expect((await call('GET', `/snapshots?instanceId=${id}`)).body.items).toEqual([]);
  });
});

describe('dpaas state sync on the simulator', () => {
  let h: DpaasHarness;
  beforeAll(async () => {
    h = await startDpaas(sqliteBackend, 'simulator');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs against the same simulator the handlers use, and sees what its operator changed', async () => {
    const id = await runningInstance(h, 'sim-sync');
    // The job resolves the plugin's config slice like the handlers do, so it finds the same in-process provider.
    await runJob(h.platform, 'state-sync');
    const events = async () =>
      (await json(h.platform, 'GET', `/instances/${id}/events`)).body.items.filter((e: Body) => e.source === 'provider');
    expect((await json(h.platform, 'GET', `/instances/${id}`)).body.state).toBe('running');
    expect(await events()).toEqual([]);

    const services = h.platform.plugins.find((p) => p.prepared.meta.id === 'dpaas')?.services as { config: DpaasConfig };
    const driver = providerFor(services.config).driver as SimulatorDriver;
    const vm = (await driver.listInstances({ search: id })).items[0];
    driver.control.setInstanceState(vm.id, 'stopped');
    await runJob(h.platform, 'state-sync');
    expect((await json(h.platform, 'GET', `/instances/${id}`)).body.state).toBe('stopped');
    expect(await events()).toEqual([expect.objectContaining({ fromState: 'running', toState: 'stopped' })]);
  });
});
