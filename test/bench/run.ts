/**
 * @module `npm run bench`: Switchboard against bare Hono on the same two routes (plus the GET behind the access gate
 * with an API key, and one round with the access log on), then Switchboard's cold start with a 1,000-operation plugin.
 * Progress goes to stderr; stdout gets a table and, as its last line, one JSON object. docs/benchmarks.md has figures.
 *
 * Options (all optional): --seconds 5 --rounds 5 --warmup 5 --connections 50 --threads 1 --cold-runs 5
 * --cold-ops 1000 --skip-load --skip-cold --profile (always CPU-profile one cold start) --keep (keep the temp dir).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generatePlugin, measureColdStart, median, type ProfileSummary, profileColdStart, type Spread } from './cold-start.js';
import { type Child, cpuTimeMs, freePort, httpRequest, ROOT, runCli, spawnNode, stopChild, waitFor200 } from './processes.js';
import { findWrk, runWrk, type WrkResult, wrkVersion } from './wrk.js';

const TARGET_RATIO = 0.85;
/** Issue 3: the full pipeline (key, subscription, rate limit, validation, metering) against bare Hono. */
const TARGET_KEYED_RATIO = 0.8;
const TARGET_COLD_MS = 1500;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    'cold-runs': { type: 'string', default: '5' },
    'cold-ops': { type: 'string', default: '1000' },
    'skip-load': { type: 'boolean', default: false },
    'skip-cold': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const positive = (name: keyof typeof opts): number => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got '${opts[name]}'`);
  return n;
};
const cfg = {
  seconds: positive('seconds'),
  rounds: positive('rounds'),
  warmupSeconds: positive('warmup'),
  connections: positive('connections'),
  threads: positive('threads'),
  coldRuns: positive('cold-runs'),
  coldOperations: positive('cold-ops'),
};

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

let wrk: string;
try {
  wrk = findWrk();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}

const cpuModel = (() => {
  try {
    return (
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^model name\s*:\s*(.+)$/m)?.[1]
        .trim() ??
      cpus()[0]?.model ??
      'unknown'
    );
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
})();
const machine = {
  cpu: cpuModel,
  nproc: availableParallelism(),
  memGb: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  os: `${process.platform} ${release()}`,
  wrk: await wrkVersion(wrk),
  loadAvg1mAtStart: round(loadavg()[0], 2),
  loadAvg1mAtEnd: null as number | null,
  git: gitState(),
  date: new Date().toISOString(),
};

function gitState(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'core', 'sdk'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const live = new Set<Child>();
const cleanup = async () => {
  await Promise.all([...live].map((c) => stopChild(c)));
  if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});

const BENCH_PLUGIN = resolve(ROOT, 'test/bench/plugin/plugin.ts');
const POST_SCRIPT = resolve(ROOT, 'test/bench/post.lua');
const GET_PATH = '/api/bench/items/42?verbose=true';
const KEYED_PATH = '/api/bench/keyed/items/42?verbose=true';
const POST_PATH = '/api/bench/items';
const POST_BODY = '{"name":"widget","qty":3}';

interface Server {
  child: Child;
  base: string;
  /** Where its stdout (the access log, if on) goes. */
  logFile: string | null;
  /** An API key subscribed to the bench asset (Switchboard only, when provisioning worked). */
  apiKey?: string;
}

const startBare = async (): Promise<Server> => {
  const port = await freePort();
  const child = spawnNode('bare hono', 'test/bench/bare-server.ts', { PORT: String(port), NODE_ENV: 'production' });
  live.add(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(child, `${base}${GET_PATH}`, { everyMs: 20, timeoutMs: 60_000 });
  return { child, base, logFile: null };
};

/**
 * Production settings. ACCESS_CONTROL keeps its default (on; production refuses it off): the bench asset's
 * getItem and createItem are `public`, so they measure the pipeline without the key gate, and getItemKeyed is gated.
 */
const switchboardEnv = (accessLog: boolean, databaseFile: string): Record<string, string> => ({
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  ACCESS_LOG: accessLog ? 'on' : 'off',
  // Access lines are info-level: with them on, run at the production default level so they are written.
  LOG_LEVEL: accessLog ? 'info' : 'warn',
  DATABASE_URL: `sqlite:${databaseFile}`,
  SWITCHBOARD_PLUGINS: BENCH_PLUGIN,
});

/**
 * Creates, with the CLI, an org, an app, a plan without practical rate limits, a subscription and a key for the bench
 * asset, in the database the server will use. Returns the key, or null (with why) if the CLI did not cooperate.
 */
const provisionKey = async (env: Record<string, string>): Promise<string | null> => {
  const cli = (...args: string[]) => runCli(args, env);
  const idOf = (out: string) => {
    const id = out.match(/"id":\s*"([^"]+)"/)?.[1];
    if (!id) throw new Error(`no id in the CLI's answer: ${out.slice(0, 300)}`);
    return id;
  };
  try {
    await cli('migrate');
    const org = idOf(await cli('orgs', 'create', '--name', 'bench', '--kind', 'business'));
    const app = idOf(await cli('apps', 'create', '--org', org, '--name', 'bench'));
    const plan = idOf(
      await cli('plans', 'create', '--asset', 'bench', '--name', 'bench', '--per-second', '10000000', '--per-minute', '600000000'),
    );
    await cli('subscribe', '--app', app, '--plan', plan);
    const key = (await cli('keys', 'issue', '--app', app, '--name', 'bench')).match(/"key":\s*"([^"]+)"/)?.[1];
    if (!key) throw new Error('keys issue printed no key');
    return key;
  } catch (e) {
    progress(`warning: could not provision an API key with the CLI, the access-gate figure is left out: ${(e as Error).message}`);
    return null;
  }
};

