/**
 * @module A fleet on one machine: a fresh MariaDB database, a RabbitMQ virtual host, three real core processes
 * (notes, push, dpaas and one partner asset) and a round-robin proxy in front of them, all on loopback. dPaaS runs on
 * the fake CloudStack server, because the built-in simulator keeps its provider state in each process; the partner
 * asset proxies to a loopback echo upstream. `stop()` undoes everything: processes, database, virtual host.
 *
 * @example
 * const fleet = await startFleet({ log: console.log });
 * await fetch(`${fleet.proxyUrl}/admin/v1/assets`, { headers: { authorization: `Bearer ${fleet.adminToken}` } });
 * await fleet.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { createRabbitVhost } from '../background/rabbit.js';
import { FAKE_CATALOGUE, type FakeCloudStack, startFakeCloudStack } from '../fakes/cloudstack/index.js';
import { writeEchoPartner } from '../partner/echo-document.js';
import { type EchoUpstream, startEchoUpstream } from '../partner/echo-upstream.js';
import { createMariaDbDatabase, mariaDbUnavailable } from '../support/backends.js';
import { type CoreProcess, startCore } from '../support/core-process.js';
import { type RoundRobinProxy, startRoundRobinProxy } from './round-robin-proxy.js';

/** The simulator's fixed catalogue (plugins/dpaas/src/simulator/simulator-catalogue.ts). */
const SIMULATOR_CATALOGUE = {
  zoneId: '5a1c0e52-0000-4000-8000-00000000z001',
  offeringId: '5a1c0e52-0000-4000-8000-00000000o001',
  templateId: '5a1c0e52-0000-4000-8000-00000000t001',
};

export const AMQP_BASE_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const PARTNER_ID = 'echo';
/** What the platform presents to the partner upstream; the caller's own key must never arrive there. */
export const PARTNER_KEY_HEADER = 'x-partner-key';

