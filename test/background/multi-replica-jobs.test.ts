/**
 * Three replica processes on the machine's MariaDB share 20 jobs that tick every second: every tick in the window
 * ran exactly once (counted in the database), none twice, none missed (`catch-up`); the scheduling lag is printed.
 * Then the replica holding a long job is killed with SIGKILL and another one resumes it within the lease time.
 * BG_SOAK_SECONDS sets the window (default 30 s, as the issue asks; shorten it locally with BG_SOAK_SECONDS=6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm } from '../../core/src/db/create-orm.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { type Replica, startReplica } from './replicas.js';
import { percentile } from './support.js';

const why = await mariaDbUnavailable();
if (why && isCi()) throw new Error(`${why} — CI needs it (.ci/run starts it).`);
if (why) console.warn(`[skip multi-replica jobs] ${why}`);

const SECONDS = Number(process.env.BG_SOAK_SECONDS ?? 30);
const JOBS = 20;
const LEASE_MS = 2000;

describe.skipIf(why !== null)('20 jobs every second on 3 replicas (MariaDB)', () => {
  let db: { url: string; drop: () => Promise<void> };
  const replicas: Replica[] = [];
  let query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  let closeOrm: () => Promise<void>;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    const env = {
      DATABASE_URL: db.url,
      BGTEST_TICK_JOBS: String(JOBS),
      BGTEST_EVERY: '1s',
      JOB_LEASE_MS: String(LEASE_MS),
      SCHEDULER_POLL_MS: '250',
      SWITCHBOARD_PLUGIN_BGTEST: JSON.stringify({ longJobMs: 10_000 }),
    };
    // The first replica migrates; the others start on a migrated database, as a rolling deploy does.
    replicas.push(await startReplica('r1', env));
    replicas.push(...(await Promise.all([startReplica('r2', env), startReplica('r3', env)])));
    const orm = await createOrm({ databaseUrl: db.url, entities: [], migrations: [] });
    query = async <T>(sql: string, params: unknown[] = []) => (await orm.em.fork().getConnection().execute(sql, params)) as T[];
    closeOrm = () => orm.close(true);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await closeOrm?.();
    await db?.drop();
  }, 60_000);

  it(`runs every tick exactly once for ${SECONDS} s`, async () => {
    const from = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await new Promise((r) => setTimeout(r, from - Date.now() + SECONDS * 1000 + 1500));
    const to = from + SECONDS * 1000; // ticks in [from, to)
    const rows = await query<{ k: string; n: number; replica: string }>(
      "select k, n, replica from bgtest_event where kind = 'tick' and n >= ? and n < ?",
      [from, to],
    );
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(`${r.k}@${r.n}`, (counts.get(`${r.k}@${r.n}`) ?? 0) + 1);
    const twice = [...counts].filter(([, c]) => c > 1);
    const expected = JOBS * SECONDS;
    const byReplica = Object.fromEntries(['r1', 'r2', 'r3'].map((id) => [id, rows.filter((r) => r.replica === id).length]));
    console.log(
      `[jobs] ${JOBS} jobs × ${SECONDS} s on 3 replicas: ${counts.size}/${expected} ticks ran, ${twice.length} twice; ` +
        `per replica ${JSON.stringify(byReplica)}`,
    );
    expect(twice).toEqual([]);
    expect(counts.size).toBe(expected);
    // Every replica took part: the lease is not stuck on one of them.
    for (const n of Object.values(byReplica)) expect(n).toBeGreaterThan(0);
  }, 120_000);

  it('reports the scheduling lag', async () => {
    const runs = await query<{ tick: string; started_at: string }>(
      "select tick, started_at from sb_job_run where triggered_by = 'schedule' and outcome = 'succeeded'",
    );
    const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Date.parse(`${String(v).replace(' ', 'T')}Z`));
    const lags = runs.map((r) => ms(r.started_at) - ms(r.tick)).sort((a, b) => a - b);
    console.log(
      `[jobs] scheduling lag over ${lags.length} runs: p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms`,
    );
    expect(lags.length).toBeGreaterThan(0);
    expect(percentile(lags, 50)).toBeLessThan(1000);
  });

  it('resumes a long job on another replica within the lease time after its holder is killed', async () => {
    await query("update sb_job set trigger_at = ? where job_key = 'bgtest.long'", [new Date()]);
    const holder = await (async () => {
      for (let i = 0; i < 100; i++) {
        const [row] = await query<{ lease_owner: string | null; running_tick: unknown }>(
          "select lease_owner, running_tick from sb_job where job_key = 'bgtest.long'",
        );
        if (row?.lease_owner && row.running_tick) return row.lease_owner;
        await new Promise((r) => setTimeout(r, 50));
      }
      return null;
    })();
    expect(holder).not.toBeNull();
    const victim = replicas.find((r) => r.id === holder) as Replica;
    const killedAt = Date.now();
    await victim.kill();
    let resumed: { replica: string; at_ms: number } | undefined;
    for (let i = 0; i < 100 && !resumed; i++) {
      [resumed] = await query<{ replica: string; at_ms: number }>(
        "select replica, at_ms from bgtest_event where kind = 'long-start' and k = 'takeover'",
      );
      if (!resumed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(resumed).toBeTruthy();
    const after = Number(resumed?.at_ms) - killedAt;
    console.log(`[jobs] long job held by ${holder} (SIGKILL): resumed by ${resumed?.replica} ${after} ms later (lease ${LEASE_MS} ms)`);
    expect(resumed?.replica).not.toBe(holder);
    expect(after).toBeLessThanOrEqual(LEASE_MS + 500);
    const runs = await query<{ outcome: string; attempt: number; replica: string }>(
      "select outcome, attempt, replica from sb_job_run where job_key = 'bgtest.long' order by id",
    );
    expect(runs[0]).toMatchObject({ outcome: 'abandoned', attempt: 1, replica: holder });
    expect(runs[1]).toMatchObject({ attempt: 2 });
  }, 60_000);
});
