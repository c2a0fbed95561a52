/**
 * @module Typed Kysely access to the background tables, and the one place that knows how each dialect stores a
 * `datetime(3)`: SQLite as epoch milliseconds (as MikroORM does), MariaDB/MySQL as a UTC `DATETIME(3)`.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Kysely } from 'kysely';
import { dialectOf } from '../db/create-orm.js';

type Ts = Date | number | string;

export interface BackgroundDb {
  sb_job: {
    job_key: string;
    asset_id: string;
    name: string;
    scope: string;
    schedule: string;
    next_due: Ts;
    lease_owner: string | null;
    lease_until: Ts | null;
    running_tick: Ts | null;
    running_attempt: number | null;
    trigger_at: Ts | null;
  };
  sb_job_run: {
    id?: number;
    job_key: string;
    tick: Ts;
    attempt: number;
    triggered_by: string;
    replica: string;
    started_at: Ts;
    finished_at: Ts | null;
    outcome: string;
    error: string | null;
  };
  sb_queue_message: {
    id?: number;
    queue: string;
    idempotency_key: string;
    payload: string;
    status: string;
    attempts: number;
    available_at: Ts;
    lease_owner: string | null;
    lease_until: Ts | null;
    created_at: Ts;
    finished_at: Ts | null;
    last_error: string | null;
  };
  sb_queue_key: {
    queue: string;
    idempotency_key: string;
    message_id: string;
    status: string;
    claim: string | null;
    claimed_at: Ts;
    created_at: Ts;
  };
  sb_queue_crash: {
    queue: string;
    message_id: string;
    starts: number;
    updated_at: Ts;
  };
}

export interface BackgroundStore {
  db: Kysely<BackgroundDb>;
  dialect: 'sqlite' | 'mysql';
  /** A JS time as the column stores it. */
  ts(t: Date | number): Date | number;
  /** A column value back to epoch milliseconds (null stays null). */
  ms(v: unknown): number | null;
}

/** Opens the store on the ORM's pool (outside any request context). */
export const backgroundStore = (orm: MikroORM, databaseUrl: string): BackgroundStore => {
  const em = orm.em.fork() as unknown as SqlEntityManager;
  const dialect = dialectOf(databaseUrl) === 'sqlite' ? 'sqlite' : 'mysql';
  return {
    db: em.getKysely<BackgroundDb>(),
    dialect,
    ts: (t) => (dialect === 'sqlite' ? +t : new Date(+t)),
    ms: (v) => {
      if (v === null || v === undefined) return null;
      if (v instanceof Date) return v.getTime();
      if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
      // MariaDB hands DATETIME back as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC.
      return Date.parse(`${String(v).replace(' ', 'T')}Z`);
    },
  };
};

/** True when an insert failed on a unique constraint (each driver words it differently). */
export const isUniqueViolation = (e: unknown): boolean => {
  const err = e as { code?: string; errno?: number; message?: string };
  return err?.code === 'ER_DUP_ENTRY' || err?.errno === 1062 || /UNIQUE constraint failed|Duplicate entry/i.test(err?.message ?? '');
};
