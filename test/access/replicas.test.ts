/**
 * Three real core processes on the machine's MariaDB, behind no proxy: a toggle made on one replica reaches the two
 * others within 2 s, a plan's per-minute limit holds across all three (at most N × 1.05 admitted, at least
 * N × 0.95 when demand exceeds N), and the metered count equals the calls that were admitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm } from '../../core/src/db/create-orm.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { type CoreProcess, startCore } from '../support/core-process.js';

const why = await mariaDbUnavailable();
if (why && isCi()) throw new Error(`${why} — CI needs it (.ci/run starts it).`);
if (why) console.warn(`[skip access replicas] ${why}`);

const ADMIN = 'sba_replica_test_admin_token_0123456789';

const startServer = (env: Record<string, string>) =>
  startCore({ SWITCHBOARD_PLUGINS: './docs/examples/notes', SWITCHBOARD_ADMIN_TOKEN: ADMIN, ...env });

describe.skipIf(why !== null)('access across 3 replicas on MariaDB', () => {
  let db: { url: string; drop: () => Promise<void> };
  const servers: CoreProcess[] = [];
  let key: string;
  let appId: string;
  /** A second app, for the limit test alone: the toggle probes must not spend its budget. */
  let limitKey: string;
  let limitAppId: string;

  const admin = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(`${servers[0].url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    return res.json();
  };
  /** Every 200 the app got, across both tests: what the meter must add up to. */
  let admittedTotal = 0;
  const list = async (server: CoreProcess) => {
    const res = await fetch(`${server.url}/api/notes/notes?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status === 200) admittedTotal++;
    return res;
  };

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    servers.push(await startServer({ DATABASE_URL: db.url }));
    servers.push(...(await Promise.all([1, 2].map(() => startServer({ DATABASE_URL: db.url, MIGRATE_ON_START: 'off' })))));
    const org = await admin('POST', '/organizations', { name: 'Fleet', kind: 'business' });
    appId = (await admin('POST', '/apps', { orgId: org.id, name: 'fleet' })).id;
    key = (await admin('POST', `/apps/${appId}/keys`, { name: 'k' })).key;
    const plan = await admin('POST', '/plans', { assetId: 'notes', name: 'per-minute', perMinute: 90 });
    await admin('POST', '/subscriptions', { appId, planId: plan.id });
    limitAppId = (await admin('POST', '/apps', { orgId: org.id, name: 'limited' })).id;
    limitKey = (await admin('POST', `/apps/${limitAppId}/keys`, { name: 'k' })).key;
    await admin('POST', '/subscriptions', { appId: limitAppId, planId: plan.id });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
  }, 60_000);

  it('a toggle made on one replica reaches the others within 2 s, both ways', async () => {
    const reach = async (status: number) => {
      const started = Date.now();
      const seen = new Set<number>();
      while (Date.now() - started < 5000 && seen.size < 2) {
        for (const i of [1, 2]) if (!seen.has(i) && (await list(servers[i])).status === status) seen.add(i);
        await new Promise((r) => setTimeout(r, 25));
      }
      return seen.size === 2 ? Date.now() - started : Number.POSITIVE_INFINITY;
    };
    await admin('PUT', '/assets/notes/state', { enabled: false });
    const off = await reach(503);
    await admin('PUT', '/assets/notes/state', { enabled: true });
    const on = await reach(200);
    console.log(`[access] toggle reached 2 other replicas in ${off} ms (off) and ${on} ms (on)`);
    expect(off).toBeLessThanOrEqual(2000);
    expect(on).toBeLessThanOrEqual(2000);
  });

  it('holds a per-minute limit of 90 across the three, and meters exactly what it admitted', async () => {
    // Stay inside one minute window: wait if fewer than 20 s are left in this one.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 200));
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        fetch(`${servers[i % 3].url}/api/notes/notes?limit=1`, { headers: { authorization: `Bearer ${limitKey}` } }).then((r) => r.status),
      ),
    );
    const admitted = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    console.log(`[access] 300 calls over 3 replicas, limit 90/min: ${admitted} admitted, ${limited} limited`);
    expect(admitted + limited).toBe(300);
    expect(admitted).toBeLessThanOrEqual(Math.floor(90 * 1.05));
    expect(admitted).toBeGreaterThanOrEqual(Math.ceil(90 * 0.95));

    // A graceful stop flushes each replica's meter: the database then holds every admitted call, no more.
    await Promise.all(servers.map((s) => s.stop()));
    const orm = await createOrm({ databaseUrl: db.url, entities: [], migrations: [] });
    try {
      const metered = async (id: string) => {
        const rows = (await orm.em
          .fork()
          .getConnection()
          .execute(
            "select coalesce(sum(count), 0) as n from sb_usage where app_id = ? and operation_id = 'listNotes' and status_class = '2xx'",
            [id],
          )) as {
          n: number;
        }[];
        return Number(rows[0].n);
      };
      console.log(
        `[access] metered: ${await metered(limitAppId)} of ${admitted} admitted, ${await metered(appId)} of ${admittedTotal} probe 200s`,
      );
      expect(await metered(limitAppId)).toBe(admitted);
      expect(await metered(appId)).toBe(admittedTotal);
    } finally {
      await orm.close(true);
    }
  }, 90_000);
});
