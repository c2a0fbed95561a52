/**
 * @module A production-shaped push cluster for the fault drill and the end-to-end benchmark: the fake FCM and APNs
 * in child processes, a fresh MariaDB database, RabbitMQ (a virtual host of its own, so other runs on the shared
 * broker never consume or delete this run's queues) or the embedded queue, and core replicas as real processes
 * (`node --import tsx core/src/main.ts`, NODE_ENV=production) with the push plugin pointed at the fakes.
 * A replica's role is SWITCHBOARD_ROLE, given per replica (`startReplica(name, { SWITCHBOARD_ROLE: 'api' })`); by
 * default every replica is `all` (serves the API and runs the workers). PUSH_REPLICA_NODE_ARGS adds Node options to
 * every replica (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for profiling runs).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { FAKE_APNS_MAIN, type FakeApns, type FakeProcess, spawnFake } from '../fakes/apns/index.js';
import { FAKE_FCM_MAIN, type FakeFcm } from '../fakes/fcm/index.js';
import { createMariaDbDatabase } from '../support/backends.js';
import { BUNDLE_ID } from './support.js';

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const AMQP_BASE = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ADMIN_TOKEN = `sba_drill_${randomBytes(16).toString('hex')}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReplicaProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ClusterOptions {
  queue: 'rabbitmq' | 'embedded';
  /** The push plugin's config slice on top of the fakes' endpoints and the encryption key. */
  push?: Record<string, unknown>;
  /** Extra environment for every replica. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface PushCluster {
  apns: FakeProcess<FakeApns>;
  fcm: FakeProcess<FakeFcm>;
  databaseUrl: string;
  amqpUrl: string | null;
  vhost: string | null;
  replicas: Map<string, ReplicaProcess>;
  /** Starts a replica; `env` is added to the cluster's environment for this one (e.g. its SWITCHBOARD_ROLE). */
  startReplica(name: string, env?: Record<string, string>): Promise<ReplicaProcess>;
  /** SIGKILL, and wait for the exit. */
  kill(name: string): Promise<void>;
  /** The app's key headers (an organization, app, plan and subscription made through the admin API). */
  appHeaders: Record<string, string>;
  createApp(name?: string): Promise<Record<string, string>>;
  /** A JSON call on a replica. */
  call<T = Record<string, unknown>>(
    replica: string,
    method: string,
    path: string,
    json?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; text: string }>;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  uploadCredentials(headers: Record<string, string>): Promise<void>;
  /** Queue depths in the run's virtual host (RabbitMQ only): name → ready + unacked. */
  queueDepths(): Promise<Record<string, number>>;
  restartBroker(): Promise<number>;
  close(): Promise<void>;
}

const rabbitctl = (...args: string[]) => run('rabbitmqctl', args, { timeout: 120_000 });

