/**
 * @module Where a small send's accept waits while a big send is delivered (issue 5, point 8). Starts the same cluster
 * as push-e2e.ts (split layout by default), traces the API replica (PUSH_TRACE=1: per-phase timings of every
 * POST /sends, event-loop delay and pool state every second; ACCESS_LOG for the server-side time of each request) and,
 * during one big send with small sends at 20 a second, samples:
 *   - InnoDB lock waits (information_schema.innodb_lock_waits / innodb_trx / innodb_locks) every 50 ms,
 *   - InnoDB counters (row lock waits and time, log fsyncs, commits) before and after,
 *   - a commit probe (one autocommit INSERT every 100 ms) and a broker probe (one persistent message with a publisher
 *     confirm every 100 ms on a queue of its own), to tell the database's and the broker's latency from the API's,
 *   - each process's CPU time and time spent runnable but waiting for a CPU (/proc/<pid>/task/../schedstat),
 *   - this process's own event-loop delay (the latencies are timed here).
 * Prints a per-second timeline and a summary; the raw data goes to /tmp/push-diagnose-<time>.json.
 *
 *   node --import tsx test/bench/push-diagnose.ts [--n 50000] [--queue rabbitmq|embedded] [--workers 1] [--layout split|shared]
 *                                                 [--rate 20] [--small-max 10] [--idle-seconds 5]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';
import { inLanes, percentile, sleep, startPushCluster } from '../push/fault-drill-cluster.js';
import { apnsToken } from '../push/support.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    queue: { type: 'string', default: 'rabbitmq' },
    workers: { type: 'string', default: '1' },
    layout: { type: 'string', default: 'split' },
    rate: { type: 'string', default: '20' },
    'small-max': { type: 'string', default: '10' },
    'idle-seconds': { type: 'string', default: '5' },
    'snapshot-batch': { type: 'string' },
    /** Experiment: push_recipient's chunk index without `status` (applied before the big send). */
    'narrow-index': { type: 'boolean', default: false },
  },
});
const N = Number(values.n);
const QUEUE = values.queue === 'embedded' ? 'embedded' : 'rabbitmq';
const WORKERS = Number(values.workers);
const SPLIT = values.layout !== 'shared';
const RATE = Number(values.rate);
const SMALL_MAX = Number(values['small-max']);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const logBase = `/tmp/push-diagnose-${stamp}`;
process.env.PUSH_CLUSTER_LOG = logBase;
const t00 = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - t00) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const stats = (xs: number[]) =>
  xs.length
    ? { n: xs.length, p50: r1(percentile(xs, 50)), p90: r1(percentile(xs, 90)), p99: r1(percentile(xs, 99)), max: r1(Math.max(...xs)) }
    : { n: 0 };

/** Run time and run-queue wait (ms) of every thread of a process, and of its main thread, from schedstat. */
const sched = (pid: number | undefined): { run: number; wait: number; mainRun: number; mainWait: number } => {
  const out = { run: 0, wait: 0, mainRun: 0, mainWait: 0 };
  if (!pid) return out;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.run += run / 1e6;
      out.wait += wait / 1e6;
      if (Number(tid) === pid) {
        out.mainRun = run / 1e6;
        out.mainWait = wait / 1e6;
      }
    }
  } catch {
    // gone
  }
  return out;
};
const pidOf = (name: string): number | undefined => {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
};

const clientDelay = monitorEventLoopDelay({ resolution: 5 });
clientDelay.enable();

