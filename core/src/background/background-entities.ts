/** @module The background tables as MikroORM entities (`sb_job`, `sb_job_run`, `sb_queue_message`), for reads and tooling. */
import { defineEntity, p } from '@mikro-orm/core';

/** One row per job (per replica for `local` jobs): its next tick, the lease and a pending manual trigger. */
export const JobState = defineEntity({
  name: 'SbJob',
  tableName: 'sb_job',
  properties: {
    jobKey: p.string().length(200).primary(),
    assetId: p.string().length(100),
    name: p.string().length(100),
    scope: p.string().length(10),
    schedule: p.string().length(200),
    nextDue: p.datetime(3),
    leaseOwner: p.string().length(200).nullable(),
    leaseUntil: p.datetime(3).nullable(),
    runningTick: p.datetime(3).nullable(),
    runningAttempt: p.integer().nullable(),
    triggerAt: p.datetime(3).nullable(),
  },
});

/** Run history: one row per attempt of a tick; (job_key, tick, attempt) is unique, which is what makes a tick run once. */
export const JobRun = defineEntity({
  name: 'SbJobRun',
  tableName: 'sb_job_run',
  properties: {
    id: p.integer().primary().autoincrement(),
    jobKey: p.string().length(200),
    tick: p.datetime(3),
    attempt: p.integer(),
    /** `schedule`, `manual` or `takeover` (`trigger` is a reserved word in MySQL). */
    triggeredBy: p.string().length(16),
    replica: p.string().length(200),
    startedAt: p.datetime(3),
    finishedAt: p.datetime(3).nullable(),
    outcome: p.string().length(16),
    error: p.text().nullable(),
  },
});

/** The embedded queue: ready, leased, done (kept for idempotency) and dead messages. */
export const QueueMessageRow = defineEntity({
  name: 'SbQueueMessage',
  tableName: 'sb_queue_message',
  properties: {
    id: p.integer().primary().autoincrement(),
    queue: p.string().length(200),
    idempotencyKey: p.string().length(200),
    payload: p.text(),
    status: p.string().length(10),
    attempts: p.integer(),
    availableAt: p.datetime(3),
    leaseOwner: p.string().length(64).nullable(),
    leaseUntil: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
    finishedAt: p.datetime(3).nullable(),
    lastError: p.text().nullable(),
  },
});
