/**
 * @module The soak run of issue 9 (point 6): one real core process (production settings, notes + push + dpaas, the
 * push and dPaaS simulators) on a fresh MariaDB database and RabbitMQ virtual host when they answer; 20 s of
 * closed-loop mixed traffic at full speed, plus the time to drain the queue work it left (push deliveries), measure
 * its capacity; then an open loop at half that rate for SOAK_SECONDS
 * with the same mix, sampled every window: RSS and heap (from /metrics), latency p50/p99/max, throughput, errors.
 * The live heap is measured over the inspector (the core runs with `--inspect=127.0.0.1:0`): a forced full collection,
 * then the heap used, after the warm-up and at the end; "memory flat" is judged on it, since a sample of RSS or of the
 * heap used sits anywhere on the collector's saw-tooth. Prints a table per window, RSS and the live heap after the
 * warm-up and at the end (and the RSS medians per third), the p99 of the first and last thirds and a verdict; the last
 * line of stdout is one JSON object with every figure. Exits 1 when the verdict fails.
 *
 *   npm run soak                                  # 10 minutes (about 12 with set-up and capacity)
 *   SOAK_SECONDS=60 npm run soak                  # a quick proof
 *
 * Settings (env): SOAK_SECONDS (600), SOAK_WINDOW_SECONDS (30), SOAK_WARMUP_SECONDS (min(60, SOAK_SECONDS/3)),
 * SOAK_DB (sqlite|mariadb; default mariadb when 127.0.0.1:3306 answers), SOAK_QUEUE (rabbitmq|embedded; default
 * rabbitmq when amqp://guest:guest@127.0.0.1:5672 answers), SOAK_CLIENTS (32, closed loop), SOAK_CAPACITY_SECONDS
 * (20), SOAK_SHARE (0.5 of capacity), SOAK_RATE (calls/s; skips the capacity measurement), SOAK_HEAP_EVERY_SECONDS
 * (live heap also every so often: each forced collection lowers RSS for a while), SOAK_HEAP_SNAPSHOTS (a directory:
 * heap snapshots after the warm-up and at the end, for heap-diff.ts; they stall the core and raise its RSS for good,
 * so not for a measured run), SOAK_CORE_NODE_OPTIONS (extra Node options for the core, e.g. --max-semi-space-size=4).
 * The core inherits this process's environment, so MALLOC_ARENA_MAX=2 npm run soak applies to it.
 *
 * The load comes from this Node process (keep-alive http.Agent), not wrk: the mix is stateful (ids from answers feed
 * later calls, per-call expected statuses, Idempotency-Key replays) and the open loop needs a fixed arrival schedule,
 * neither of which wrk 4 does; the client's CPU share is measured and printed next to the core's.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { type CoreProcess, startCore } from '../support/core-process.js';
import { type CoreSample, sampleCore } from './core-sampler.js';
import { type DbProbe, type DbWindow, startDbProbe } from './db-probe.js';
import { HeapSnapshots, inspectorUrl, type LiveHeap, measureLiveHeap } from './heap-probe.js';
import { ASSETS, provision } from './provision.js';
import { prepareBackends, type SoakBackends } from './soak-backends.js';
import { SoakClient } from './soak-client.js';
import { closedLoop, openLoop, Recorder, type WindowStats } from './soak-load.js';
import { GROUP, type Kind, MIX, TrafficMix } from './traffic-mix.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got '${v}'`);
  return n;
};

const SECONDS = num('SOAK_SECONDS', 600);
const WINDOW_S = num('SOAK_WINDOW_SECONDS', 30);
const WARMUP_S = num('SOAK_WARMUP_SECONDS', Math.min(60, Math.round(SECONDS / 3)));
const CLIENTS = num('SOAK_CLIENTS', 32);
const CAPACITY_S = num('SOAK_CAPACITY_SECONDS', 20);
const SHARE = num('SOAK_SHARE', 0.5);
const FIXED_RATE = process.env.SOAK_RATE ? num('SOAK_RATE', 1) : null;
/**
 * Live heap (after a forced full collection) at the end of the warm-up and at the end; also every HEAP_EVERY_S when
 * set (each forced collection also hands memory back to the system, so RSS after it is not what it would have been).
 */
