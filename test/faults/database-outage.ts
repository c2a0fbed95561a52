/**
 * @module The database-outage scenario, shared by the test (a TCP proxy cut, harmless to the machine's MariaDB) and
 * the drill (`npm run fault:mariadb`, a real restart of the server): a core process on MariaDB serves writes and
 * reads from keep-alive clients; the database goes away and comes back. Reported: the answers by phase, how fast
 * the 503s came, when the platform recovered, and whether anything it accepted (201) or metered was lost.
 */
import { Agent, request } from 'node:http';
import { createOrm } from '../../core/src/db/create-orm.js';
import { type CoreProcess, startCore } from '../support/core-process.js';

const ADMIN = 'sba_outage_drill_admin_token_0123456789';

export interface OutageOptions {
  /** The URL the core uses (through the proxy, or straight to the server for a real restart). */
  coreDatabaseUrl: string;
  /** The URL the checks use afterwards (straight to the server). */
  checkDatabaseUrl: string;
  /** Takes the database away; resolves once it is gone. */
  down(): Promise<void>;
  /** Brings it back; resolves once it accepts connections. */
  up(): Promise<void>;
  /** Load before, during and after the outage. */
  beforeMs?: number;
  outageMs?: number;
  afterMs?: number;
  clients?: number;
  log?: (line: string) => void;
}

type Phase = 'before' | 'down' | 'after';

interface Answer {
  phase: Phase;
  at: number;
  ms: number;
  status: number;
  code?: string;
  contentType?: string;
  noteId?: string;
}

export interface OutageReport {
  answers: Answer[];
  /** Non-HTTP failures (connection reset, timeout): must be none. */
  failures: string[];
  /** Milliseconds from the database coming back to the first 2xx, and to /readyz saying ready. */
  recoveredMs: number;
  readyAgainMs: number;
  /** When the database went away, on the answers' clock (`at`). */
  downAt: number;
  readyzDown: { status: number; checks: Record<string, string> } | null;
  accepted: number;
  /** Notes answered 201 but missing from the database afterwards. */
  lost: string[];
  /** Calls admitted (every answer) versus what the meter recorded once the database was back. */
  called: number;
  metered: number;
}