const startSwitchboard = async (accessLog: boolean): Promise<Server> => {
  const port = await freePort();
  const label = accessLog ? 'on' : 'off';
  const env = switchboardEnv(accessLog, join(tmp, `load-${label}.sqlite`));
  const apiKey = accessLog ? null : await provisionKey(env);
  const logFile = join(tmp, `switchboard-access-${label}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawnNode(`switchboard (ACCESS_LOG=${label})`, 'core/src/main.ts', { ...env, PORT: String(port) }, { stdout: fd });
  closeSync(fd);
  live.add(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(child, `${base}/healthz`, { everyMs: 20, timeoutMs: 60_000 });
  return { child, base, logFile, ...(apiKey ? { apiKey } : {}) };
};

const stopServer = async (s: Server) => {
  await stopChild(s.child);
  live.delete(s.child);
};

/** Both servers must give the same answers, and Switchboard must really validate and gate, or the comparison is void. */
const checkEquivalent = async (bare: Server, sb: Server) => {
  for (const [what, path, init] of [
    ['GET', GET_PATH, {}],
    ['POST', POST_PATH, { method: 'POST', body: POST_BODY }],
  ] as const) {
    const [a, b] = await Promise.all([httpRequest(bare.base + path, init), httpRequest(sb.base + path, init)]);
    const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), id: what === 'POST' ? 0 : JSON.parse(s).id });
    if (a.status !== b.status || strip(a.body) !== strip(b.body)) {
      throw new Error(`${what} answers differ: bare ${a.status} ${a.body}, switchboard ${b.status} ${b.body}`);
    }
  }
  const bad = await httpRequest(`${sb.base}${POST_PATH}`, { method: 'POST', body: '{"name":""}' });
  const badId = await httpRequest(`${sb.base}/api/bench/items/abc`);
  if (bad.status !== 400 || badId.status !== 400) {
    throw new Error(`Switchboard does not validate: invalid body → ${bad.status}, non-integer id → ${badId.status}`);
  }
  if (sb.apiKey) {
    const anonymous = await httpRequest(sb.base + KEYED_PATH);
    const keyed = await httpRequest(sb.base + KEYED_PATH, { headers: { 'x-api-key': sb.apiKey } });
    if (anonymous.status !== 401 || keyed.status !== 200) {
      throw new Error(`the keyed operation answers ${anonymous.status} without a key and ${keyed.status} with one (expected 401, 200)`);
    }
    const bareKeyed = await httpRequest(bare.base + KEYED_PATH, { headers: { 'x-api-key': sb.apiKey } });
    if (bareKeyed.status !== 200 || bareKeyed.body !== keyed.body) {
      throw new Error(`keyed answers differ: bare ${bareKeyed.status} ${bareKeyed.body}, switchboard ${keyed.status} ${keyed.body}`);
    }
  }
};

interface Round extends WrkResult {
  /** The server's CPU time per request in µs (Linux), null where /proc is missing. */
  cpuUsPerReq: number | null;
}

interface Side {
  rps: number;
  p99ms: number;
  cpuUsPerReq: number | null;
  rounds: { rps: number; p99ms: number; cpuUsPerReq: number | null }[];
}

const medianOrNull = (xs: (number | null)[]): number | null =>
  xs.every((x) => x !== null) && xs.length > 0 ? round(median(xs as number[]), 1) : null;

const summarize = (results: Round[]): Side => ({
  rps: Math.round(median(results.map((r) => r.rps))),
  p99ms: round(median(results.map((r) => r.latencyMs.p99)), 2),
  cpuUsPerReq: medianOrNull(results.map((r) => r.cpuUsPerReq)),
  rounds: results.map((r) => ({ rps: Math.round(r.rps), p99ms: round(r.latencyMs.p99, 2), cpuUsPerReq: r.cpuUsPerReq })),
});

/** What one wrk round hits: a server, a request, and the name it is reported under. */
interface Target {
  side: string;
  server: Server;
  path: string;
  script?: string;
  headers?: Record<string, string>;
}

const wrkRound = async (t: Target, seconds: number): Promise<Round> => {
  const pid = t.server.child.proc.pid;
  const cpuBefore = cpuTimeMs(pid);
  const res = await runWrk({
    wrk,
    url: t.server.base + t.path,
    seconds,
    threads: cfg.threads,
    connections: cfg.connections,
    script: t.script,
    headers: t.headers,
  });
  const cpuAfter = cpuTimeMs(pid);
  const cpuUsPerReq = cpuBefore === null || cpuAfter === null ? null : round(((cpuAfter - cpuBefore) * 1000) / res.requests, 1);
  return { ...res, cpuUsPerReq };
};

interface Compared extends Side {
  /** req/s against bare Hono's median. */
  ratio: number;
}

interface RouteFigures {
  request: string;
  bare: Side;
  switchboard: Side;
  ratio: number;
  /** bare CPU per request ÷ Switchboard CPU per request: the throughput ratio a CPU-bound server would show. */
  cpuRatio: number | null;
  /** The same request on the gated operation with an API key (GET only), against bare Hono sent the same request. */
  keyed?: Compared & { bare: Side; p99AddedMs: number };
  accessLogOn?: { rps: number; p99ms: number; cpuUsPerReq: number | null; ratio: number };
}

const targetsOf = (route: 'get' | 'post', bare: Server, sb: Server): Target[] => {
  if (route === 'post') {
    return [
      { side: 'bare', server: bare, path: POST_PATH, script: POST_SCRIPT },
      { side: 'switchboard', server: sb, path: POST_PATH, script: POST_SCRIPT },
    ];
  }
  const targets: Target[] = [
    { side: 'bare', server: bare, path: GET_PATH },
    { side: 'switchboard', server: sb, path: GET_PATH },
  ];
  if (sb.apiKey) {
    // Bare Hono gets the very same request (path and key header) as the gated operation: its baseline.
    targets.push({ side: 'bareKeyed', server: bare, path: KEYED_PATH, headers: { 'x-api-key': sb.apiKey } });
    targets.push({ side: 'keyed', server: sb, path: KEYED_PATH, headers: { 'x-api-key': sb.apiKey } });
  }
  return targets;
};

const keyedFigures = (keyed: Side, bare: Side) => ({
  ...keyed,
  ratio: round(keyed.rps / bare.rps, 3),
  bare,
  p99AddedMs: round(keyed.p99ms - bare.p99ms, 2),
});

const loadBench = async () => {
  progress('starting bare Hono and Switchboard (NODE_ENV=production, ACCESS_LOG=off, LOG_LEVEL=warn) …');
  const bare = await startBare();
  const sb = await startSwitchboard(false);
  await checkEquivalent(bare, sb);

  const figures: Record<'get' | 'post', RouteFigures> = {} as never;
  for (const route of ['get', 'post'] as const) {
    const targets = targetsOf(route, bare, sb);
    for (const t of targets) {
      progress(`warm-up ${route.toUpperCase()} ${t.side} (${cfg.warmupSeconds} s)`);
      await wrkRound(t, cfg.warmupSeconds);
    }
    const results = new Map<string, Round[]>(targets.map((t) => [t.side, []]));
    for (let r = 1; r <= cfg.rounds; r++) {
      for (const t of targets) {
        const res = await wrkRound(t, cfg.seconds);
        results.get(t.side)?.push(res);
        progress(
          `${route.toUpperCase()} round ${r}/${cfg.rounds} ${t.side.padEnd(11)} ${fmtInt(res.rps).padStart(7)} req/s  p99 ${res.latencyMs.p99.toFixed(2)} ms  CPU ${res.cpuUsPerReq ?? '?'} µs/req`,
        );
      }
    }
    const b = summarize(results.get('bare') ?? []);
    const w = summarize(results.get('switchboard') ?? []);
    const keyed = results.get('keyed');
    const bareKeyed = results.get('bareKeyed');
    figures[route] = {
      request: route === 'get' ? `GET ${GET_PATH}` : `POST ${POST_PATH} ${POST_BODY}`,
      bare: b,
      switchboard: w,
      ratio: round(w.rps / b.rps, 3),
      cpuRatio: b.cpuUsPerReq !== null && w.cpuUsPerReq ? round(b.cpuUsPerReq / w.cpuUsPerReq, 3) : null,
      ...(keyed && bareKeyed ? { keyed: keyedFigures(summarize(keyed), summarize(bareKeyed)) } : {}),
    };
  }
  await stopServer(sb);

  progress('restarting Switchboard with ACCESS_LOG=on (LOG_LEVEL=info), one round per route …');
  const sbLog = await startSwitchboard(true);
  let accessLines = 0;
  for (const route of ['get', 'post'] as const) {
    const t = targetsOf(route, bare, sbLog)[1];
    await wrkRound(t, cfg.warmupSeconds);
    const res = await wrkRound(t, cfg.seconds);
    const f = figures[route];
    f.accessLogOn = {
      rps: Math.round(res.rps),
      p99ms: round(res.latencyMs.p99, 2),
      cpuUsPerReq: res.cpuUsPerReq,
      ratio: round(res.rps / f.bare.rps, 3),
    };
    progress(`${route.toUpperCase()} ACCESS_LOG=on ${fmtInt(res.rps)} req/s  p99 ${res.latencyMs.p99.toFixed(2)} ms`);
  }
  await stopServer(sbLog);
  await stopServer(bare);
  if (sbLog.logFile && existsSync(sbLog.logFile)) {
    accessLines = readFileSync(sbLog.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"request"')).length;
  }
  if (accessLines === 0) throw new Error('ACCESS_LOG=on wrote no access lines: the access-log figure would be meaningless');
  return { figures, accessLines };
};

interface ColdFigures {
  operations: number;
  production: Spread;
  development: Spread;
  /** The same start with the 3-operation bench plugin: what the core costs before any manifest work. */
  baseline2ops: Spread;
  profile?: { nodeEnv: string; summary: ProfileSummary };
}

const coldBench = async (): Promise<ColdFigures> => {
  const dir = join(tmp, 'cold-plugin');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const gen = generatePlugin(dir, cfg.coldOperations);
  progress(`cold start: generated ${gen.operations} operations in ${dir}`);
  const common = { plugin: gen.moduleFile, probePath: gen.probePath };
  const production = await measureColdStart(
    { ...common, nodeEnv: 'production', databaseFile: join(tmp, 'cold-prod.sqlite') },
    cfg.coldRuns,
  );
  progress(`cold start production: median ${production.median} ms (${production.runs.join(', ')})`);
  const development = await measureColdStart(
    { ...common, nodeEnv: 'development', databaseFile: join(tmp, 'cold-dev.sqlite') },
    cfg.coldRuns,
  );
  progress(`cold start development: median ${development.median} ms (${development.runs.join(', ')})`);
  const baseline2ops = await measureColdStart(
    { plugin: BENCH_PLUGIN, probePath: GET_PATH, nodeEnv: 'production', databaseFile: join(tmp, 'cold-base.sqlite') },
    cfg.coldRuns,
  );
  progress(`cold start bench plugin (3 operations): median ${baseline2ops.median} ms (${baseline2ops.runs.join(', ')})`);
  const out: ColdFigures = { operations: gen.operations, production, development, baseline2ops };
  if (opts.profile || production.median > TARGET_COLD_MS) {
    progress('profiling one production cold start (--cpu-prof) …');
    const profDir = join(tmp, 'cpu-prof');
    mkdirSync(profDir, { recursive: true });
    out.profile = {
      nodeEnv: 'production',
      summary: await profileColdStart({ ...common, nodeEnv: 'production', databaseFile: join(tmp, 'cold-prod.sqlite') }, profDir),
    };
  }
  return out;
};

const table = (rows: string[][]): string => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
};

try {
  if (machine.loadAvg1mAtStart > 0.5) {
    progress(`warning: 1-minute load average is ${machine.loadAvg1mAtStart} before starting; other work on the machine skews the figures`);
  }
  const load = opts['skip-load'] ? null : await loadBench();
  machine.loadAvg1mAtEnd = round(loadavg()[0], 2);
  const cold = opts['skip-cold'] ? null : await coldBench();

  const out: string[] = [];
  out.push('', `Switchboard benchmark, ${machine.date}`);
  out.push(
    `machine: ${machine.cpu}, ${machine.nproc} CPUs, ${machine.memGb} GiB, ${machine.os}, Node ${machine.node}, wrk ${machine.wrk}, load avg ${machine.loadAvg1mAtStart} at start, ${machine.loadAvg1mAtEnd} after the load rounds`,
    `code: ${machine.git ? `commit ${machine.git.commit}${machine.git.dirty ? ' + uncommitted changes in core/ or sdk/' : ''}` : 'not a git checkout'}`,
  );
  if (load) {
    out.push(
      `load: wrk -t${cfg.threads} -c${cfg.connections} -d${cfg.seconds}s --latency, ${cfg.rounds} rounds per side alternated bare/switchboard(/keyed) after a ${cfg.warmupSeconds} s warm-up each`,
      'switchboard: NODE_ENV=production (response validation off), request validation on, ACCESS_LOG=off, LOG_LEVEL=warn, SQLite;',
      '  ACCESS_CONTROL on (the default): "switchboard" rows call public operations, the "API key" row a gated one with a key',
      '',
    );
    const cpu = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));
    for (const route of ['get', 'post'] as const) {
      const f = load.figures[route];
      const rows = [['  side', 'req/s (median)', 'p99 ms (median)', 'vs bare', 'server CPU µs/req', 'req/s per round']];
      rows.push([
        '  bare hono',
        fmtInt(f.bare.rps),
        f.bare.p99ms.toFixed(2),
        '1.00',
        cpu(f.bare.cpuUsPerReq),
        f.bare.rounds.map((r) => fmtInt(r.rps)).join(' '),
      ]);
      rows.push([
        '  switchboard',
        fmtInt(f.switchboard.rps),
        f.switchboard.p99ms.toFixed(2),
        f.ratio.toFixed(2),
        cpu(f.switchboard.cpuUsPerReq),
        f.switchboard.rounds.map((r) => fmtInt(r.rps)).join(' '),
      ]);
      if (f.keyed) {
        rows.push([
          '  bare hono, same request with the key',
          fmtInt(f.keyed.bare.rps),
          f.keyed.bare.p99ms.toFixed(2),
          '1.00',
          cpu(f.keyed.bare.cpuUsPerReq),
          f.keyed.bare.rounds.map((r) => fmtInt(r.rps)).join(' '),
        ]);
        rows.push([
          '  switchboard, API key (access gate)',
          fmtInt(f.keyed.rps),
          f.keyed.p99ms.toFixed(2),
          f.keyed.ratio.toFixed(2),
          cpu(f.keyed.cpuUsPerReq),
          f.keyed.rounds.map((r) => fmtInt(r.rps)).join(' '),
        ]);
      }
      if (f.accessLogOn) {
        rows.push([
          '  switchboard, ACCESS_LOG=on',
          fmtInt(f.accessLogOn.rps),
          f.accessLogOn.p99ms.toFixed(2),
          f.accessLogOn.ratio.toFixed(2),
          cpu(f.accessLogOn.cpuUsPerReq),
          '(1 round)',
        ]);
      }
      out.push(f.request, table(rows), '');
    }
    for (const route of ['get', 'post'] as const) {
      const { ratio: r, cpuRatio } = load.figures[route];
      out.push(
        `${route.toUpperCase()}: switchboard/bare = ${r.toFixed(3)} by req/s (target >= ${TARGET_RATIO}: ${r >= TARGET_RATIO ? 'met' : 'NOT met'}), ${cpuRatio?.toFixed(3) ?? 'n/a'} by server CPU per request`,
      );
    }
    const k = load.figures.get.keyed;
    if (k) {
      out.push(
        `GET with an API key: switchboard/bare = ${k.ratio.toFixed(3)} by req/s (target >= ${TARGET_KEYED_RATIO}: ${k.ratio >= TARGET_KEYED_RATIO ? 'met' : 'NOT met'}), p99 added ${k.p99AddedMs.toFixed(2)} ms (target <= 1 ms: ${k.p99AddedMs <= 1 ? 'met' : 'NOT met'})`,
      );
    }
    out.push(`access logging: off for the median rounds; the ACCESS_LOG=on round wrote ${fmtInt(load.accessLines)} access lines`);
  }
  if (cold) {
    out.push('', `cold start: spawn of node --import tsx core/src/main.ts to the first 200 (polled every 5 ms), ${cfg.coldRuns} runs`);
    const rows = [['plugin', 'NODE_ENV', 'median ms', 'min ms', 'max ms', 'server CPU ms (median)', 'runs']];
    const row = (what: string, env: string, s: Spread) => [
      what,
      env,
      String(s.median),
      String(s.min),
      String(s.max),
      s.cpuMedian === null ? 'n/a' : String(s.cpuMedian),
      s.runs.join(' '),
    ];
    rows.push(row(`${cold.operations} operations`, 'production', cold.production));
    rows.push(row(`${cold.operations} operations`, 'development', cold.development));
    rows.push(row('bench plugin (3 operations)', 'production', cold.baseline2ops));
    out.push(table(rows));
    out.push(
      `cold start with ${cold.operations} operations, production: median ${cold.production.median} ms (target < ${TARGET_COLD_MS} ms: ${cold.production.median < TARGET_COLD_MS ? 'met' : 'NOT met'})`,
    );
    if (cold.profile) {
      const p = cold.profile.summary;
      out.push('', `where a production cold start spends its time (main thread CPU profile, ${p.totalMs} ms profiled, self time):`);
      out.push(table([['bucket', 'ms'], ...p.buckets.map((b) => [b.bucket, String(b.ms)])]));
      out.push('', 'top functions (self time):');
      out.push(table([['function', 'ms'], ...p.functions.map((f) => [f.fn, String(f.ms)])]));
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    get: load ? stripRounds(load.figures.get) : null,
    post: load ? stripRounds(load.figures.post) : null,
    accessLog: load ? { medianRounds: 'off', onRoundLines: load.accessLines } : null,
    coldStartMs: cold
      ? {
          operations: cold.operations,
          production: cold.production,
          development: cold.development,
          baseline2ops: cold.baseline2ops,
          targetMs: TARGET_COLD_MS,
          ...(cold.profile ? { profileBuckets: cold.profile.summary.buckets.slice(0, 8) } : {}),
        }
      : null,
    targets: { ratio: TARGET_RATIO, coldStartMs: TARGET_COLD_MS },
    config: { ...cfg, wrkArgs: `-t${cfg.threads} -c${cfg.connections} -d${cfg.seconds}s --latency` },
    machine,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
} catch (e) {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

function stripRounds(f: RouteFigures) {
  return {
    request: f.request,
    bare: { rps: f.bare.rps, p99ms: f.bare.p99ms, cpuUsPerReq: f.bare.cpuUsPerReq, roundsRps: f.bare.rounds.map((r) => r.rps) },
    switchboard: {
      rps: f.switchboard.rps,
      p99ms: f.switchboard.p99ms,
      cpuUsPerReq: f.switchboard.cpuUsPerReq,
      roundsRps: f.switchboard.rounds.map((r) => r.rps),
    },
    ratio: f.ratio,
    cpuRatio: f.cpuRatio,
    keyed: f.keyed
      ? {
          rps: f.keyed.rps,
          p99ms: f.keyed.p99ms,
          cpuUsPerReq: f.keyed.cpuUsPerReq,
          ratio: f.keyed.ratio,
          roundsRps: f.keyed.rounds.map((r) => r.rps),
          p99AddedMs: f.keyed.p99AddedMs,
          bare: {
            rps: f.keyed.bare.rps,
            p99ms: f.keyed.bare.p99ms,
            cpuUsPerReq: f.keyed.bare.cpuUsPerReq,
            roundsRps: f.keyed.bare.rounds.map((r) => r.rps),
          },
        }
      : null,
    accessLogOn: f.accessLogOn ?? null,
  };
}
