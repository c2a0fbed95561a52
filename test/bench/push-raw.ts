/**
 * @module The raw client rate of the push providers: @parse/node-apn straight to the fake APNs and firebase-admin
 * straight to the fake FCM (each fake in its own process, as a real provider would be), then the same work through
 * the push asset's senders. The end-to-end push benchmark compares itself with these figures.
 *
 *   npx tsx test/bench/push-raw.ts [--n 20000] [--runs 5] [--json]
 *
 * The machines are shared and noisy, so the variants run interleaved (one run of each, in rotating order, per
 * round) and the CPU time per message is reported next to the wall-clock rate: it moves much less with load.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Notification, Provider } from '@parse/node-apn';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { createApnsSender } from '../../plugins/push/src/providers/apns-sender.js';
import { LoopbackAgent, withFcmLoopback } from '../../plugins/push/src/providers/fcm-loopback.js';
import { createFcmSender, disableSdkRetries } from '../../plugins/push/src/providers/fcm-sender.js';
import type { PushItem } from '../../plugins/push/src/providers/push-transport.js';
import { validateFcmServiceAccount } from '../../plugins/push/src/providers/validate-fcm-service-account.js';
import { FAKE_APNS_MAIN, type FakeApns, type FakeProcess, spawnFake } from '../fakes/apns/index.js';
import { FAKE_FCM_MAIN, type FakeFcm } from '../fakes/fcm/index.js';

const BUNDLE = 'com.switchboard.bench';
const notification = { title: 'Bench', body: 'Hello' };

const apnsToken = (i: number) => i.toString(16).padStart(64, '0');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

interface Variant {
  label: string;
  provider: 'apns' | 'fcm';
  kind: 'raw' | 'asset';
  fake: FakeProcess<FakeApns> | FakeProcess<FakeFcm>;
  /** Sends `n` notifications to distinct tokens; answers how many the fake accepted. */
  run: (n: number) => Promise<number>;
}

export interface RawRate {
  label: string;
  /** Which provider, and whether it is a client library called straight (`raw`) or the push asset's sender. */
  provider: 'apns' | 'fcm';
  kind: 'raw' | 'asset';
  /** Median msg/s over the rounds. */
  rate: number;
  rates: number[];
  clientUsPerMsg: number;
  fakeUsPerMsg: number;
}

export interface RawRates {
  n: number;
  runs: number;
  results: RawRate[];
  fakes: { apns: unknown; fcm: unknown };
}

interface Sample {
  rate: number;
  clientUsPerMsg: number;
  fakeUsPerMsg: number;
}

/** Several lanes take work from one counter; each lane reads its reply before adding (a bare `ok += await` loses counts). */
const lanes = async (count: number, n: number, step: number, send: (from: number, to: number) => Promise<number>): Promise<number> => {
  let next = 0;
  let ok = 0;
  const lane = async () => {
    while (next < n) {
      const from = next;
      next = Math.min(n, next + step);
      const delivered = await send(from, next);
      ok += delivered;
    }
  };
  await Promise.all(Array.from({ length: count }, lane));
  return ok;
};