const call = (agent: Agent, port: number, method: string, path: string, key: string, body?: unknown) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        timeout: 10_000,
        headers: { authorization: `Bearer ${key}`, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 10 s')));
    req.on('error', reject);
    req.end(data);
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const runDatabaseOutage = async (o: OutageOptions): Promise<OutageReport> => {
  const log = o.log ?? (() => {});
  const core: CoreProcess = await startCore({
    DATABASE_URL: o.coreDatabaseUrl,
    SWITCHBOARD_PLUGINS: './docs/examples/notes',
    SWITCHBOARD_ADMIN_TOKEN: ADMIN,
    // The drill writes thousands of notes; the example's default cap of 1 000 per app would answer 409 instead.
    SWITCHBOARD_PLUGIN_NOTES: JSON.stringify({ maxNotesPerApp: 10_000_000 }),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: o.clients ?? 8 });
  try {
    const admin = async (method: string, path: string, json?: unknown) => {
      const r = await call(agent, core.port, method, `/admin/v1${path}`, ADMIN, json);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
      return JSON.parse(r.text);
    };
    const org = await admin('POST', '/organizations', { name: 'Outage', kind: 'business' });
    const app = await admin('POST', '/apps', { orgId: org.id, name: 'outage' });
    const { key } = await admin('POST', `/apps/${app.id}/keys`, { name: 'k' });
    const plan = await admin('POST', '/plans', { assetId: 'notes', name: 'unlimited' });
    await admin('POST', '/subscriptions', { appId: app.id, planId: plan.id });
    // The gate caches what it read; a first call warms it as traffic would have.
    await call(agent, core.port, 'GET', '/api/notes/notes?limit=1', key);

    let phase: Phase = 'before';
    let stop = false;
    const answers: Answer[] = [];
    const failures: string[] = [];
    const t0 = performance.now();
    let upAt = 0;
    let n = 0;
    const loop = async (i: number) => {
      while (!stop) {
        const write = (n++ + i) % 2 === 0;
        const started = performance.now();
        const at = started - t0;
        const p = phase;
        try {
          const r = write
            ? await call(agent, core.port, 'POST', '/api/notes/notes', key, { title: `outage ${i}-${n}` })
            : await call(agent, core.port, 'GET', '/api/notes/notes?limit=5', key);
          const answer: Answer = {
            phase: p,
            at,
            ms: performance.now() - started,
            status: r.status,
            contentType: String(r.headers['content-type'] ?? ''),
          };
          if (r.status >= 400) answer.code = (JSON.parse(r.text) as { code?: string }).code;
          if (r.status === 201) answer.noteId = (JSON.parse(r.text) as { id: string }).id;
          answers.push(answer);
        } catch (e) {
          failures.push(`${p}: ${(e as Error).message}`);
          await sleep(50);
        }
      }
    };
    const loops = Array.from({ length: o.clients ?? 8 }, (_, i) => loop(i));
    await sleep(o.beforeMs ?? 2000);
    phase = 'down';
    const downAt = performance.now() - t0;
    log('taking the database down');
    await o.down();
    await sleep(500);
    const readyz = await call(agent, core.port, 'GET', '/readyz', key);
    const readyzDown = { status: readyz.status, checks: (JSON.parse(readyz.text) as { checks: Record<string, string> }).checks };
    await sleep(Math.max(0, (o.outageMs ?? 4000) - 500));
    log('bringing the database back');
    await o.up();
    upAt = performance.now() - t0;
    phase = 'after';
    let readyAgainMs = -1;
    for (let waited = 0; waited < 30_000; waited += 100) {
      const r = await call(agent, core.port, 'GET', '/readyz', key);
      if (r.status === 200) {
        readyAgainMs = performance.now() - t0 - upAt;
        break;
      }
      await sleep(100);
    }
    await sleep(o.afterMs ?? 3000);
    stop = true;
    await Promise.all(loops);
    const firstOk = answers.find((a) => a.phase === 'after' && a.status < 300 && a.at >= upAt);
    const recoveredMs = firstOk ? firstOk.at - upAt : -1;

    // Nothing lost: every 201 is a row; every answered call is metered once the meter flushed again.
    await sleep(2500);
    const orm = await createOrm({ databaseUrl: o.checkDatabaseUrl, entities: [], migrations: [] } as never);
    try {
      const ids = answers.filter((a) => a.noteId).map((a) => a.noteId as string);
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = (await orm.em
          .getConnection()
          .execute(`select id from notes_note where id in (${chunk.map(() => '?').join(',')})`, chunk)) as { id: string }[];
        for (const r of rows) found.add(r.id);
      }
      const metered = Number(
        (
          (await orm.em
            .getConnection()
            .execute("select coalesce(sum(count), 0) as n from sb_usage where app_id = ? and asset_id = 'notes'", [app.id])) as {
            n: number;
          }[]
        )[0].n,
      );
      return {
        answers,
        failures,
        recoveredMs,
        readyAgainMs,
        downAt,
        readyzDown,
        accepted: ids.length,
        lost: ids.filter((id) => !found.has(id)),
        // The warm-up call counts too.
        called: answers.length + 1,
        metered,
      };
    } finally {
      await orm.close(true);
    }
  } finally {
    agent.destroy();
    await core.stop();
  }
};

/** One line per phase: answers by status/code, and the slowest of them. */
export const summarize = (r: OutageReport): string[] => {
  const lines: string[] = [];
  for (const phase of ['before', 'down', 'after'] as const) {
    const mine = r.answers.filter((a) => a.phase === phase);
    const by = new Map<string, number>();
    for (const a of mine) by.set(`${a.status}${a.code ? ` ${a.code}` : ''}`, (by.get(`${a.status}${a.code ? ` ${a.code}` : ''}`) ?? 0) + 1);
    const ms = mine.map((a) => a.ms).sort((x, y) => x - y);
    const p99 = ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))] : 0;
    lines.push(`${phase}: ${mine.length} answers (${[...by].map(([k, v]) => `${k}: ${v}`).join(', ')}), p99 ${p99.toFixed(1)} ms`);
  }
  lines.push(
    `readyz while down: ${r.readyzDown?.status} ${JSON.stringify(r.readyzDown?.checks)}; ready again ${r.readyAgainMs.toFixed(0)} ms and first 2xx ${r.recoveredMs.toFixed(0)} ms after the database came back`,
  );
  lines.push(
    `accepted ${r.accepted} notes, lost ${r.lost.length}; ${r.called} calls, ${r.metered} metered; ${r.failures.length} transport failures`,
  );
  return lines;
};
