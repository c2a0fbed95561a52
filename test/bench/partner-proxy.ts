/**
 * @module `npm run bench:partner`: a partner asset proxied by the platform against a bare Hono passthrough proxy, on
 * the same loopback upstream, driven by wrk; then the load time of the largest document of the shared corpus
 * (readPartner + preparePlugin). Progress goes to stderr; stdout gets the figures and, last, one JSON line.
 *
 * The same file is the upstream (`BENCH_ROLE=upstream`: a node:http server answering a fixed JSON) and the bare
 * proxy (`BENCH_ROLE=bare`: Hono + @hono/node-server, `fetch` to the upstream, the response copied), spawned as
 * child processes; without BENCH_ROLE it runs the benchmark.
 *
 * Options: --seconds 5 --rounds 5 --warmup 5 --connections 50 --threads 1 --load-runs 5 --skip-load --profile
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Child } from './processes.js';
import type { WrkResult } from './wrk.js';

const role = process.env.BENCH_ROLE;
const BODY = JSON.stringify({ id: 42, name: 'widget', tags: ['a', 'b'], price: 9.5 });
const ASSET = 'bench-partner';
const PATH = `/api/${ASSET}/items/42?verbose=true`;
const TARGET_RATIO = 0.8;

const listening = () => process.stdout.write('listening\n');

if (role === 'upstream') {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', listening);
  process.once('SIGTERM', () => process.exit(0));
} else if (role === 'bare') {
  const { serve } = await import('@hono/node-server');
  const { Hono } = await import('hono');
  const upstream = process.env.UPSTREAM_URL as string;
  const app = new Hono();
  // The least a passthrough proxy does: same method, path, query and headers; the answer copied back.
  app.all(`/api/${ASSET}/*`, async (c) => {
    const url = new URL(c.req.url);
    const headers = new Headers(c.req.raw.headers);
    headers.delete('host');
    const method = c.req.method;
    const res = await fetch(`${upstream}${url.pathname.slice(ASSET.length + 5)}${url.search}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : await c.req.arrayBuffer(),
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, listening);
  process.once('SIGTERM', () => process.exit(0));
} else {
  await bench();
}

async function bench() {
  const { readPartner } = await import('../../core/src/partners/index.js');
  const { newClaims, preparePlugin } = await import('../../core/src/plugins/prepare-plugin.js');
  const { median } = await import('./cold-start.js');
  const { cpuTimeMs, freePort, httpRequest, ROOT, sleep, spawnNode, stopChild, waitFor200 } = await import('./processes.js');
  const { findWrk, runWrk, wrkVersion } = await import('./wrk.js');

  const { values: opts } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      'load-runs': { type: 'string', default: '5' },
      'skip-load': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  });
  const n = (name: keyof typeof opts) => Number(opts[name]);
  const cfg = { seconds: n('seconds'), rounds: n('rounds'), warmup: n('warmup'), connections: n('connections'), threads: n('threads') };
  const progress = (line: string) => process.stderr.write(`[bench:partner] ${line}\n`);
  const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

  const wrk = findWrk();
  const tmp = mkdtempSync(join(tmpdir(), 'switchboard-bench-partner-'));
  const live = new Set<Child>();
  const start = async (name: string, script: string, env: Record<string, string>, probe: string, nodeArgs: string[] = []) => {
    const port = await freePort();
    const fd = openSync(join(tmp, `${name.replace(/\W+/g, '-')}.out`), 'w');
    const child = spawnNode(name, script, { ...env, PORT: String(port) }, { stdout: fd, nodeArgs });
    closeSync(fd);
    live.add(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(child, `${base}${probe}`, { everyMs: 20, timeoutMs: 60_000 });
    return { child, base };
  };
  const machine = {
    nproc: availableParallelism(),
    node: process.version,
    wrk: await wrkVersion(wrk),
    loadAvg1mAtStart: round(loadavg()[0]),
    loadAvg1mAtEnd: null as number | null,
    date: new Date().toISOString(),
  };

  try {
    const out: string[] = [`Partner proxy benchmark, ${machine.date}`];
    out.push(`machine: ${machine.nproc} CPUs, Node ${machine.node}, wrk ${machine.wrk}, load avg ${machine.loadAvg1mAtStart} at start`);
    const json: Record<string, unknown> = { machine, config: cfg };

    if (!opts['skip-load']) {
      const self = 'test/bench/partner-proxy.ts';
      const upstream = await start('upstream', self, { BENCH_ROLE: 'upstream', NODE_ENV: 'production' }, '/items/42');
      const bare = await start('bare proxy', self, { BENCH_ROLE: 'bare', NODE_ENV: 'production', UPSTREAM_URL: upstream.base }, PATH);

      const partners = join(tmp, 'partners');
      mkdirSync(partners);
      writeFileSync(
        join(partners, `${ASSET}.json`),
        JSON.stringify({
          openapi: '3.0.3',
          info: { title: 'Bench partner', version: '1.0.0' },
          'x-switchboard': {
            id: ASSET,
            upstream: { baseUrl: upstream.base, auth: { type: 'apiKey', in: 'header', name: 'X-Partner-Key', value: 'pk' } },
          },
          paths: {
            '/items/{id}': {
              get: {
                operationId: 'getItem',
                parameters: [
                  { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
                  { name: 'verbose', in: 'query', schema: { type: 'boolean' } },
                ],
                responses: { '200': { description: 'an item' } },
              },
            },
          },
        }),
      );
      const env = {
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        ACCESS_LOG: 'off',
        LOG_LEVEL: 'warn',
        DATABASE_URL: `sqlite:${join(tmp, 'bench.sqlite')}`,
        PARTNERS_DIR: partners,
        PARTNER_ALLOWED_HOSTS: '127.0.0.1',
        SWITCHBOARD_PLUGINS: '',
        SWITCHBOARD_ADMIN_TOKEN: 'sba_bench_partner_0000000000000000',
      };
      const profileDir = join(tmpdir(), 'switchboard-partner-profile');
      const nodeArgs = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      if (opts.profile) progress(`the platform's CPU profile goes to ${profileDir}`);
      const platform = await start('platform', 'core/src/main.ts', env, '/healthz', nodeArgs);
      // The full pipeline: an org, an app, a plan whose rate limit is never reached, a subscription, a key; made
      // through the admin API of the running platform, which knows its partner assets.
      const admin = async (path: string, body: unknown) => {
        const res = await httpRequest(`${platform.base}/admin/v1${path}`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { authorization: `Bearer ${env.SWITCHBOARD_ADMIN_TOKEN}` },
        });
        if (res.status >= 300) throw new Error(`POST /admin/v1${path}: ${res.status} ${res.body}`);
        return JSON.parse(res.body) as Record<string, string>;
      };
      const org = await admin('/organizations', { name: 'bench', kind: 'business' });
      const app = await admin('/apps', { orgId: org.id, name: 'bench' });
      const plan = await admin('/plans', { assetId: ASSET, name: 'bench', perSecond: 10_000_000, perMinute: 600_000_000 });
      await admin('/subscriptions', { appId: app.id, planId: plan.id });
      const { key } = await admin(`/apps/${app.id}/keys`, { name: 'bench' });
      const headers = { 'x-api-key': key };

      // Same answer from both, and the platform really gates and validates (the new key is live within a poll).
      for (let i = 0; i < 100 && (await httpRequest(platform.base + PATH, { headers })).status !== 200; i++) await sleep(50);
      const [a, b] = await Promise.all([httpRequest(bare.base + PATH), httpRequest(platform.base + PATH, { headers })]);
      if (a.status !== 200 || b.status !== 200 || a.body !== BODY || b.body !== BODY)
        throw new Error(`answers differ: ${a.status} ${a.body} / ${b.status} ${b.body}`);
      const anonymous = await httpRequest(platform.base + PATH);
      const invalid = await httpRequest(`${platform.base}/api/${ASSET}/items/abc`, { headers });
      if (anonymous.status !== 401 || invalid.status !== 400)
        throw new Error(`no gate or no validation: ${anonymous.status}, ${invalid.status}`);

      type Round = WrkResult & { cpuUsPerReq: number | null };
      const sides = [
        { side: 'bare', server: bare, headers: {} },
        { side: 'platform', server: platform, headers },
      ];
      const roundOf = async (s: (typeof sides)[number], seconds: number): Promise<Round> => {
        const pid = s.server.child.proc.pid;
        const before = cpuTimeMs(pid);
        const r = await runWrk({
          wrk,
          url: s.server.base + PATH,
          seconds,
          threads: cfg.threads,
          connections: cfg.connections,
          headers: s.headers,
        });
        const after = cpuTimeMs(pid);
        return { ...r, cpuUsPerReq: before === null || after === null ? null : round(((after - before) * 1000) / r.requests, 1) };
      };
      for (const s of sides) {
        progress(`warm-up ${s.side} (${cfg.warmup} s)`);
        await roundOf(s, cfg.warmup);
      }
      const results: Record<string, Round[]> = { bare: [], platform: [] };
      for (let r = 1; r <= cfg.rounds; r++) {
        for (const s of sides) {
          const res = await roundOf(s, cfg.seconds);
          results[s.side].push(res);
          progress(
            `round ${r}/${cfg.rounds} ${s.side.padEnd(8)} ${fmt(res.rps).padStart(7)} req/s  p50 ${res.latencyMs.p50.toFixed(2)} ms  p99 ${res.latencyMs.p99.toFixed(2)} ms  CPU ${res.cpuUsPerReq ?? '?'} µs/req`,
          );
        }
      }
      machine.loadAvg1mAtEnd = round(loadavg()[0]);
      const summary = (rs: Round[]) => ({
        rps: Math.round(median(rs.map((r) => r.rps))),
        p50ms: round(median(rs.map((r) => r.latencyMs.p50))),
        p99ms: round(median(rs.map((r) => r.latencyMs.p99))),
        cpuUsPerReq: rs.every((r) => r.cpuUsPerReq !== null) ? round(median(rs.map((r) => r.cpuUsPerReq as number)), 1) : null,
        roundsRps: rs.map((r) => Math.round(r.rps)),
      });
      const bareS = summary(results.bare);
      const platS = summary(results.platform);
      const ratio = round(platS.rps / bareS.rps, 3);
      // Server CPU per request is steadier than req/s when other work shares the cores.
      const cpuRatio = bareS.cpuUsPerReq && platS.cpuUsPerReq ? round(bareS.cpuUsPerReq / platS.cpuUsPerReq, 3) : null;
      out.push(
        `load: wrk -t${cfg.threads} -c${cfg.connections} -d${cfg.seconds}s --latency, ${cfg.rounds} rounds per side alternated, after a ${cfg.warmup} s warm-up each; load avg ${machine.loadAvg1mAtEnd} at the end`,
        `GET ${PATH} → upstream GET /items/42 (${Buffer.byteLength(BODY)}-byte JSON)`,
      );
      for (const [name, s] of [
        ['bare Hono proxy (fetch)', bareS],
        ['platform (key, subscription, rate limit, metering, validation)', platS],
      ] as const) {
        out.push(
          `  ${name.padEnd(64)} ${fmt(s.rps).padStart(7)} req/s  p50 ${s.p50ms} ms  p99 ${s.p99ms} ms  CPU ${s.cpuUsPerReq ?? '?'} µs/req  rounds ${s.roundsRps.join(' ')}`,
        );
      }
      out.push(
        `platform/bare = ${ratio} by req/s (target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}), ${cpuRatio ?? 'n/a'} by server CPU per request`,
      );
      json.load = { bare: bareS, platform: platS, ratio, cpuRatio, target: TARGET_RATIO };
      for (const c of [...live]) {
        await stopChild(c);
        live.delete(c);
      }
    }

    // Load time of the largest document of the corpus, as PARTNERS_DIR would read it.
    const corpus = process.env.OPENAPI_CORPUS_DIR ?? resolve(ROOT, '../shared/corpus/openapi');
    const largest = readdirSync(corpus)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => ({ f, size: statSync(join(corpus, f)).size }))
      .sort((x, y) => y.size - x.size)[0];
    const { withBlock } = await import('../partner/corpus-files.js');
    const docDir = mkdtempSync(join(tmp, 'doc-'));
    const file = withBlock(join(corpus, largest.f), docDir, largest.f, { id: 'largest', upstream: { baseUrl: 'https://api.example.com' } });
    const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as never;
    const loadOnce = async (lazyValidators: boolean) => {
      const t0 = performance.now();
      const source = await readPartner(file, { env: {}, log: silent, defaultTimeoutMs: 10_000 });
      const prepared = await preparePlugin(file, newClaims(), {
        rootDir: docDir,
        pluginConfig: {},
        configSources: {},
        compileResponses: false,
        lazyValidators,
        source,
      });
      return { ms: performance.now() - t0, operations: prepared.operations.length };
    };
    const runs = Number(opts['load-runs']);
    const timings: Record<string, number[]> = { lazy: [], eager: [] };
    let operations = 0;
    for (let i = 0; i < runs; i++) {
      for (const mode of ['lazy', 'eager'] as const) {
        const r = await loadOnce(mode === 'lazy');
        timings[mode].push(Math.round(r.ms));
        operations = r.operations;
      }
    }
    const loadMs = { lazy: Math.round(median(timings.lazy)), eager: Math.round(median(timings.eager)) };
    out.push(
      `load time of ${largest.f} (${(largest.size / 2 ** 20).toFixed(1)} MiB, ${operations} operations), readPartner + preparePlugin, median of ${runs}:`,
      `  VALIDATORS=lazy (production) ${loadMs.lazy} ms (${timings.lazy.join(', ')}), eager ${loadMs.eager} ms (${timings.eager.join(', ')})`,
    );
    json.documentLoad = { file: largest.f, bytes: largest.size, operations, medianMs: loadMs, runs: timings };
    process.stdout.write(`${out.join('\n')}\n${JSON.stringify(json)}\n`);
  } catch (e) {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  } finally {
    await Promise.all([...live].map((c) => stopChild(c)));
    rmSync(tmp, { recursive: true, force: true });
  }
}
