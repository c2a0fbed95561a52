/**
 * @module dPaaS driver overhead (`npx tsx test/bench/dpaas-driver.ts`): in one run against the fake CloudStack (10,000
 * seeded VMs), the CloudStack driver's `getInstance(id)` against a raw signed `fetch` of the same
 * `listVirtualMachines&id=…`, and `listInstances` of a 500-VM page against the raw page. Calls alternate between the
 * two in small blocks so drift hits both; medians and p90 per call are printed with the ratio and the overhead.
 * BENCH_CALLS (default 3000 per side for one id, a tenth of that for pages).
 */
import { createCloudStackDriver } from '../../plugins/dpaas/src/cloudstack/cloudstack-driver.js';
import { encodeValue, signRequest } from '../../plugins/dpaas/src/cloudstack/sign.js';
import { startFakeCloudStack } from '../fakes/cloudstack/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const BLOCK = 50;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const cs = await startFakeCloudStack();
const ids = cs.seedVms(10_000);
const id = ids[4321];
const driver = createCloudStackDriver({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey });

/** What a hand-written client would do: sign, GET, parse, unwrap. No mapping, no error handling beyond status. */
const raw = async (params: Record<string, string>) => {
  const all = {
    ...params,
    apiKey: cs.apiKey,
    response: 'json',
    signatureVersion: '3',
    expires: `${new Date(Date.now() + 600_000).toISOString().slice(0, 19)}+0000`,
  };
  const query = Object.entries(all)
    .map(([k, v]) => `${k}=${encodeValue(v)}`)
    .join('&');
  const res = await fetch(`${cs.endpoint}?${query}&signature=${encodeURIComponent(signRequest(all, cs.secretKey))}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return ((await res.json()) as { listvirtualmachinesresponse: { virtualmachine: unknown[] } }).listvirtualmachinesresponse.virtualmachine;
};

const compare = async (label: string, calls: number, rawCall: () => Promise<unknown>, driverCall: () => Promise<unknown>) => {
  for (let i = 0; i < Math.min(300, calls); i++) {
    await rawCall();
    await driverCall();
  }
  const times = { raw: [] as number[], driver: [] as number[] };
  for (let done = 0; done < calls; done += BLOCK) {
    // Alternate which side goes first in each block.
    const order = (done / BLOCK) % 2 === 0 ? (['raw', 'driver'] as const) : (['driver', 'raw'] as const);
    for (const side of order)
      for (let i = 0; i < BLOCK; i++) {
        const t0 = performance.now();
        await (side === 'raw' ? rawCall() : driverCall());
        times[side].push(performance.now() - t0);
      }
  }
  const r50 = quantile(times.raw, 0.5);
  const d50 = quantile(times.driver, 0.5);
  const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
  console.log(
    `${label.padEnd(34)} raw median ${us(r50)}  p90 ${us(quantile(times.raw, 0.9))} | driver median ${us(d50)}  p90 ${us(quantile(times.driver, 0.9))} | ratio ${(d50 / r50).toFixed(2)}  overhead ${us(d50 - r50)}`,
  );
};

console.log(`fake CloudStack with ${ids.length} VMs; ${CALLS} calls per side (pages: ${Math.ceil(CALLS / 10)}); Node ${process.version}`);
await compare(
  'listVirtualMachines id=… (1 VM)',
  CALLS,
  () => raw({ command: 'listVirtualMachines', id }),
  () => driver.getInstance(id),
);
const pages = Math.ceil(CALLS / 10);
await compare(
  'listVirtualMachines page of 500',
  pages,
  () => raw({ command: 'listVirtualMachines', page: '3', pagesize: '500' }),
  () => driver.listInstances({}, { page: 3, pageSize: 500 }),
);
console.log(`API calls counted by the fake: ${JSON.stringify(Object.fromEntries(cs.calls))}`);
await cs.close();