const cluster = await startPushCluster({
  queue: QUEUE,
  log,
  push: values['snapshot-batch'] ? { snapshotBatchSize: Number(values['snapshot-batch']) } : {},
});
try {
  const apiEnv = { SWITCHBOARD_ROLE: SPLIT ? 'api' : 'all', PUSH_TRACE: '1', LOG_LEVEL: 'info', ACCESS_LOG: 'true' };
  await cluster.startReplica('api', apiEnv);
  for (let i = 1; i <= WORKERS; i++)
    await cluster.startReplica(`worker${i}`, { SWITCHBOARD_ROLE: SPLIT ? 'worker' : 'all', PUSH_TRACE: '1', LOG_LEVEL: 'info' });
  const big = await cluster.createApp('bench');
  await cluster.uploadCredentials(big);
  const small = await cluster.createApp('bench-small');
  await cluster.uploadCredentials(small);
  const register = async (headers: Record<string, string>, count: number, prefix: string, base: number) => {
    const ids: string[] = [];
    await inLanes(count, 24, async (i) => {
      const ios = i % 2 === 1;
      const res = await cluster.call<{ id: string }>(
        'api',
        'POST',
        '/api/push/devices',
        { platform: ios ? 'ios' : 'android', token: ios ? apnsToken(base + i) : `${prefix}-${i}`, userId: `u${i % 5000}` },
        headers,
      );
      if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
      ids[i] = res.body.id;
    });
    return ids;
  };
  await register(big, N, 'bench-fcm', 0xb00000);
  const smallIds = await register(small, 100, 'small-fcm', 0xc00000);
  log(`registered ${N} + 100 devices`);
  if (values['narrow-index']) {
    const [idx] = await cluster.sql<{ Key_name: string }>(
      "show index from push_recipient where Key_name = 'push_recipient_send_chunk_index'",
    );
    if (idx)
      await cluster.sql(
        'alter table push_recipient drop index push_recipient_send_chunk_index, add index push_recipient_send_chunk_index (send_id, chunk)',
      );
    log('push_recipient_send_chunk_index is now (send_id, chunk)');
  }

  // Probes and samplers.
  const dbUrl = cluster.databaseUrl.replace(/^mariadb:/, 'mysql:');
  const probeDb = await createConnection({ uri: dbUrl });
  const lockDb = await createConnection({ uri: dbUrl });
  await probeDb.query('create table diag_probe (id int auto_increment primary key, at datetime(3) not null)');
  const amqp = cluster.amqpUrl ? await connect(cluster.amqpUrl) : null;
  const probeCh = amqp ? await amqp.createConfirmChannel() : null;
  if (probeCh) await probeCh.assertQueue('diag.probe', { durable: true });
  type Sample = { t: number; ms: number };
  const commitProbe: Sample[] = [];
  const brokerProbe: Sample[] = [];
  const now = () => performance.now() - t00;
  let probing = true;
  const probes = Promise.all([
    (async () => {
      while (probing) {
        const t = now();
        await probeDb.query('insert into diag_probe (at) values (now(3))');
        commitProbe.push({ t, ms: now() - t });
        await sleep(100);
      }
    })(),
    (async () => {
      while (probing && probeCh) {
        const t = now();
        await new Promise<void>((res, rej) =>
          probeCh.sendToQueue('diag.probe', Buffer.from('x'), { persistent: true }, (err) => (err ? rej(err) : res())),
        );
        brokerProbe.push({ t, ms: now() - t });
        await sleep(100);
      }
      if (probeCh) await probeCh.purgeQueue('diag.probe');
    })(),
  ]);
  const lockWaits = new Map<string, { first: number; last: number; row: Record<string, unknown> }>();
  let sampling = true;
  const lockSampler = (async () => {
    while (sampling) {
      const [rows] = await lockDb.query(
        `select w.requesting_trx_id, w.requested_lock_id, w.blocking_trx_id, w.blocking_lock_id,
                r.trx_query as waiting_query, r.trx_wait_started, b.trx_query as blocking_query, b.trx_rows_locked as blocking_rows_locked,
                l.lock_mode, l.lock_type, l.lock_table, l.lock_index, bl.lock_mode as blocking_mode
           from information_schema.innodb_lock_waits w
           join information_schema.innodb_trx r on r.trx_id = w.requesting_trx_id
           join information_schema.innodb_trx b on b.trx_id = w.blocking_trx_id
           left join information_schema.innodb_locks l on l.lock_id = w.requested_lock_id
           left join information_schema.innodb_locks bl on bl.lock_id = w.blocking_lock_id`,
      );
      const t = now();
      for (const row of rows as Record<string, unknown>[]) {
        const key = `${row.requesting_trx_id} ${row.requested_lock_id}`;
        const seen = lockWaits.get(key);
        if (seen) seen.last = t;
        else lockWaits.set(key, { first: t, last: t, row });
      }
      await sleep(50);
    }
  })();
  const status = async () => {
    const [rows] = await lockDb.query(
      `show global status where variable_name in ('Innodb_row_lock_waits','Innodb_row_lock_time','Innodb_row_lock_time_max',
        'Innodb_os_log_fsyncs','Innodb_data_fsyncs','Com_commit','Handler_commit','Com_insert','Com_update','Com_insert_select','Threads_running')`,
    );
    return Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]));
  };

  // Small sends, each with a request id so the server's lines can be matched.
  interface Small {
    k: number;
    t: number;
    ms: number;
    status: number;
    id: string;
  }
  const smallSends = (tag: string) => {
    const out: Small[] = [];
    const pending: Promise<void>[] = [];
    let k = 0;
    const timer = setInterval(() => {
      const n = k++;
      const size = 1 + ((n * 37) % SMALL_MAX);
      const start = (n * 13) % 100;
      const deviceIds = Array.from({ length: size }, (_, j) => smallIds[(start + j) % 100]);
      const id = `diag-${tag}-${n}`;
      const t = now();
      pending.push(
        cluster
          .call(
            'api',
            'POST',
            '/api/push/sends',
            { target: { deviceIds }, notification: { title: 'small', body: String(n) } },
            { ...small, 'x-request-id': id },
          )
          .then((res) => {
            out.push({ k: n, t, ms: now() - t, status: res.status, id });
          }),
      );
    }, 1000 / RATE);
    return {
      stop: async () => {
        clearInterval(timer);
        await Promise.all(pending);
        return out;
      },
    };
  };

  const idleSeconds = Number(values['idle-seconds']);
  const idle = smallSends('idle');
  await sleep(idleSeconds * 1000);
  const idleOut = await idle.stop();
  log(`idle small sends: ${JSON.stringify(stats(idleOut.map((s) => s.ms)))}`);

  const pids: Record<string, number | undefined> = {
    ...Object.fromEntries([...cluster.replicas.entries()].map(([n, r]) => [n, r.child.pid])),
    mariadb: pidOf('mariadbd') ?? pidOf('mysqld'),
    rabbitmq: QUEUE === 'rabbitmq' ? pidOf('beam.smp') : undefined,
    'fake APNs': cluster.apns.child.pid,
    'fake FCM': cluster.fcm.child.pid,
    'bench client': process.pid,
  };
  const sched0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, sched(p)]));
  const status0 = await status();
  const load0 = loadavg();
  clientDelay.reset();
  const s = smallSends('big');
  await sleep(1000);
  const bigT0 = now();
  const res = await cluster.call<{ id: string }>(
    'api',
    'POST',
    '/api/push/sends',
    { target: { all: true }, notification: { title: 'Bench', body: 'diag' } },
    {
      ...big,
      'x-request-id': 'diag-bigsend',
    },
  );
  const bigAcceptMs = now() - bigT0;
  if (res.status !== 202) throw new Error(`big send: ${res.status} ${res.text}`);
  log(`big send accepted in ${r1(bigAcceptMs)} ms`);
  let innodbStatus = '';
  let completedAt = '';
  for (;;) {
    const r = await cluster.call<{ status: string; completedAt: string }>(
      'api',
      'GET',
      `/api/push/sends/${res.body.id}?limit=1`,
      undefined,
      big,
    );
    if (!innodbStatus && now() - bigT0 > 6000) {
      const [rows] = await lockDb.query('show engine innodb status');
      innodbStatus = String((rows as { Status: string }[])[0]?.Status ?? '');
    }
    if (r.status === 200 && ['completed', 'failed'].includes(r.body.status)) {
      completedAt = r.body.completedAt;
      break;
    }
    await sleep(1000);
  }
  const bigEnd = now();
  const out = await s.stop();
  const sched1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, sched(p)]));
  const status1 = await status();
  const load1 = loadavg();
  const clientLoop = {
    p50: r1(clientDelay.percentile(50) / 1e6),
    p99: r1(clientDelay.percentile(99) / 1e6),
    max: r1(clientDelay.max / 1e6),
  };
  sampling = false;
  probing = false;
  await lockSampler;
  await probes;
  await amqp?.close();
  await probeDb.end();
  await lockDb.end();
  const seconds = (bigEnd - bigT0) / 1000;
  log(
    `big send settled (${completedAt}) after ${r1(seconds)} s of polling; small sends during it: ${JSON.stringify(stats(out.map((x) => x.ms)))}`,
  );

  // The server's side: access-log time and the accept phases, by request id.
  const lines = cluster.replicas.get('api')?.output().split('\n') ?? [];
  let apiLog = '';
  try {
    apiLog = readFileSync(`${logBase}.api`, 'utf8');
  } catch {
    apiLog = lines.join('\n');
  }
  const server = new Map<string, { serverMs?: number; phases?: Record<string, number>; total?: number }>();
  const health: {
    t: number;
    time?: string;
    loopDelayMs: { p50: number; p99: number; max: number };
    utilization: number;
    pool: Record<string, number>;
  }[] = [];
  for (const line of apiLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    const id = j.reqId as string | undefined;
    if (j.msg === 'request' && id) server.set(id, { ...server.get(id), serverMs: j.ms as number });
    if (j.msg === 'push accept phases' && id)
      server.set(id, { ...server.get(id), phases: j.phases as Record<string, number>, total: j.total as number });
    if (j.msg === 'push replica health') health.push({ ...(j as unknown as (typeof health)[number]), t: Date.parse(String(j.time)) });
  }
  const during = out.map((x) => ({ ...x, ...server.get(x.id) }));
  const phaseNames = [...new Set(during.flatMap((x) => Object.keys(x.phases ?? {})))];
  const phaseStats = Object.fromEntries(phaseNames.map((p) => [p, stats(during.map((x) => x.phases?.[p] ?? 0))]));
  const outside = during.filter((x) => x.serverMs !== undefined).map((x) => x.ms - (x.serverMs as number));

  console.log('\n== small sends during the big send');
  console.log(`client-side:             ${JSON.stringify(stats(during.map((x) => x.ms)))}`);
  console.log(
    `server-side (access log): ${JSON.stringify(stats(during.filter((x) => x.serverMs !== undefined).map((x) => x.serverMs as number)))}`,
  );
  console.log(`client minus server:      ${JSON.stringify(stats(outside))}`);
  console.log(`handler total:            ${JSON.stringify(stats(during.map((x) => x.total ?? 0)))}`);
  for (const [p, st] of Object.entries(phaseStats)) console.log(`  phase ${p.padEnd(18)} ${JSON.stringify(st)}`);
  console.log('\n== the slowest 12 small sends (client ms, server ms, phases)');
  for (const x of [...during].sort((a, b) => b.ms - a.ms).slice(0, 12))
    console.log(`  t=${r1((x.t - bigT0) / 1000)} s client ${r1(x.ms)} server ${x.serverMs ?? '?'} ${JSON.stringify(x.phases ?? {})}`);
  console.log(`\n== the big POST: client ${r1(bigAcceptMs)} ms, server ${JSON.stringify(server.get('diag-bigsend') ?? {})}`);
  console.log(
    `\n== probes during the big send: commit ${JSON.stringify(stats(commitProbe.filter((p) => p.t >= bigT0 && p.t <= bigEnd).map((p) => p.ms)))}`,
  );
  console.log(
    `                                broker confirm ${JSON.stringify(stats(brokerProbe.filter((p) => p.t >= bigT0 && p.t <= bigEnd).map((p) => p.ms)))}`,
  );
  console.log(`   before it (idle):             commit ${JSON.stringify(stats(commitProbe.filter((p) => p.t < bigT0).map((p) => p.ms)))}`);
  console.log(
    `                                broker confirm ${JSON.stringify(stats(brokerProbe.filter((p) => p.t < bigT0).map((p) => p.ms)))}`,
  );
  const statusDiff = Object.fromEntries(Object.keys(status1).map((k) => [k, status1[k] - (status0[k] ?? 0)]));
  console.log(`\n== InnoDB counters over the big send: ${JSON.stringify(statusDiff)}`);
  const waits = [...lockWaits.values()].map((w) => ({ ...w, seenMs: r1(w.last - w.first) }));
  console.log(`== lock waits seen: ${waits.length}`);
  const byKind = new Map<string, number[]>();
  for (const w of waits) {
    const key = `${String(w.row.waiting_query ?? '').slice(0, 70)} ⟵ ${String(w.row.blocking_query ?? 'idle trx').slice(0, 70)} [${w.row.lock_table} ${w.row.lock_index} ${w.row.lock_mode}/${w.row.blocking_mode}]`;
    byKind.set(key, [...(byKind.get(key) ?? []), w.seenMs]);
  }
  for (const [k, ms] of byKind) console.log(`  ${ms.length}× (seen up to ${Math.max(...ms)} ms) ${k}`);
  console.log('\n== CPU (ms) and run-queue wait (ms) per process over the big send');
  for (const k of Object.keys(pids)) {
    const run = r1(sched1[k].run - sched0[k].run);
    const wait = r1(sched1[k].wait - sched0[k].wait);
    const mainRun = r1(sched1[k].mainRun - sched0[k].mainRun);
    const mainWait = r1(sched1[k].mainWait - sched0[k].mainWait);
    console.log(
      `  ${k.padEnd(14)} cpu ${String(run).padStart(9)}  waiting for a CPU ${String(wait).padStart(9)}   main thread: cpu ${String(mainRun).padStart(8)} waiting ${String(mainWait).padStart(8)}`,
    );
  }
  console.log(`\n== API replica health lines during the big send (loop delay p99/max ms, utilization, pool busyMax/queuedMax):`);
  const t0Wall = Date.now() - (performance.now() - t00) + bigT0 - 0;
  for (const h of health.filter((x) => x.t >= t0Wall - 1000 && x.t <= t0Wall + seconds * 1000 + 1000))
    console.log(
      `  +${r1((h.t - t0Wall) / 1000)} s  delay p99 ${h.loopDelayMs.p99} max ${h.loopDelayMs.max}  util ${h.utilization}  pool ${JSON.stringify(h.pool)}`,
    );
  console.log(
    `\nbench client loop delay: ${JSON.stringify(clientLoop)}; load average ${load0.map(r1).join(' ')} → ${load1.map(r1).join(' ')}`,
  );

  // Per-second timeline.
  console.log('\n== timeline (s since the big POST): small sends n, p50, max (client) | commit probe max | broker probe max');
  for (let sec = -1; sec < Math.ceil(seconds); sec++) {
    const inSec = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t - bigT0 >= sec * 1000 && x.t - bigT0 < (sec + 1) * 1000);
    const ss = inSec(during).map((x) => x.ms);
    const cp = inSec(commitProbe).map((x) => x.ms);
    const bp = inSec(brokerProbe).map((x) => x.ms);
    console.log(
      `  ${String(sec).padStart(3)}  ${String(ss.length).padStart(3)} ${String(r1(percentile(ss, 50))).padStart(7)} ${String(r1(Math.max(0, ...ss))).padStart(7)} | ${String(r1(Math.max(0, ...cp))).padStart(7)} | ${String(r1(Math.max(0, ...bp))).padStart(7)}`,
    );
  }
  const file = `${logBase}.json`;
  writeFileSync(
    file,
    JSON.stringify({
      n: N,
      queue: QUEUE,
      bigAcceptMs,
      seconds,
      during,
      commitProbe,
      brokerProbe,
      waits,
      statusDiff,
      sched0,
      sched1,
      health,
      clientLoop,
      innodbStatus,
    }),
  );
  writeFileSync(`${logBase}.innodb-status.txt`, innodbStatus);
  log(`raw data: ${file}; replica logs ${logBase}.<replica>`);
} finally {
  await cluster.close();
}