/** Measures every variant `runs` times on `n` messages, interleaved, against fakes of its own (child processes). */
export const measureRawRates = async (options: { n: number; runs: number; only?: 'raw' | 'all' }): Promise<RawRates> => {
  const N = options.n;
  const RUNS = options.runs;
  const apns = await spawnFake<FakeApns>(FAKE_APNS_MAIN, { FAKE_RECORD_BODIES: '0' });
  const fcm = await spawnFake<FakeFcm>(FAKE_FCM_MAIN, { FAKE_RECORD_BODIES: '0' });
  try {
    const key = await apns.remote.createKey({ bundleIds: [BUNDLE] });
    const apnsKey = { ...key, bundleId: BUNDLE, production: false };
    const sa = validateFcmServiceAccount(await fcm.remote.createServiceAccount('bench-project'));
    const accessToken = await fcm.remote.issueAccessToken('bench-project');
    const fixedToken = { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) };
    const loopbackFcm = fcm.endpoint;

    // Clients are made once, as a worker would keep them; a run reuses their sessions.
    const provider = new Provider({
      token: { key: key.key, keyId: key.keyId, teamId: key.teamId },
      address: '127.0.0.1',
      port: apns.endpoint.port,
      ca: [apns.endpoint.ca],
    });
    const note = new Notification({ alert: notification, topic: BUNDLE, pushType: 'alert' });
    const eachApp = initializeApp({ credential: fixedToken, projectId: 'bench-project' }, 'raw-send-each');
    const eachMessaging = getMessaging(eachApp);
    disableSdkRetries(eachMessaging);
    const agent = new LoopbackAgent(loopbackFcm);
    const sendApp = initializeApp({ credential: fixedToken, projectId: 'bench-project', httpAgent: agent }, 'raw-send');
    const sendMessaging = getMessaging(sendApp);
    disableSdkRetries(sendMessaging);
    const apnsSender = createApnsSender({ loopback: apns.endpoint });
    const fcmSender = createFcmSender({ loopback: loopbackFcm });
    const items = (platform: 'ios' | 'android', from: number, to: number): PushItem[] =>
      Array.from({ length: to - from }, (_, j) => ({
        recipientId: String(from + j),
        token: platform === 'ios' ? apnsToken(from + j) : `fcm-${from + j}`,
        platform,
        notification,
      }));
    const delivered = (results: { status: string }[]) => results.filter((r) => r.status === 'delivered').length;

    const all: Variant[] = [
      ...[500, 1000].map((chunk) => ({
        label: `node-apn Provider.send, ${chunk} tokens/call`,
        provider: 'apns' as const,
        kind: 'raw' as const,
        fake: apns,
        run: (n: number) =>
          lanes(
            1,
            n,
            chunk,
            async (from, to) =>
              (
                await provider.send(
                  note,
                  Array.from({ length: to - from }, (_, j) => apnsToken(from + j)),
                )
              ).sent.length,
          ),
      })),
      ...[1, 4].map((count) => ({
        label: `firebase-admin sendEach (HTTP/2), 500/call, ${count} in flight`,
        provider: 'fcm' as const,
        kind: 'raw' as const,
        fake: fcm,
        run: (n: number) =>
          lanes(count, n, 500, async (from, to) => {
            const messages = Array.from({ length: to - from }, (_, j) => ({ token: `fcm-${from + j}`, notification }));
            return (await withFcmLoopback(loopbackFcm, () => eachMessaging.sendEach(messages))).successCount;
          }),
      })),
      {
        label: 'firebase-admin send() (HTTP/1.1 keep-alive), 64 in flight',
        provider: 'fcm',
        kind: 'raw',
        fake: fcm,
        run: (n: number) =>
          lanes(64, n, 1, async (from) => {
            await sendMessaging.send({ token: `fcm-${from}`, notification });
            return 1;
          }),
      },
      {
        label: 'push asset APNs sender, 1,000/chunk',
        provider: 'apns',
        kind: 'asset',
        fake: apns,
        run: (n: number) => lanes(1, n, 1000, async (from, to) => delivered(await apnsSender.send(apnsKey, items('ios', from, to)))),
      },
      {
        label: 'push asset FCM sender, 1,000/chunk',
        provider: 'fcm',
        kind: 'asset',
        fake: fcm,
        run: (n: number) => lanes(1, n, 1000, async (from, to) => delivered(await fcmSender.send(sa, items('android', from, to)))),
      },
    ];

    const variants = options.only === 'raw' ? all.filter((v) => v.kind === 'raw') : all;
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.label, []]));
    for (const v of variants) await v.run(Math.max(1000, Math.floor(N / 10))); // warm-up: JIT, sessions, access tokens
    for (let round = 0; round < RUNS; round++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(k + round) % variants.length];
        const fakeCpu0 = await v.fake.remote.cpuUsage();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const ok = await v.run(N);
        const seconds = (performance.now() - t0) / 1000;
        const clientCpu = process.cpuUsage(cpu0);
        const fakeCpu = await v.fake.remote.cpuUsage();
        if (ok !== N) throw new Error(`${v.label}: the fake accepted ${ok} of ${N}`);
        samples.get(v.label)?.push({
          rate: Math.round(N / seconds),
          clientUsPerMsg: (cpuMs(clientCpu) * 1000) / N,
          fakeUsPerMsg: ((cpuMs(fakeCpu) - cpuMs(fakeCpu0)) * 1000) / N,
        });
      }
    }

    const table = variants.map((v): RawRate => {
      const s = samples.get(v.label) ?? [];
      return {
        label: v.label,
        provider: v.provider,
        kind: v.kind,
        rate: median(s.map((x) => x.rate)),
        rates: s.map((x) => x.rate),
        clientUsPerMsg: Math.round(median(s.map((x) => x.clientUsPerMsg))),
        fakeUsPerMsg: Math.round(median(s.map((x) => x.fakeUsPerMsg))),
      };
    });
    const apnsStats = await apns.remote.stats();
    const fcmStats = await fcm.remote.stats();
    await provider.shutdown();
    await Promise.all([deleteApp(eachApp), deleteApp(sendApp), apnsSender.close(), fcmSender.close()]);
    agent.destroy();
    return { n: N, runs: RUNS, results: table, fakes: { apns: apnsStats, fcm: fcmStats } };
  } finally {
    await apns.stop();
    await fcm.stop();
  }
};

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '20000' },
      runs: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const N = Number(values.n);
  const RUNS = Number(values.runs);
  if (!values.json) console.log(`push raw client rate: N=${N}, ${RUNS} interleaved rounds, fakes in child processes`);
  const { results: table, fakes } = await measureRawRates({ n: N, runs: RUNS });
  const apnsStats = fakes.apns as { delivered: number; requests: number };
  const fcmStats = fakes.fcm as { delivered: number; requests: number };
  if (values.json) console.log(JSON.stringify({ n: N, runs: RUNS, results: table, fakes }));
  else {
    console.log(`\n${'variant'.padEnd(60)} ${'msg/s'.padStart(7)}  client µs/msg  fake µs/msg   runs (msg/s)`);
    for (const r of table) {
      console.log(
        `${r.label.padEnd(60)} ${String(r.rate).padStart(7)}  ${String(r.clientUsPerMsg).padStart(13)}  ${String(r.fakeUsPerMsg).padStart(11)}   ${r.rates.join(', ')}`,
      );
    }
    console.log(
      `\nfakes: APNs ${apnsStats.delivered} delivered of ${apnsStats.requests} requests; FCM ${fcmStats.delivered} of ${fcmStats.requests}`,
    );
  }
}
