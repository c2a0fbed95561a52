/**
 * @module Watches the soak's MariaDB database once a second from the side (information_schema.processlist): how many
 * of the core's connections are busy and the longest-running statement, kept per window. When latency jumps while
 * the core's CPU stays low, this says whether the database was where the calls waited.
 */
import { createConnection } from 'mysql2/promise';
import { MARIADB_URL } from '../support/backends.js';

export interface DbWindow {
  /** Most of the core's connections busy at once (not `Sleep`). */
  busyMax: number;
  /** The longest statement seen, ms, with its state and start. */
  longestMs: number;
  longest: string;
}

export interface DbProbe {
  /** What was seen since the last call. */
  closeWindow(): DbWindow;
  stop(): Promise<void>;
}

interface Row {
  COMMAND: string;
  TIME_MS: number | string;
  STATE: string | null;
  INFO: string | null;
}

/** Starts probing the database `name`; null when it is not a MariaDB database. */
export const startDbProbe = async (databaseUrl: string): Promise<DbProbe | null> => {
  if (!databaseUrl.startsWith('mariadb:')) return null;
  const name = new URL(databaseUrl).pathname.slice(1);
  const conn = await createConnection({ uri: MARIADB_URL.replace(/^mariadb:/, 'mysql:') });
  let window: DbWindow = { busyMax: 0, longestMs: 0, longest: '' };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const [rows] = await conn.query('select COMMAND, TIME_MS, STATE, INFO from information_schema.processlist where DB = ?', [name]);
        const busy = (rows as Row[]).filter((r) => r.COMMAND !== 'Sleep');
        window.busyMax = Math.max(window.busyMax, busy.length);
        for (const r of busy) {
          // TIME_MS is a DECIMAL, which mysql2 hands over as a string.
          const ms = Math.round(Number(r.TIME_MS));
          if (ms > window.longestMs) {
            window.longestMs = ms;
            window.longest = `${r.STATE ?? ''}: ${(r.INFO ?? '').replace(/\s+/g, ' ').slice(0, 160)}`;
          }
        }
      } catch {
        // A probe that fails says nothing; the soak goes on.
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    closeWindow: () => {
      const w = window;
      window = { busyMax: 0, longestMs: 0, longest: '' };
      return w;
    },
    stop: async () => {
      stopped = true;
      await loop;
      await conn.end();
    },
  };
};