const HEAP_EVERY_S = num('SOAK_HEAP_EVERY_SECONDS', SECONDS);
/** Heap snapshots at the first and last live-heap measurement, for heap-diff.ts (they stall the core for seconds). */
const SNAPSHOT_DIR = process.env.SOAK_HEAP_SNAPSHOTS || '';
/**
 * Verdict thresholds: live heap (after a full collection) at the end / after the warm-up; median RSS of the last third
 * / first third (the verdict only when the live heap could not be measured); p99 of the last third / first third.
 */
const LIVE_RATIO_MAX = 1.1;
const RSS_RATIO_MAX = 1.1;
const P99_RATIO_MAX = 1.5;

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);
const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
};
const gitCommit = () => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const table = (rows: string[][]): string => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
};

interface WindowRow extends WindowStats {
  endS: number;
  rps: number;
  core: CoreSample;
  db: DbWindow | null;
  coreCpuPct: number;
  clientCpuPct: number;
  load1: number;
}

const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  memGiB: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  commit: gitCommit(),
  date: new Date().toISOString(),
  uptimeBefore: uptime(),
  uptimeAfter: '',
};

let backends: SoakBackends | undefined;
let core: CoreProcess | undefined;
let client: SoakClient | undefined;
let dbProbe: DbProbe | null = null;
const cleanup = async () => {
  await dbProbe?.stop().catch(() => {});
  client?.close();
  await core?.stop().catch(() => {});
  await backends?.drop();
};
process.once('SIGINT', () => {
  log('interrupted: stopping the core and dropping the database');
  void cleanup().finally(() => process.exit(130));
});

