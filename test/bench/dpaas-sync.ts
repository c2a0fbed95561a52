/**
 * @module dPaaS state-sync benchmark (`npm run bench:dpaas-sync`): 10,000 instances on the fake CloudStack, each
 * known to the platform, reconciled by the real `dpaas.state-sync` job through the scheduler. Two runs per database:
 * one with everything in sync, one after 1% of the fleet changed behind the platform's back (stopped, resized,
 * expunged). Printed per run: the job's time, the CloudStack API calls by command, and memory (rss and heap: before,
 * peak while the job ran, after). BENCH_INSTANCES (default 10000), BENCH_BACKENDS (default `sqlite,mariadb`; MariaDB
 * only when it answers).
 */
import 'reflect-metadata';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { Instance } from '../../plugins/dpaas/src/entities/instance.js';
import { InstanceEvent } from '../../plugins/dpaas/src/entities/instance-event.js';
import type { Body } from '../dpaas/support.js';
import { FAKE_CATALOGUE, startFakeCloudStack } from '../fakes/cloudstack/index.js';
import { createMariaDbDatabase, mariaDbUnavailable, sqliteBackend } from '../support/backends.js';

const N = Number(process.env.BENCH_INSTANCES ?? 10_000);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,mariadb').split(',');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

interface Sample {
  rss: number;
  heap: number;
}
const memory = (): Sample => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
};

/** Triggers the job and samples memory every 5 ms until its run is recorded as finished. */
const runSync = async (platform: TestPlatform) => {
  const key = 'dpaas.state-sync';
  const scheduler = platform.background.scheduler;
  const before = (await scheduler.history(key, 1))[0]?.id ?? 0;
  global.gc?.();
  const start = memory();
  const peak = { ...start };
  const sampler = setInterval(() => {
    const m = memory();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heap);
  }, 5);
  const t0 = performance.now();
  await scheduler.trigger(key);
  for (;;) {
    const [last] = await scheduler.history(key, 1);
    if (last && last.id > before && last.finishedAt) {
      if (last.outcome !== 'succeeded') throw new Error(`state sync ${last.outcome}: ${last.error}`);
      clearInterval(sampler);
      const summary = platform.logs.filter((l) => l.msg === 'state sync done').at(-1) as Body;
      return {
        jobMs: last.finishedAt.getTime() - last.startedAt.getTime(),
        wallMs: performance.now() - t0,
        summary,
        start,
        peak,
        end: memory(),
      };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
};

const bench = async (backendName: string) => {
  const db = backendName === 'mariadb' ? await createMariaDbDatabase() : await sqliteBackend.create();
  const cs = await startFakeCloudStack({ jobDelayMs: 10 });
  const vmIds = cs.seedVms(N, { namePrefix: 'bench' });
  const platform = await startTestPlatform({
    plugins: ['./plugins/dpaas'],
    databaseUrl: db.url,
    pluginConfig: { dpaas: { driver: 'cloudstack', cloudstack: { endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey } } },
  });
  try {
    if (platform.loadErrors.length) throw new Error(JSON.stringify(platform.loadErrors));
    // The platform knows every VM, as if its app had created them: rows that match the provider exactly.
    const appId = platform.testApp?.appId ?? null;
    const t0 = performance.now();
    const now = new Date();
    for (let i = 0; i < vmIds.length; i += 1000) {
      const em = platform.orm.em.fork();
      await em.insertMany(
        Instance,
        vmIds.slice(i, i + 1000).map((vmId, j) => {
          const vm = cs.state.vms.get(vmId) as Body;
          return {
            id: `i-${(i + j).toString(16).padStart(17, '0')}`,
            appId,
            providerId: vmId,
            name: vm.name,
            state: 'running',
            zoneId: vm.zoneid,
            templateId: vm.templateid,
            offeringId: vm.serviceofferingid,
            vcpus: vm.cpunumber,
            memoryMb: vm.memory,
            ipAddress: vm.nic[0].ipaddress,
            keyPair: null,
            firewallGroupIds: vm.securitygroupids,
            tags: {},
            createdAt: now,
            updatedAt: now,
            removedAt: null,
          };
        }),
      );
    }
    console.log(
      `\n${backendName}: ${N} VMs seeded on the fake CloudStack, ${N} instance rows inserted in ${(performance.now() - t0).toFixed(0)} ms`,
    );

    const report = (label: string, r: Awaited<ReturnType<typeof runSync>>, calls: Map<string, number>) => {
      const s = r.summary;
      console.log(`  ${label}`);
      console.log(
        `    time: job ${r.jobMs} ms (reconciliation ${s.durationMs} ms: settle ${s.phasesMs.settle}, list the provider ${s.phasesMs.list}, compare and write ${s.phasesMs.compare}; trigger to recorded end ${r.wallMs.toFixed(0)} ms, incl. the scheduler's 50 ms poll)`,
      );
      console.log(
        `    result: ${s.providerInstances} listed, ${s.checked} compared, ${s.changed} changed, ${s.removed} removed, ${s.unmanaged} unmanaged`,
      );
      console.log(
        `    CloudStack API calls: ${[...calls.values()].reduce((a, b) => a + b, 0)} ${JSON.stringify(Object.fromEntries(calls))}`,
      );
      console.log(
        `    memory: rss ${mb(r.start.rss)} → peak ${mb(r.peak.rss)} → ${mb(r.end.rss)}; heap ${mb(r.start.heap)} → peak ${mb(r.peak.heap)} → ${mb(r.end.heap)}`,
      );
    };

    cs.resetCalls();
    const inSync = await runSync(platform);
    report('run 1: everything in sync', inSync, new Map(cs.calls));
    if (inSync.summary.changed !== 0 || inSync.summary.removed !== 0) throw new Error('the seeded rows should match the provider');

    // 1% of the fleet changes behind the platform's back.
    const k = Math.max(1, Math.floor(N / 300));
    for (const id of vmIds.slice(0, k)) cs.setVmState(id, 'Stopped');
    for (const id of vmIds.slice(k, 2 * k))
      Object.assign(cs.state.vms.get(id) as Body, { serviceofferingid: FAKE_CATALOGUE.mediumOfferingId, cpunumber: 2, memory: 4096 });
    for (const id of vmIds.slice(2 * k, 3 * k)) cs.expungeVm(id);
    cs.resetCalls();
    const drifted = await runSync(platform);
    report(`run 2: ${k} stopped, ${k} resized, ${k} expunged outside the platform`, drifted, new Map(cs.calls));
    if (drifted.summary.changed !== 2 * k || drifted.summary.removed !== k)
      throw new Error(`expected ${2 * k} changed and ${k} removed, got ${drifted.summary.changed} and ${drifted.summary.removed}`);
    const events = await platform.orm.em.fork().count(InstanceEvent, { source: 'provider' });
    console.log(`    provider events recorded: ${events}`);
  } finally {
    await platform.close();
    await cs.close();
    await db.drop();
  }
};

console.log(`dPaaS state sync of ${N} instances against the fake CloudStack; Node ${process.version}`);
for (const backend of BACKENDS) {
  if (backend === 'mariadb') {
    const why = await mariaDbUnavailable();
    if (why) {
      console.log(`\nmariadb: skipped (${why})`);
      continue;
    }
  }
  await bench(backend);
}
