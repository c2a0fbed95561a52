/**
 * @module The push fault drill (issue 5, point 7), shared by the script (test/push/fault-drill.ts, 20,000 recipients,
 * two SIGKILLs and a broker restart) and its small vitest version (fault-drill.test.ts). On RabbitMQ and a fresh
 * MariaDB database: an API replica and a worker replica as processes, the fakes in child processes, a send to every
 * device of an app (mixed iOS/Android, a few hundred tokens the fakes answer Unregistered, some throttled), faults
 * injected as delivery progresses, then the checks: every recipient has exactly one final result, the fakes received
 * every notification reported delivered, and duplicate deliveries stay under what could have been in flight.
 */

import { inLanes, type PushCluster, sleep, startPushCluster } from './fault-drill-cluster.js';
import { apnsToken } from './support.js';

export interface DrillOptions {
  recipients: number;
  kills: number;
  brokerRestarts: number;
  chunkSize?: number;
  /** Latency the fakes add to every answer, so the faults land while chunks are in flight on a fast machine. */
  latencyMs?: number;
  /** Least time between the end of one fault and the next (the restarted worker must be consuming again). */
  faultGapMs?: number;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillResult {
  recipients: number;
  unregisteredTokens: number;
  throttledTokens: number;
  acceptMs: number;
  seconds: number;
  faults: { what: string; atDelivered: number; ms: number; duplicatesBefore: number }[];
  statuses: Record<string, number>;
  report: { status: string; totals: Record<string, number> };
  fakes: { apns: Record<string, unknown>; fcm: Record<string, unknown> };
  duplicates: { deliveries: number; tokens: number; perToken: Record<string, number> };
  bound: { killsOnly: number; withBrokerRestarts: number; formula: string };
  deadLetters: number;
  checks: DrillCheck[];
  ok: boolean;
}

/** Worker concurrency of push's deliverChunk (plugins/push/src/workers/deliver-chunk.ts). */
export const DELIVERY_CONCURRENCY = 4;
const API = 'api';
const WORKER = 'worker';

interface Device {
  platform: 'ios' | 'android';
  token: string;
  kind: 'ok' | 'unregistered' | 'throttled';
}

export const drillDevices = (n: number): Device[] =>
  Array.from({ length: n }, (_, i) => {
    const platform = i % 2 === 0 ? 'android' : 'ios';
    const token = platform === 'ios' ? apnsToken(0xd00000 + i) : `drill-fcm-${i}`;
    const kind = i % 67 === 5 ? 'unregistered' : i % 41 === 7 ? 'throttled' : 'ok';
    return { platform, token, kind };
  });

const duplicatesOf = async (c: PushCluster): Promise<number> => {
  const [a, f] = await Promise.all([c.apns.remote.stats(), c.fcm.remote.stats()]);
  return a.duplicateDeliveries + f.duplicateDeliveries;
};

const progressOf = async (c: PushCluster): Promise<number> => {
  const [a, f] = await Promise.all([c.apns.remote.stats(), c.fcm.remote.stats()]);
  return a.delivered + f.delivered;
};

export const runFaultDrill = async (options: DrillOptions): Promise<DrillResult> => {
  const log = options.log ?? (() => {});
  const chunkSize = options.chunkSize ?? 500;
  const n = options.recipients;
  const cluster = await startPushCluster({
    queue: 'rabbitmq',
    push: { chunkSize, retryBaseMs: 200, retryMaxMs: 2000 },
    log,
  });
  try {
    // One replica first (it runs the migrations), then the worker replica.
    await cluster.startReplica(API);
    await cluster.startReplica(WORKER);
    const headers = await cluster.createApp();
    await cluster.uploadCredentials(headers);

    const devices = drillDevices(n);
    const t0 = Date.now();
    await inLanes(n, 16, async (i) => {
      const d = devices[i];
      const res = await cluster.call(
        API,
        'POST',
        '/api/push/devices',
        { platform: d.platform, token: d.token, userId: `u${i % 1000}` },
        headers,
      );
      if (res.status !== 201) throw new Error(`register ${i}: ${res.status} ${res.text}`);
    });
    log(`registered ${n} devices in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const unregistered = devices.filter((d) => d.kind === 'unregistered');
    const throttled = devices.filter((d) => d.kind === 'throttled');
    await Promise.all([
      ...unregistered.map((d) =>
        d.platform === 'ios'
          ? cluster.apns.remote.setTokenOutcome(d.token, 'Unregistered')
          : cluster.fcm.remote.setTokenOutcome(d.token, 'UNREGISTERED'),
      ),
      // Throttled once (per token), then delivered: each costs one retry round honouring Retry-After.
      ...throttled.map((d) =>
        d.platform === 'ios'
          ? cluster.apns.remote.setTokenOutcome(d.token, 'TooManyRequests', 1)
          : cluster.fcm.remote.setTokenOutcome(d.token, 'QUOTA_EXCEEDED', 1),
      ),
    ]);
    // And a burst of server-wide throttling on both providers, with Retry-After.
    await cluster.apns.remote.throttle({ requests: 50, retryAfterSeconds: 1 });
    await cluster.fcm.remote.throttle({ requests: 50, retryAfterSeconds: 1 });
    if (options.latencyMs) {
      await cluster.apns.remote.setLatency(options.latencyMs);
      await cluster.fcm.remote.setLatency(options.latencyMs);
    }
    const expectedDelivered = n - unregistered.length;

    const tSend = Date.now();
    const accepted = await cluster.call<{ id: string; recipients: number }>(
      API,
      'POST',
      '/api/push/sends',
      { target: { all: true }, notification: { title: 'Drill', body: 'Nothing lost' } },
      headers,
    );
    const acceptMs = Date.now() - tSend;
    if (accepted.status !== 202) throw new Error(`send not accepted: ${accepted.status} ${accepted.text}`);
    const sendId = accepted.body.id;
    log(`send ${sendId} accepted in ${acceptMs} ms for ${accepted.body.recipients} recipients`);

    // Faults spread over the run: kill, broker restart, kill (or fewer).
    const plan: { at: number; what: 'kill' | 'broker' }[] = [];
    const steps: ('kill' | 'broker')[] = [];
    for (let k = 0; k < Math.max(options.kills, options.brokerRestarts); k++) {
      if (k < options.kills) steps.push('kill');
      if (k < options.brokerRestarts) steps.push('broker');
    }
    steps.forEach((what, k) => {
      plan.push({ at: (k + 1) / (steps.length + 1) - 0.1, what });
    });
    const faults: DrillResult['faults'] = [];
    let settled: { status: string; totals: Record<string, number> } | null = null;
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    const poll = async () => {
      const r = await cluster.call<{ status: string; totals: Record<string, number> }>(
        API,
        'GET',
        `/api/push/sends/${sendId}?limit=1`,
        undefined,
        headers,
      );
      if (r.status === 200 && ['completed', 'failed', 'cancelled'].includes(r.body.status)) settled = r.body;
      return r;
    };
    let lastLog = 0;
    let lastFaultEnd = 0;
    for (const step of plan) {
      for (;;) {
        const delivered = await progressOf(cluster);
        if (delivered >= step.at * expectedDelivered && Date.now() - lastFaultEnd >= (options.faultGapMs ?? 0)) break;
        await poll().catch(() => undefined);
        if (settled || Date.now() > deadline) break;
        await sleep(50);
      }
      if (settled) break;
      const atDelivered = await progressOf(cluster);
      const duplicatesBefore = await duplicatesOf(cluster);
      const f0 = Date.now();
      if (step.what === 'kill') {
        await cluster.kill(WORKER);
        log(`SIGKILL ${WORKER} at ${atDelivered}/${expectedDelivered} delivered; restarting it`);
        await cluster.startReplica(WORKER);
      } else {
        log(`restarting the broker at ${atDelivered}/${expectedDelivered} delivered`);
        await cluster.restartBroker();
      }
      faults.push({
        what: step.what === 'kill' ? `SIGKILL ${WORKER} + restart` : 'broker restart',
        atDelivered,
        ms: Date.now() - f0,
        duplicatesBefore,
      });
      log(`${faults[faults.length - 1].what} done in ${faults[faults.length - 1].ms} ms`);
      lastFaultEnd = Date.now();
    }
    while (!settled && Date.now() < deadline) {
      await poll().catch(() => undefined);
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`waiting: ${await progressOf(cluster)}/${expectedDelivered} delivered`);
      }
      if (!settled) await sleep(250);
    }
    const seconds = (Date.now() - tSend) / 1000;
    const report = settled as { status: string; totals: Record<string, number> } | null;
    // Let stray redeliveries (a message whose ack was lost) finish before the fakes are read.
    await sleep(1000);

    const checks: DrillCheck[] = [];
    const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    check(
      'send settled',
      report !== null,
      report ? `${report.status} in ${seconds.toFixed(1)} s` : `not settled after ${seconds.toFixed(0)} s`,
    );
    check(
      'faults landed mid-run',
      faults.length === steps.length && faults.every((f) => f.atDelivered < expectedDelivered),
      faults.map((f) => `${f.what} at ${f.atDelivered}`).join('; ') || 'none',
    );

    const rows = await cluster.sql<{ n: number; devices: number; queued: number }>(
      "select count(*) as n, count(distinct device_id) as devices, sum(status = 'queued') as queued from push_recipient where send_id = ?",
      [sendId],
    );
    const statusRows = await cluster.sql<{ status: string; n: number }>(
      'select status, count(*) as n from push_recipient where send_id = ? group by status',
      [sendId],
    );
    const statuses = Object.fromEntries(statusRows.map((r) => [r.status, Number(r.n)]));
    check(
      'every recipient has exactly one final result',
      Number(rows[0].n) === n && Number(rows[0].devices) === n && Number(rows[0].queued) === 0,
      `${rows[0].n} recipient rows for ${rows[0].devices} distinct devices (${n} registered), ${rows[0].queued} without a final result; ${JSON.stringify(statuses)}`,
    );
    check(
      'results are the scripted ones',
      statuses.delivered === expectedDelivered && statuses.unregistered === unregistered.length && !statuses.failed,
      `delivered ${statuses.delivered ?? 0} (want ${expectedDelivered}), unregistered ${statuses.unregistered ?? 0} (want ${unregistered.length}), failed ${statuses.failed ?? 0} (want 0)`,
    );
    if (report) {
      check(
        'the delivery report equals the rows',
        report.totals.delivered === (statuses.delivered ?? 0) &&
          report.totals.unregistered === (statuses.unregistered ?? 0) &&
          report.totals.queued === 0,
        JSON.stringify(report.totals),
      );
    }

    const [apnsTokens, fcmTokens, apnsStats, fcmStats] = await Promise.all([
      cluster.apns.remote.deliveredTokens(),
      cluster.fcm.remote.deliveredTokens(),
      cluster.apns.remote.stats(),
      cluster.fcm.remote.stats(),
    ]);
    const deliveredRows = await cluster.sql<{ token: string; platform: string }>(
      "select token, platform from push_recipient where send_id = ? and status = 'delivered'",
      [sendId],
    );
    const missing = deliveredRows.filter((r) => !(r.platform === 'ios' ? apnsTokens : fcmTokens).get(r.token));
    check(
      'the fakes received every notification reported delivered',
      missing.length === 0,
      `${deliveredRows.length} reported delivered, ${missing.length} of them never answered 200 by a fake${missing.length ? ` (e.g. ${missing[0].token})` : ''}`,
    );
    const recorded = new Set(deliveredRows.map((r) => r.token));
    const unrecorded = [...apnsTokens.keys(), ...fcmTokens.keys()].filter((t) => !recorded.has(t));
    check(
      'nothing delivered that the report does not show',
      unrecorded.length === 0,
      `${unrecorded.length} tokens delivered by a fake but not reported delivered`,
    );

    const perToken: Record<string, number> = {};
    for (const [t, c] of [...apnsTokens, ...fcmTokens]) if (c > 1) perToken[t] = c;
    const dupDeliveries = apnsStats.duplicateDeliveries + fcmStats.duplicateDeliveries;
    const dupTokens = apnsStats.duplicateTargets + fcmStats.duplicateTargets;
    const killsOnly = chunkSize * DELIVERY_CONCURRENCY * options.kills;
    // A broker restart requeues what both replicas hold unacked while they may still be sending it.
    const withBroker = killsOnly + chunkSize * DELIVERY_CONCURRENCY * 2 * options.brokerRestarts;
    check(
      'duplicate deliveries bounded by what was in flight',
      dupDeliveries <= withBroker,
      `${dupDeliveries} duplicate deliveries to ${dupTokens} tokens; bound ${killsOnly} for the kills (chunk ${chunkSize} × concurrency ${DELIVERY_CONCURRENCY} × ${options.kills} kills)` +
        (options.brokerRestarts ? `, ${withBroker} with the broker restart (+ chunk × concurrency × 2 replicas)` : ''),
    );
    const depths = await cluster.queueDepths();
    const deadLetters = Object.entries(depths)
      .filter(([q]) => q.endsWith('.dead'))
      .reduce((s, [, m]) => s + m, 0);
    check('no dead letters', deadLetters === 0, JSON.stringify(depths));

    const strip = (s: Record<string, unknown>) => ({ ...s });
    return {
      recipients: n,
      unregisteredTokens: unregistered.length,
      throttledTokens: throttled.length,
      acceptMs,
      seconds: Math.round(seconds * 10) / 10,
      faults,
      statuses,
      report: report ? { status: report.status, totals: report.totals } : { status: 'unsettled', totals: {} },
      fakes: { apns: strip(apnsStats as unknown as Record<string, unknown>), fcm: strip(fcmStats as unknown as Record<string, unknown>) },
      duplicates: { deliveries: dupDeliveries, tokens: dupTokens, perToken: Object.fromEntries(Object.entries(perToken).slice(0, 20)) },
      bound: {
        killsOnly,
        withBrokerRestarts: withBroker,
        formula: `chunk ${chunkSize} × concurrency ${DELIVERY_CONCURRENCY} × (${options.kills} kills + 2 replicas × ${options.brokerRestarts} broker restarts)`,
      },
      deadLetters,
      checks,
      ok: checks.every((c) => c.ok),
    };
  } catch (e) {
    for (const r of cluster.replicas.values()) log(`--- ${r.name} output (tail) ---\n${r.output().slice(-3000)}`);
    throw e;
  } finally {
    await cluster.close();
  }
};