export interface FleetOptions {
  /** How many replicas (default 3). */
  replicas?: number;
  /** ACCESS_POLL_MS of every replica (default 250): how soon a change made on one replica reaches the others. */
  accessPollMs?: number;
  /** The proxy's port (default: any free one). */
  proxyPort?: number;
  /**
   * dPaaS provider (default `cloudstack`: the fake CloudStack server on loopback). `simulator` is the built-in one,
   * whose provider state lives in each process: kept to show why a fleet cannot use it.
   */
  dpaasDriver?: 'cloudstack' | 'simulator';
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface FleetReplica {
  name: string;
  url: string;
  process: CoreProcess;
}

export interface Fleet {
  proxyUrl: string;
  proxy: RoundRobinProxy;
  replicas: FleetReplica[];
  adminToken: string;
  databaseUrl: string;
  amqpUrl: string;
  /** The RabbitMQ virtual host made for this fleet, null when rabbitmqctl was not usable (then `/` is shared). */
  vhost: string | null;
  accessPollMs: number;
  partner: { id: string; basePath: string; upstream: EchoUpstream; key: string };
  /** The fake CloudStack server (started but unused when dPaaS runs on the simulator). */
  cloudstack: FakeCloudStack;
  dpaasDriver: 'cloudstack' | 'simulator';
  /** The fake CloudStack's catalogue ids, to create instances with. */
  catalogue: { zoneId: string; offeringId: string; templateId: string };
  /** How long each part of the start took, ms. */
  startTimings: Record<string, number>;
  /** The last `chars` of each replica's output (warnings and errors), for a failure report. */
  logs(chars?: number): string;
  stop(): Promise<void>;
}

/** Null when MariaDB and RabbitMQ both answer, else why not. */
export const fleetUnavailable = async (): Promise<string | null> => {
  const db = await mariaDbUnavailable();
  if (db) return db;
  try {
    const c = await connect(AMQP_BASE_URL, { timeout: 3000 });
    await c.close();
    return null;
  } catch (e) {
    return `RabbitMQ at ${AMQP_BASE_URL.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(e as Error).message}`;
  }
};

/** A virtual host of its own, so that the fleet's queues never meet another run's consumers on the same broker. */
const createVhost = (log: (line: string) => void) =>
  createRabbitVhost('sb-fleet', AMQP_BASE_URL, (why) =>
    log(`rabbitmqctl is not usable (${why}): the fleet shares the default virtual host`),
  );

const waitReady = async (r: FleetReplica, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const res = await fetch(`${r.url}/readyz`).catch((e: Error) => e);
    if (!(res instanceof Error) && res.status === 200) return;
    last = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
    if (Date.now() > deadline) throw new Error(`${r.name} not ready after ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * Starts the fleet. The first replica applies the migrations; the others start once it listens, together, with
 * MIGRATE_ON_START=off, as docs/operating.md prescribes for several replicas.
 */
export const startFleet = async (options: FleetOptions = {}): Promise<Fleet> => {
  const count = options.replicas ?? 3;
  const accessPollMs = options.accessPollMs ?? 250;
  const log = options.log ?? (() => {});
  const simulator = options.dpaasDriver === 'simulator';
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e) => log(`clean-up: ${(e as Error).message}`));
  };
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = Math.round(performance.now() - t);
    }
  };
  try {
    // Made side by side and removed side by side: `rabbitmqctl` takes seconds either way.
    const [dbMade, mqMade] = await Promise.allSettled([
      timed('database', () => createMariaDbDatabase()),
      timed('vhost', () => createVhost(log)),
    ]);
    cleanups.push(() =>
      Promise.all([dbMade.status === 'fulfilled' && dbMade.value.drop(), mqMade.status === 'fulfilled' && mqMade.value.drop()]),
    );
    if (dbMade.status === 'rejected') throw dbMade.reason;
    if (mqMade.status === 'rejected') throw mqMade.reason;
    const [db, mq] = [dbMade.value, mqMade.value];
    log(`database  ${db.url.replace(/\/\/[^@]*@/, '//')} (created; dropped at the end)`);
    log(`rabbitmq  ${mq.url.replace(/\/\/[^@]*@/, '//')}${mq.vhost ? ' (virtual host created; deleted at the end)' : ''}`);

    const upstream = await startEchoUpstream();
    cleanups.push(() => upstream.close());
    const cloudstack = await startFakeCloudStack({ jobDelayMs: 100 });
    cleanups.push(() => cloudstack.close());
    log(`upstreams partner echo ${upstream.url}, fake CloudStack ${cloudstack.endpoint}`);

    const partnersDir = mkdtempSync(join(tmpdir(), 'sb-fleet-partners-'));
    cleanups.push(async () => rmSync(partnersDir, { recursive: true, force: true }));
    const partnerKey = `pk-${randomBytes(12).toString('hex')}`;
    writeEchoPartner(partnersDir, `${PARTNER_ID}.json`, {
      id: PARTNER_ID,
      title: 'Echo partner',
      upstream: {
        baseUrl: `${upstream.url}/v1`,
        // A reference the core resolves from each replica's environment: the key is never written to the document.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the document's ${ENV} syntax, not a template.
        auth: { type: 'apiKey', in: 'header', name: 'X-Partner-Key', value: '${FLEET_PARTNER_KEY}' },
      },
    });

    const adminToken = `sba_fleet_${randomBytes(18).toString('hex')}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      // Production defaults, but keep checking the plugins' answers against their manifests: the story is a test.
      RESPONSE_VALIDATION: 'on',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      QUEUE_ADAPTER: 'rabbitmq',
      AMQP_URL: mq.url,
      SWITCHBOARD_ADMIN_TOKEN: adminToken,
      SWITCHBOARD_PLUGINS: './docs/examples/notes,./plugins/push,./plugins/dpaas',
      PARTNERS_DIR: partnersDir,
      PARTNER_ALLOWED_HOSTS: '127.0.0.1,localhost',
      FLEET_PARTNER_KEY: partnerKey,
      ACCESS_POLL_MS: String(accessPollMs),
      SHUTDOWN_DRAIN_MS: '2000',
      SWITCHBOARD_PLUGIN_PUSH: JSON.stringify({ encryptionKey: randomBytes(32).toString('base64'), simulator: 'always', retryBaseMs: 200 }),
      SWITCHBOARD_PLUGIN_DPAAS: JSON.stringify(
        simulator
          ? { driver: 'simulator', simulator: { minDelayMs: 50, maxDelayMs: 150 } }
          : {
              driver: 'cloudstack',
              cloudstack: {
                endpoint: cloudstack.endpoint,
                apiKey: cloudstack.apiKey,
                secretKey: cloudstack.secretKey,
                pollInitialMs: 20,
                pollMaxMs: 200,
              },
            },
      ),
    };
    const replicas: FleetReplica[] = [];
    // Stopped together: each drains for up to SHUTDOWN_DRAIN_MS.
    const started: CoreProcess[] = [];
    cleanups.push(() => Promise.all(started.map((c) => c.stop())));
    const start = async (i: number, extra: Record<string, string>) => {
      const name = `sb-${i + 1}`;
      const t = performance.now();
      const core = await startCore({ ...env, REPLICA_ID: name, ...extra });
      started.push(core);
      log(
        `replica   ${name} ${core.url} pid ${core.child.pid} (${Math.round(performance.now() - t)} ms${i === 0 ? ', migrations applied' : ''})`,
      );
      return { name, url: core.url, process: core };
    };
    replicas.push(await timed('first replica (migrations)', () => start(0, {})));
    replicas.push(
      ...(await timed('other replicas', () =>
        Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1, { MIGRATE_ON_START: 'off' }))),
      )),
    );
    // As a load balancer would: only replicas that say they are ready (database, broker, every asset) get traffic.
    await timed('readiness', () => Promise.all(replicas.map((r) => waitReady(r, 30_000))));
    const proxy = await startRoundRobinProxy(replicas, { port: options.proxyPort });
    cleanups.push(() => proxy.close());
    log(`proxy     ${proxy.url} → ${replicas.map((r) => r.name).join(', ')} (round robin)`);

    return {
      proxyUrl: proxy.url,
      proxy,
      replicas,
      adminToken,
      databaseUrl: db.url,
      amqpUrl: mq.url,
      vhost: mq.vhost,
      accessPollMs,
      partner: { id: PARTNER_ID, basePath: `/api/${PARTNER_ID}`, upstream, key: partnerKey },
      cloudstack,
      dpaasDriver: simulator ? 'simulator' : 'cloudstack',
      catalogue: simulator
        ? SIMULATOR_CATALOGUE
        : { zoneId: FAKE_CATALOGUE.zoneId, offeringId: FAKE_CATALOGUE.smallOfferingId, templateId: FAKE_CATALOGUE.templateId },
      startTimings: timings,
      logs: (chars = 3000) =>
        replicas.map((r) => `--- ${r.name} (${r.url}) ---\n${r.process.output().slice(-chars) || '(no output)'}`).join('\n'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
};
