/**
 * `npm run fault:mariadb`: the database-outage scenario with a real restart of the machine's MariaDB (shutdown, a
 * pause, start as .ci/run starts it) under load. It stops the server every other process here uses: run it alone.
 * FAULT_OUTAGE_MS sets how long the server stays down (default 5000).
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { createMariaDbDatabase } from '../support/backends.js';
import { runDatabaseOutage, summarize } from './database-outage.js';

const run = promisify(execFile);

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const waitPort = async (open: boolean, timeoutMs: number) => {
  for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((r) => setTimeout(r, 100))) {
    if ((await portOpen(3306)) === open) return;
  }
  throw new Error(`MariaDB did not ${open ? 'come up' : 'stop'} within ${timeoutMs} ms`);
};

const db = await createMariaDbDatabase();
const outageMs = Number(process.env.FAULT_OUTAGE_MS ?? 5000);
try {
  const report = await runDatabaseOutage({
    coreDatabaseUrl: db.url,
    checkDatabaseUrl: db.url,
    outageMs,
    beforeMs: 3000,
    afterMs: 5000,
    log: (line) => console.log(`[drill] ${line}`),
    async down() {
      await run('mariadb-admin', ['-uroot', 'shutdown']);
      await waitPort(false, 30_000);
    },
    async up() {
      await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
      await waitPort(true, 60_000);
    },
  });
  for (const line of summarize(report)) console.log(line);
  const refused = report.answers.filter((a) => a.phase === 'down' && a.status >= 300);
  const bad = report.answers.filter((a) => a.status >= 500 && a.status !== 503);
  const ok =
    report.failures.length === 0 &&
    bad.length === 0 &&
    refused.every((a) => a.code === 'DATABASE_UNAVAILABLE') &&
    report.lost.length === 0 &&
    report.metered === report.called &&
    report.recoveredMs >= 0;
  console.log(ok ? 'PASS: 503 while down, recovered alone, nothing lost' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
} finally {
  if (!(await portOpen(3306))) {
    await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
    await waitPort(true, 60_000);
  }
  await db.drop();
}