const startReplicaProcess = async (name: string, env: Record<string, string>, log: (s: string) => void): Promise<ReplicaProcess> => {
  const nodeArgs = (process.env.PUSH_REPLICA_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'core/src/main.ts'], {
    cwd: REPO,
    env: { ...process.env, ...env, REPLICA_ID: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // PUSH_CLUSTER_LOG=/tmp/x appends each replica's output to /tmp/x.<name> (for profiling runs).
  const logFile = process.env.PUSH_CLUSTER_LOG ? `${process.env.PUSH_CLUSTER_LOG}.${name}` : null;
  const keep = (d: Buffer) => {
    if (logFile) appendFileSync(logFile, d);
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => String(signal ?? code));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${name} did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stderr?.off('data', check);
        resolveUrl(m[1]);
      }
    };
    child.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${name} exited (${code}) before it was ready:\n${out}`));
    });
  });
  log(`replica ${name} up at ${url} (pid ${child.pid})`);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    url,
    child,
    output: () => out,
    alive,
    kill: async (signal = 'SIGKILL') => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
  };
};

export const startPushCluster = async (options: ClusterOptions): Promise<PushCluster> => {
  const log = options.log ?? (() => {});
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => log(`clean-up: ${(e as Error).message}`));
  };
  try {
    const [apns, fcm] = await Promise.all([
      spawnFake<FakeApns>(FAKE_APNS_MAIN, { FAKE_RECORD_BODIES: '0' }),
      spawnFake<FakeFcm>(FAKE_FCM_MAIN, { FAKE_RECORD_BODIES: '0' }),
    ]);
    cleanups.push(
      () => apns.stop(),
      () => fcm.stop(),
    );
    const db = await createMariaDbDatabase();
    cleanups.push(db.drop);
    const adminUri = db.url.replace(/^mariadb:/, 'mysql:');
    const conn = await createConnection({ uri: adminUri });
    cleanups.push(() => conn.end());

    let vhost: string | null = null;
    let amqpUrl: string | null = null;
    if (options.queue === 'rabbitmq') {
      vhost = `sb-push-drill-${randomBytes(4).toString('hex')}`;
      await rabbitctl('add_vhost', vhost);
      cleanups.push(() => rabbitctl('delete_vhost', vhost as string));
      await rabbitctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      amqpUrl = `${AMQP_BASE.replace(/\/$/, '')}/${encodeURIComponent(vhost)}`;
    }

    const dir = mkdtempSync(join(tmpdir(), 'sb-push-drill-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'switchboard.config.yaml');
    writeFileSync(configFile, `plugins:\n  - ${JSON.stringify(join(REPO, 'plugins/push'))}\n`);
    const push = {
      encryptionKey: Buffer.alloc(32, 9).toString('base64'),
      fcmEndpoint: fcm.endpoint,
      apnsEndpoint: apns.endpoint,
      ...options.push,
    };
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ACCESS_LOG: 'false',
      SWITCHBOARD_CONFIG: configFile,
      SWITCHBOARD_PLUGIN_PUSH: JSON.stringify(push),
      SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
      DATABASE_URL: db.url,
      QUEUE_ADAPTER: options.queue,
      HOST: '127.0.0.1',
      PORT: '0',
      SHUTDOWN_DRAIN_MS: '2000',
      ...(amqpUrl ? { AMQP_URL: amqpUrl } : {}),
      ...options.env,
    };
    const replicas = new Map<string, ReplicaProcess>();
    cleanups.push(async () => {
      await Promise.all([...replicas.values()].map((r) => r.kill('SIGTERM')));
    });

    const call: PushCluster['call'] = async (replica, method, path, json, headers = {}) => {
      const r = replicas.get(replica);
      if (!r) throw new Error(`no replica ${replica}`);
      const res = await fetch(`${r.url}${path}`, {
        method,
        headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      return { status: res.status, body: body as never, text };
    };
    const admin = async (path: string, json: unknown) => {
      const res = await call<Record<string, string>>(first(), 'POST', `/admin/v1${path}`, json, { authorization: `Bearer ${ADMIN_TOKEN}` });
      if (res.status >= 300) throw new Error(`admin POST ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    const first = () => [...replicas.keys()][0];

    const cluster: PushCluster = {
      apns,
      fcm,
      databaseUrl: db.url,
      amqpUrl,
      vhost,
      replicas,
      appHeaders: {},
      startReplica: async (name, own = {}) => {
        const r = await startReplicaProcess(name, { ...env, ...own }, log);
        replicas.set(name, r);
        return r;
      },
      kill: async (name) => {
        await replicas.get(name)?.kill('SIGKILL');
      },
      createApp: async (name = 'drill') => {
        const suffix = randomBytes(3).toString('hex');
        const org = await admin('/organizations', { name: `${name}-${suffix}`, kind: 'business' });
        const app = await admin('/apps', { orgId: org.id, name });
        const plan = await admin('/plans', { assetId: 'push', name: `${name}-${suffix}` });
        await admin('/subscriptions', { appId: app.id, planId: plan.id });
        const { key } = await admin(`/apps/${app.id}/keys`, { name, scopes: ['*'] });
        return { authorization: `Bearer ${key}` };
      },
      call,
      sql: async <T>(query: string, params: unknown[] = []) => {
        const [rows] = await conn.query(query, params);
        return rows as T[];
      },
      uploadCredentials: async (headers) => {
        const serviceAccount = await fcm.remote.createServiceAccount(`drill-${randomBytes(3).toString('hex')}`);
        const f = await call(first(), 'PUT', '/api/push/credentials/fcm', { serviceAccount }, headers);
        const key = await apns.remote.createKey({ bundleIds: [BUNDLE_ID] });
        const a = await call(first(), 'PUT', '/api/push/credentials/apns', { ...key, bundleId: BUNDLE_ID, production: true }, headers);
        if (f.status !== 200 || a.status !== 200) throw new Error(`credential upload failed: ${f.text} ${a.text}`);
      },
      queueDepths: async () => {
        if (!vhost) return {};
        const { stdout } = await rabbitctl('list_queues', '-p', vhost, '-q', '--no-table-headers', 'name', 'messages');
        const out: Record<string, number> = {};
        for (const line of stdout.split('\n')) {
          const [n, m] = line.trim().split(/\s+/);
          if (n) out[n] = Number(m);
        }
        return out;
      },
      restartBroker: async () => {
        const t0 = Date.now();
        await rabbitctl('stop_app');
        await rabbitctl('start_app');
        await rabbitctl('await_startup');
        return Date.now() - t0;
      },
      close: cleanup,
    };
    return cluster;
  } catch (e) {
    await cleanup();
    throw e;
  }
};

/** Runs `fn` over 0..n-1 with `lanes` calls in flight. */
export const inLanes = async (n: number, lanes: number, fn: (i: number) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < n) await fn(next++);
    }),
  );
};

export const median = (xs: number[]): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : Number.NaN);
export const percentile = (xs: number[], p: number): number => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