try {
  log(`soak: ${SECONDS} s at ${SHARE * 100}% of capacity, windows of ${WINDOW_S} s, warm-up ${WARMUP_S} s`);
  log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memGiB} GiB, Node ${machine.node}, commit ${machine.commit}`);
  log(`before: ${machine.uptimeBefore}`);
  backends = await prepareBackends({ db: process.env.SOAK_DB || undefined, queue: process.env.SOAK_QUEUE || undefined });
  log(`database: ${backends.database}`);
  log(`queue: ${backends.queueNote}`);

  const adminToken = `sba_soak_${randomBytes(18).toString('hex')}`;
  const t = performance.now();
  core = await startCore({
    NODE_ENV: 'production',
    ACCESS_LOG: 'off',
    LOG_LEVEL: 'warn',
    METRICS: 'on',
    METRICS_TOKEN: '',
    DATABASE_URL: backends.databaseUrl,
    QUEUE_ADAPTER: backends.queue,
    AMQP_URL: backends.amqpUrl,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_PLUGINS: './docs/examples/notes,./plugins/push,./plugins/dpaas',
    SWITCHBOARD_PLUGIN_PUSH: JSON.stringify({ encryptionKey: randomBytes(32).toString('base64'), simulator: 'always' }),
    SWITCHBOARD_PLUGIN_DPAAS: JSON.stringify({ driver: 'simulator', simulator: { minDelayMs: 20, maxDelayMs: 200 } }),
    SWITCHBOARD_PLUGIN_NOTES: JSON.stringify({ maxNotesPerApp: 1_000_000 }),
    // The inspector on a random local port, for the live-heap measurements (a full collection, then the heap used).
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--inspect=127.0.0.1:0', process.env.SOAK_CORE_NODE_OPTIONS].filter(Boolean).join(' '),
  });
  const pid = core.child.pid as number;
  log(`core: ${core.url}, pid ${pid}, started in ${Math.round(performance.now() - t)} ms`);
  // Enough sockets that a call never waits in the client behind calls waiting on the server.
  client = new SoakClient('127.0.0.1', core.port, Math.max(256, CLIENTS));

  const seed = await provision(client, adminToken);
  log(
    `provisioned: app ${seed.appId}, plans without limits on ${ASSETS.join(', ')}; ${seed.readNotes.length + seed.deletableNotes.length} notes, ${seed.devices.length} devices, ${seed.sends.length} sends, ${seed.instances.length} instances`,
  );
  const mix = new TrafficMix(seed);
  const groups = { read: 0, write: 0, other: 0 };
  for (const [kind, n] of Object.entries(MIX) as [Kind, number][]) groups[GROUP[kind]] += n / 2;
  log(
    `mix: reads ${groups.read}%, writes ${groups.write}%, others ${groups.other}% (${Object.entries(MIX)
      .map(([k, n]) => `${k} ${n / 2}%`)
      .join(', ')})`,
  );

  const drainQueues = async (maxMs: number) => {
    const until = performance.now() + maxMs;
    let s = await sampleCore(client as SoakClient, pid);
    while (s.backlog > 0 && performance.now() < until) {
      await sleep(500);
      s = await sampleCore(client as SoakClient, pid);
    }
    return s;
  };

  // --- Capacity: closed loop, full speed ---------------------------------------------------------------------------
  let capacity: {
    /** Calls per second the core sustains: the calls over the closed loop's time plus the queues' drain time. */
    rps: number;
    /** Calls answered per second during the closed loop alone. */
    answeredRps: number;
    drainS: number;
    p50: number;
    p99: number;
    errors: number;
    coreCpuPct: number;
    /** The core's CPU time per call, µs: steadier than calls/s when other work shares the cores. */
    coreCpuUsPerCall: number;
    clientCpuPct: number;
    load1: number;
  } | null = null;
  let rate: number;
  const capRecorder = new Recorder();
  if (FIXED_RATE === null) {
    log(`capacity: 5 s warm-up, then ${CAPACITY_S} s closed loop with ${CLIENTS} clients`);
    const warm = new Recorder();
    await closedLoop(client, mix, warm, { seconds: 5, clients: CLIENTS });
    if (warm.errors) {
      const first = warm.samples[0];
      log(
        `warm-up: ${warm.errors} errors, first: ${first.request} expected ${first.expected}, got ${first.status}: ${first.detail.slice(0, 200)}`,
      );
    }
    const cpu0 = (await sampleCore(client, pid)).cpuMs;
    const me0 = process.cpuUsage();
    const w0 = performance.now();
    await closedLoop(client, mix, capRecorder, { seconds: CAPACITY_S, clients: CLIENTS });
    const wallMs = performance.now() - w0;
    const cpu1 = (await sampleCore(client, pid)).cpuMs;
    const me = process.cpuUsage(me0);
    const all = capRecorder.between(0, Number.POSITIVE_INFINITY);
    // The calls leave queue work behind (push deliveries): the capacity is the calls over the closed loop's time plus
    // the time the core takes to drain what they queued. Answers alone overstate it once accepting a send is cheaper
    // than delivering it: at half of 1 321 answers/s the delivery backlog grew without end (11 641 messages at 420 s).
    const d0 = performance.now();
    const after = await drainQueues(60_000);
    const drainMs = performance.now() - d0;
    capacity = {
      rps: all.count / ((wallMs + drainMs) / 1000),
      answeredRps: all.count / (wallMs / 1000),
      drainS: drainMs / 1000,
      p50: all.p50,
      p99: all.p99,
      errors: capRecorder.errors,
      coreCpuPct: ((cpu1 - cpu0) / wallMs) * 100,
      coreCpuUsPerCall: ((cpu1 - cpu0) * 1000) / all.count,
      clientCpuPct: ((me.user + me.system) / 1000 / wallMs) * 100,
      load1: loadavg()[0],
    };
    rate = Math.max(1, Math.round(capacity.rps * SHARE));
    log(
      `capacity: ${fmt(capacity.rps, 0)} calls/s with their queue work (${fmt(capacity.answeredRps, 0)} answered/s over ${CAPACITY_S} s, then ${fmt(capacity.drainS)} s to drain the queues to ${after.backlog} messages; p50 ${fmt(all.p50)} ms, p99 ${fmt(all.p99)} ms, ${capacity.errors} errors); core CPU ${fmt(capacity.coreCpuPct, 0)}%, client CPU ${fmt(capacity.clientCpuPct, 0)}% of one core`,
    );
    log(`dead letters ${after.dead}`);
    await sleep(3000);
  } else {
    rate = FIXED_RATE;
    log(`capacity: skipped (SOAK_RATE=${FIXED_RATE})`);
  }

  // --- Soak: open loop at a fixed rate -----------------------------------------------------------------------------
  const base = await sampleCore(client, pid);
  log(
    `soak: ${rate} calls/s for ${SECONDS} s (${Math.floor(rate * SECONDS)} calls); RSS ${fmt(base.rssMb)} MB, heap ${fmt(base.heapUsedMb)} MB before`,
  );
  dbProbe = await startDbProbe(backends.databaseUrl);
  const recorder = new Recorder();
  const windows: WindowRow[] = [];
  const inspector = inspectorUrl(core.output());
  if (!inspector) log('no inspector address in the core output: live heap not measured');
  const liveHeaps: (LiveHeap & { endS: number })[] = [];
  const snapshots = inspector && SNAPSHOT_DIR ? new HeapSnapshots(inspector) : null;
  let lastCpu = base.cpuMs;
  let lastMe = process.cpuUsage();
  let lastAt = recorder.t0;
  const sampling = (async () => {
    let next = recorder.t0 + WINDOW_S * 1000;
    const endAt = recorder.t0 + SECONDS * 1000;
    while (next <= endAt + 1) {
      await sleep(Math.max(0, next - performance.now()));
      const now = performance.now();
      const stats = recorder.closeWindow();
      const me = process.cpuUsage();
      const coreSample = await sampleCore(client as SoakClient, pid);
      const row: WindowRow = {
        ...stats,
        endS: Math.round((now - recorder.t0) / 1000),
        rps: stats.count / ((now - lastAt) / 1000),
        core: coreSample,
        db: dbProbe?.closeWindow() ?? null,
        coreCpuPct: ((coreSample.cpuMs - lastCpu) / (now - lastAt)) * 100,
        clientCpuPct: ((me.user - lastMe.user + me.system - lastMe.system) / 1000 / (now - lastAt)) * 100,
        load1: loadavg()[0],
      };
      windows.push(row);
      lastCpu = coreSample.cpuMs;
      lastMe = me;
      lastAt = now;
      log(
        `  ${String(row.endS).padStart(4)} s  ${fmt(row.rps, 0)}/s  p50 ${fmt(row.p50)}  p99 ${fmt(row.p99)}  max ${fmt(row.max)} ms  errors ${row.errors}  RSS ${fmt(coreSample.rssMb)} MB  heap ${fmt(coreSample.heapUsedMb)}/${fmt(coreSample.heapTotalMb)} MB  core CPU ${fmt(row.coreCpuPct, 0)}%  backlog ${coreSample.backlog}  load ${fmt(row.load1, 2)}`,
      );
      if (row.db && row.db.longestMs >= 500) log(`         longest database statement ${row.db.longestMs} ms: ${row.db.longest}`);
      const last = next + WINDOW_S * 1000 > endAt + 1;
      if (
        inspector &&
        row.endS >= WARMUP_S &&
        (!liveHeaps.length || row.endS - liveHeaps[liveHeaps.length - 1].endS >= HEAP_EVERY_S || last)
      ) {
        const lh = await measureLiveHeap(inspector).catch((e: Error) => {
          log(`         live heap: ${e.message}`);
          return null;
        });
        if (lh) {
          liveHeaps.push({ endS: row.endS, ...lh });
          log(
            `         live heap after a full collection ${fmt(lh.liveMb)} MB (collection ${fmt(lh.gcMs, 0)} ms); heap committed ${fmt(lh.heapTotalMb)} MB, old space ${fmt(lh.spaces.old_space?.sizeMb)}, new space ${fmt(lh.spaces.new_space?.sizeMb)} MB; external ${fmt(lh.externalMb)} MB; RSS ${fmt(lh.rssMb)} MB`,
          );
        }
        if (snapshots && (liveHeaps.length === 1 || last)) {
          const file = `${SNAPSHOT_DIR}/soak-${pid}-${String(row.endS).padStart(5, '0')}s.heapsnapshot`;
          const t0 = performance.now();
          await snapshots.take(file);
          log(`         heap snapshot ${file} (${fmt((performance.now() - t0) / 1000)} s)`);
          if (last) snapshots.close();
        }
      }
      next += WINDOW_S * 1000;
    }
  })();
  const loop = await openLoop(client, mix, recorder, { rate, seconds: SECONDS });
  await sampling;
  const tail = recorder.closeWindow();
  const drained = await drainQueues(60_000);
  machine.uptimeAfter = uptime();
  log(`after: ${machine.uptimeAfter}`);

  // --- Figures and verdict -----------------------------------------------------------------------------------------
  const soakMs = SECONDS * 1000;
  const thirds = [0, 1, 2].map((i) => recorder.between((i * soakMs) / 3, i === 2 ? Number.POSITIVE_INFINITY : ((i + 1) * soakMs) / 3));
  const afterWarmup = windows.filter((w) => w.endS >= WARMUP_S);
  const rssStart = afterWarmup[0]?.core.rssMb ?? Number.NaN;
  const rssEnd = windows[windows.length - 1]?.core.rssMb ?? Number.NaN;
  const heapStart = afterWarmup[0]?.core.heapUsedMb ?? Number.NaN;
  const heapEnd = windows[windows.length - 1]?.core.heapUsedMb ?? Number.NaN;
  // Least-squares slope of RSS after the warm-up, MB per minute.
  const slope = (() => {
    const pts = afterWarmup.map((w) => [w.endS / 60, w.core.rssMb]);
    if (pts.length < 2) return Number.NaN;
    const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    const sxy = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
    const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
    return sxx ? sxy / sxx : Number.NaN;
  })();
  const rssRatio = rssEnd / rssStart;
  // One sample sits anywhere on the garbage collector's saw-tooth (RSS swung by 150-200 MB within a minute at 160
  // calls/s), so whether memory is flat is judged on the median RSS of the first third (after the warm-up) against
  // that of the last third; the heap's floors (lowest sample) show what survives collections.
  const firstThird = afterWarmup.filter((w) => w.endS <= SECONDS / 3);
  const lastThird = windows.filter((w) => w.endS > (2 * SECONDS) / 3);
  const early = firstThird.length ? firstThird : afterWarmup.slice(0, 1);
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : Number.NaN;
  };
  const thirdsMem = {
    rssFirst: median(early.map((w) => w.core.rssMb)),
    rssLast: median(lastThird.map((w) => w.core.rssMb)),
    heapFloorFirst: Math.min(...early.map((w) => w.core.heapUsedMb)),
    heapFloorLast: Math.min(...lastThird.map((w) => w.core.heapUsedMb)),
  };
  const rssMedianRatio = thirdsMem.rssLast / thirdsMem.rssFirst;
  const liveStart = liveHeaps[0];
  const liveEnd = liveHeaps.length > 1 ? liveHeaps[liveHeaps.length - 1] : undefined;
  const liveRatio = liveStart && liveEnd ? liveEnd.liveMb / liveStart.liveMb : Number.NaN;
  const heapFloorRatio = thirdsMem.heapFloorLast / thirdsMem.heapFloorFirst;
  const p99Ratio = thirds[2].p99 / thirds[0].p99;
  const totalErrors = recorder.errors;
  /** Each criterion, true when met. */
  const pass = {
    noErrors: totalErrors === 0,
    // On the live heap after a full collection; on RSS only when the live heap could not be measured.
    memoryFlat: Number.isFinite(liveRatio) ? liveRatio <= LIVE_RATIO_MAX : rssMedianRatio <= RSS_RATIO_MAX,
    p99Stable: p99Ratio <= P99_RATIO_MAX,
    noDeadLetters: drained.dead === 0,
  };

  const out: string[] = ['', `Soak run, ${machine.date}, commit ${machine.commit}`];
  out.push(
    `machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}; database ${backends.database.split(' (')[0].split(' ')[0]}, queue ${backends.queue}`,
  );
  out.push(`before: ${machine.uptimeBefore}`, `after:  ${machine.uptimeAfter}`);
  if (capacity) {
    out.push(
      `capacity (closed loop, ${CLIENTS} clients, ${CAPACITY_S} s, then the queues drained in ${fmt(capacity.drainS)} s): ${fmt(capacity.rps, 0)} calls/s (${fmt(capacity.answeredRps, 0)} answered/s), p50 ${fmt(capacity.p50)} ms, p99 ${fmt(capacity.p99)} ms, ${capacity.errors} errors; core ${fmt(capacity.coreCpuPct, 0)}% CPU (${fmt(capacity.coreCpuUsPerCall, 0)} µs per call), client ${fmt(capacity.clientCpuPct, 0)}% CPU, load ${fmt(capacity.load1, 2)}`,
    );
  }
  out.push(
    `soak (open loop): ${rate} calls/s target for ${SECONDS} s, ${loop.issued} issued, ${recorder.latency.length} answered; client lateness p99 ${fmt(loop.lateP99)} ms, max ${fmt(loop.lateMax)} ms; ${loop.shed} shed`,
  );
  out.push('');
  const rows = [
    [
      'window end s',
      'calls/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'RSS MB',
      'heap MB',
      'heap total MB',
      'core CPU %',
      'client CPU %',
      'loop lag p99/max ms',
      'no-DB p99 ms',
      'client queue max',
      'DB busy max',
      'DB longest ms',
      'backlog',
      'load 1m',
    ],
  ];
  for (const w of windows) {
    rows.push([
      String(w.endS),
      fmt(w.rps, 0),
      fmt(w.p50),
      fmt(w.p99),
      fmt(w.max),
      String(w.errors),
      fmt(w.core.rssMb),
      fmt(w.core.heapUsedMb),
      fmt(w.core.heapTotalMb),
      fmt(w.coreCpuPct, 0),
      fmt(w.clientCpuPct, 0),
      `${fmt(w.core.loopLagP99Ms)}/${fmt(w.core.loopLagMaxMs, 0)}`,
      fmt(w.noDbP99),
      String(w.clientQueueMax),
      w.db ? String(w.db.busyMax) : 'n/a',
      w.db ? String(w.db.longestMs) : 'n/a',
      String(w.core.backlog),
      fmt(w.load1, 2),
    ]);
  }
  out.push(table(rows));
  if (tail.count) out.push(`(after the last window: ${tail.count} late answers, ${tail.errors} errors, max ${fmt(tail.max)} ms)`);
  out.push('');
  const kindRows = [['call', 'expected', 'count', 'errors', 'p50 ms', 'p99 ms']];
  for (const kind of Object.keys(MIX) as Kind[]) {
    const k = recorder.byKind.get(kind);
    if (!k) continue;
    const sorted = Float64Array.from(k.latency).sort();
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
    const expected = {
      'notes.create': 201,
      'push.send': 202,
      'dpaas.create': 202,
      'dpaas.delete': 202,
      'notes.delete': 204,
      'bad-input': 400,
      'no-key': 401,
    }[kind as string];
    kindRows.push([kind, String(expected ?? 200), String(k.count), String(k.errors), fmt(p(50)), fmt(p(99))]);
  }
  out.push(table(kindRows));
  if (Object.keys(mix.substituted).length) out.push(`substituted (pool empty or too young): ${JSON.stringify(mix.substituted)}`);
  out.push('');
  out.push(
    `RSS after the ${WARMUP_S} s warm-up ${fmt(rssStart)} MB, at the end ${fmt(rssEnd)} MB: ratio ${fmt(rssRatio, 3)}, slope ${fmt(slope, 2)} MB/min`,
  );
  out.push(`heap used after the warm-up ${fmt(heapStart)} MB, at the end ${fmt(heapEnd)} MB; RSS before the soak ${fmt(base.rssMb)} MB`);
  const firstSample = afterWarmup[0]?.core;
  const lastSampleMem = windows[windows.length - 1]?.core;
  if (firstSample && lastSampleMem)
    out.push(
      `RSS = V8 heap committed + the rest: after the warm-up ${fmt(firstSample.rssMb)} = ${fmt(firstSample.heapTotalMb)} (new space ${fmt(firstSample.newSpaceMb)}, old space ${fmt(firstSample.oldSpaceMb)}) + ${fmt(firstSample.rssMb - firstSample.heapTotalMb)} MB; at the end ${fmt(lastSampleMem.rssMb)} = ${fmt(lastSampleMem.heapTotalMb)} (new space ${fmt(lastSampleMem.newSpaceMb)}, old space ${fmt(lastSampleMem.oldSpaceMb)}) + ${fmt(lastSampleMem.rssMb - lastSampleMem.heapTotalMb)} MB`,
    );
  out.push(
    `first third after the warm-up → last third: RSS median ${fmt(thirdsMem.rssFirst)} → ${fmt(thirdsMem.rssLast)} MB (${fmt(rssMedianRatio, 3)}), heap floor ${fmt(thirdsMem.heapFloorFirst)} → ${fmt(thirdsMem.heapFloorLast)} MB (${fmt(heapFloorRatio, 3)})`,
  );
  const liveLine = (l: LiveHeap & { endS: number }) =>
    `${fmt(l.liveMb)} MB at ${l.endS} s (heap committed ${fmt(l.heapTotalMb)} MB: old space ${fmt(l.spaces.old_space?.sizeMb)}, new space ${fmt(l.spaces.new_space?.sizeMb)}, code ${fmt(l.spaces.code_space?.sizeMb)}, large objects ${fmt(l.spaces.large_object_space?.sizeMb)}; external ${fmt(l.externalMb)} MB; RSS right after ${fmt(l.rssMb)} MB; collection ${fmt(l.gcMs, 0)} ms)`;
  if (liveStart && liveEnd)
    out.push(
      `live heap after a full collection: after the warm-up ${liveLine(liveStart)}`,
      `                                   at the end ${liveLine(liveEnd)}`,
      `                                   end/start ${fmt(liveRatio, 3)}, ${fmt(liveEnd.liveMb - liveStart.liveMb, 2)} MB${liveHeaps.length > 2 ? `; all: ${liveHeaps.map((l) => `${l.endS} s ${fmt(l.liveMb)}`).join(', ')} MB` : ''}`,
    );
  else out.push('live heap after a full collection: not measured (no inspector address)');
  const lastSample = windows[windows.length - 1]?.core;
  const soakCpuUsPerCall = lastSample ? ((lastSample.cpuMs - base.cpuMs) * 1000) / recorder.latency.length : Number.NaN;
  out.push(`core CPU during the soak: ${fmt(soakCpuUsPerCall, 0)} µs per call (push deliveries and jobs included)`);
  out.push(
    `p99 by third: ${thirds.map((t, i) => `${['first', 'second', 'last'][i]} ${fmt(t.p99)} ms (p50 ${fmt(t.p50)}, ${t.count} calls)`).join('; ')}; last/first ${fmt(p99Ratio, 2)}`,
  );
  out.push(`queues after the run: ${drained.backlog} messages left, ${drained.dead} dead letters`);
  if (totalErrors) {
    out.push('', `errors: ${totalErrors} (${[...recorder.errorsBy].map(([k, n]) => `${k}: ${n}`).join(', ')}); samples:`);
    for (const s of recorder.samples)
      out.push(
        `  ${s.atS} s ${s.kind}: ${s.request} expected ${s.expected}, got ${s.status}: ${s.detail.replace(/\s+/g, ' ').slice(0, 300)}`,
      );
  }
  if (capRecorder.errors) {
    out.push(
      '',
      `capacity-phase errors: ${capRecorder.errors} (${[...capRecorder.errorsBy].map(([k, n]) => `${k}: ${n}`).join(', ')}); samples:`,
    );
    for (const s of capRecorder.samples.slice(0, 10))
      out.push(`  ${s.kind}: ${s.request} expected ${s.expected}, got ${s.status}: ${s.detail.slice(0, 300)}`);
  }
  const coreWarnings = core
    .output()
    .split('\n')
    .filter((l) => /"level":(4|5|6)0/.test(l));
  if (coreWarnings.length) {
    out.push('', `the core logged ${coreWarnings.length} warning/error lines; first ones:`);
    for (const l of coreWarnings.slice(0, 5)) out.push(`  ${l.slice(0, 400)}`);
  }
  out.push('');
  out.push(`verdict: errors ${totalErrors} → ${pass.noErrors ? 'OK' : 'FAIL'}`);
  out.push(
    Number.isFinite(liveRatio)
      ? `verdict: live heap after a full collection end/start ${fmt(liveRatio, 3)} (≤ ${LIVE_RATIO_MAX}; ${fmt(liveStart?.liveMb ?? Number.NaN)} → ${fmt(liveEnd?.liveMb ?? Number.NaN)} MB; RSS ${fmt(rssStart)} → ${fmt(rssEnd)} MB, median last/first third ${fmt(rssMedianRatio, 3)}) → ${pass.memoryFlat ? 'flat' : 'NOT flat'}`
      : `verdict: RSS median last/first third ${fmt(rssMedianRatio, 3)} (≤ ${RSS_RATIO_MAX}; end/start ${fmt(rssRatio, 3)}; live heap not measured) → ${pass.memoryFlat ? 'flat' : 'NOT flat'}`,
  );
  out.push(`verdict: p99 last/first third ${fmt(p99Ratio, 2)} (≤ ${P99_RATIO_MAX}) → ${pass.p99Stable ? 'stable' : 'NOT stable'}`);
  out.push(`verdict: dead letters ${drained.dead} → ${pass.noDeadLetters ? 'OK' : 'FAIL'}`);
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    machine,
    settings: {
      seconds: SECONDS,
      windowSeconds: WINDOW_S,
      warmupSeconds: WARMUP_S,
      clients: CLIENTS,
      capacitySeconds: CAPACITY_S,
      share: SHARE,
    },
    backends: { database: backends.database, queue: backends.queueNote },
    capacity: capacity && {
      rps: round(capacity.rps, 0),
      answeredRps: round(capacity.answeredRps, 0),
      drainS: round(capacity.drainS),
      p50: round(capacity.p50),
      p99: round(capacity.p99),
      errors: capacity.errors,
      coreCpuPct: round(capacity.coreCpuPct, 0),
      coreCpuUsPerCall: round(capacity.coreCpuUsPerCall, 0),
      clientCpuPct: round(capacity.clientCpuPct, 0),
      load1: round(capacity.load1, 2),
    },
    rate,
    issued: loop.issued,
    answered: recorder.latency.length,
    errors: totalErrors,
    errorsBy: Object.fromEntries(recorder.errorsBy),
    rssMb: {
      beforeSoak: round(base.rssMb),
      start: round(rssStart),
      end: round(rssEnd),
      ratio: round(rssRatio, 3),
      slopeMbPerMin: round(slope, 2),
      medianFirstThird: round(thirdsMem.rssFirst),
      medianLastThird: round(thirdsMem.rssLast),
      medianRatio: round(rssMedianRatio, 3),
    },
    heapMb: {
      start: round(heapStart),
      end: round(heapEnd),
      floorFirstThird: round(thirdsMem.heapFloorFirst),
      floorLastThird: round(thirdsMem.heapFloorLast),
      floorRatio: round(heapFloorRatio, 3),
    },
    liveHeapMb: {
      start: liveStart ? round(liveStart.liveMb, 2) : null,
      end: liveEnd ? round(liveEnd.liveMb, 2) : null,
      ratio: round(liveRatio, 3),
      measurements: liveHeaps.map((l) => ({
        endS: l.endS,
        liveMb: round(l.liveMb, 2),
        heapTotalMb: round(l.heapTotalMb),
        oldSpaceMb: round(l.spaces.old_space?.sizeMb ?? Number.NaN),
        newSpaceMb: round(l.spaces.new_space?.sizeMb ?? Number.NaN),
        externalMb: round(l.externalMb),
        rssAfterMb: round(l.rssMb),
        gcMs: round(l.gcMs, 0),
      })),
    },
    p99ByThird: thirds.map((t) => round(t.p99)),
    p99Ratio: round(p99Ratio, 2),
    windows: windows.map((w) => ({
      endS: w.endS,
      rps: round(w.rps, 0),
      p50: round(w.p50),
      p99: round(w.p99),
      max: round(w.max),
      errors: w.errors,
      rssMb: round(w.core.rssMb),
      heapMb: round(w.core.heapUsedMb),
      heapTotalMb: round(w.core.heapTotalMb),
      newSpaceMb: round(w.core.newSpaceMb),
      externalMb: round(w.core.externalMb),
      coreCpuPct: round(w.coreCpuPct, 0),
      loopLagMaxMs: round(w.core.loopLagMaxMs, 0),
      noDbP99: round(w.noDbP99),
      clientQueueMax: w.clientQueueMax,
      dbBusyMax: w.db?.busyMax ?? null,
      dbLongestMs: w.db?.longestMs ?? null,
      load1: round(w.load1, 2),
    })),
    pass,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  if (!Object.values(pass).every(Boolean)) process.exitCode = 1;
} catch (e) {
  process.stderr.write(`soak failed: ${(e as Error).stack ?? e}\n`);
  if (core) process.stderr.write(`core output (last 3000 chars):\n${core.output().slice(-3000)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
