/**
 * @module The databases a persistence test runs on: SQLite always, the machine's MariaDB when it answers. Each
 * MariaDB run gets its own throw-away database, so test files can run in parallel.
 * In CI (CI=true) an unreachable MariaDB fails the run; on a laptop it is skipped with the reason printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

const adminUrl = () => MARIADB_URL.replace(/^mariadb:/, 'mysql:');

let reachable: Promise<string | null> | undefined;

/** Null when MariaDB answers, else why not. */
export const mariaDbUnavailable = (): Promise<string | null> => {
  reachable ??= createConnection({ uri: adminUrl(), connectTimeout: 3000 }).then(
    async (c) => {
      await c.end();
      return null;
    },
    (e: Error) => `MariaDB at ${MARIADB_URL} is unreachable: ${e.message}`,
  );
  return reachable;
};

/** Creates an empty database; returns its URL and a function that drops it. */
export const createMariaDbDatabase = async (): Promise<{ url: string; drop: () => Promise<void> }> => {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection({ uri: adminUrl() });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const target = new URL(MARIADB_URL);
  target.pathname = `/${name}`;
  const url = target.toString();
  return {
    url,
    drop: async () => {
      const c = await createConnection({ uri: adminUrl() });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
};

/** CI=true (or any value but false/0/empty) means a missing service must fail the run. */
export const isCi = (): boolean => !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

export interface Backend {
  name: 'sqlite' | 'mariadb';
  /** A fresh database for one platform, and its clean-up. */
  create(): Promise<{ url: string; drop: () => Promise<void> }>;
}

/** A SQLite file in a temporary folder, so a second platform can open the same database. */
export const sqliteBackend: Backend = {
  name: 'sqlite',
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
    return { url: `sqlite:${join(dir, 'db.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};
export const mariaDbBackend: Backend = { name: 'mariadb', create: createMariaDbDatabase };

/**
 * Backends to run on. MariaDB is included when reachable; when not, CI fails loudly and a laptop prints why it
 * skipped.
 */
export const availableBackends = async (): Promise<Backend[]> => {
  const why = await mariaDbUnavailable();
  if (why === null) return [sqliteBackend, mariaDbBackend];
  if (isCi()) throw new Error(`${why} — CI needs it (.ci/run starts it).`);
  console.warn(`[skip mariadb] ${why}`);
  return [sqliteBackend];
};
