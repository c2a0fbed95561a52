/**
 * @module The operators' actions on background work — jobs, run history, run now, queue depths, dead letters to list,
 * replay or drop — shared by the admin API and the CLI so both behave alike: JSON-ready views, domain errors with
 * codes, and an audit entry for every change (who asked for a run, who replayed or dropped which message).
 */
import type { MikroORM } from '@mikro-orm/core';
import { NotFoundError } from '@switchboard/sdk';
import type { Actor } from '../access/access-service.js';
import { AuditEntry } from '../access/entities/audit-entry.js';
import type { DeadLetter, QueueAdapter, QueueDepth } from './queue-adapter.js';
import type { JobInfo, JobRunInfo, Scheduler } from './scheduler.js';

export type JobOutcome = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'interrupted' | 'abandoned' | 'skipped';

export interface JobRunView {
  id: number;
  jobKey: string;
  tick: string;
  attempt: number;
  trigger: 'schedule' | 'manual' | 'takeover';
  replica: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: JobOutcome;
  error: string | null;
}

export interface JobView {
  key: string;
  assetId: string;
  name: string;
  scope: 'global' | 'local';
  schedule: string;
  nextDue: string;
  leaseOwner: string | null;
  leaseUntil: string | null;
  running: boolean;
  lastRun: JobRunView | null;
}

export interface DeadLetterView {
  id: string;
  queue: string;
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
  reason: string;
  failedAt: string | null;
}

export interface BackgroundAdmin {
  jobs(): Promise<JobView[]>;
  runs(key: string, limit?: number): Promise<JobRunView[]>;
  /** Asks for a run now; any replica takes it within its poll interval. */
  runNow(actor: Actor, key: string): Promise<void>;
  queues(): Promise<{ adapter: QueueAdapter['kind']; items: QueueDepth[] }>;
  deadLetters(queue: string, limit?: number): Promise<DeadLetterView[]>;
  replay(actor: Actor, queue: string, id: string): Promise<DeadLetterView>;
  drop(actor: Actor, queue: string, id: string): Promise<DeadLetterView>;
}

export interface BackgroundAdminOptions {
  orm: MikroORM;
  scheduler: () => Scheduler;
  queue: () => QueueAdapter | Promise<QueueAdapter>;
  /** The physical queues operators may address: those with a worker. */
  queueNames: () => string[] | Promise<string[]>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const runView = (r: JobRunInfo): JobRunView => ({
  id: r.id,
  jobKey: r.jobKey,
  tick: r.tick.toISOString(),
  attempt: r.attempt,
  trigger: r.trigger as JobRunView['trigger'],
  replica: r.replica,
  startedAt: r.startedAt.toISOString(),
  finishedAt: iso(r.finishedAt),
  outcome: r.outcome as JobOutcome,
  error: r.error,
});

const jobView = (j: JobInfo): JobView => ({
  key: j.key,
  assetId: j.assetId,
  name: j.name,
  scope: j.scope as JobView['scope'],
  schedule: j.schedule,
  nextDue: j.nextDue.toISOString(),
  leaseOwner: j.leaseOwner,
  leaseUntil: iso(j.leaseUntil),
  running: j.running,
  lastRun: j.lastRun ? runView(j.lastRun) : null,
});

const deadView = (d: DeadLetter): DeadLetterView => ({ ...d, failedAt: iso(d.failedAt) });

/** What the audit log keeps of a dead letter: not its payload, which may hold personal data. */
const auditOf = (d: DeadLetterView) => ({
  queue: d.queue,
  id: d.id,
  idempotencyKey: d.idempotencyKey,
  attempts: d.attempts,
  reason: d.reason,
  failedAt: d.failedAt,
});

/**
 * @example
 * const admin = createBackgroundAdmin({ orm, scheduler: () => scheduler, queue: () => adapter, queueNames: () => names });
 * await admin.replay({ type: 'operator', id: 'op_1' }, 'push.deliveries', messageId);
 */
export const createBackgroundAdmin = ({ orm, scheduler, queue, queueNames }: BackgroundAdminOptions): BackgroundAdmin => {
  const audit = async (actor: Actor, action: string, target: { type: string; id: string }, before: object | null, after: object | null) => {
    const em = orm.em.fork();
    // The audit columns are short; a long job key or queue name stays whole in `before` / `after`.
    em.create(AuditEntry, {
      at: new Date(),
      actorType: actor.type,
      actorId: actor.id.slice(0, 32),
      action,
      targetType: target.type,
      targetId: target.id.slice(0, 64),
      before,
      after,
    });
    await em.flush();
  };

  const knownQueue = async (name: string) => {
    if (!(await queueNames()).includes(name)) throw new NotFoundError('queue', name, { code: 'QUEUE_NOT_FOUND' });
  };
  const noDeadLetter = (id: string) => new NotFoundError('dead letter', id, { code: 'DEAD_LETTER_NOT_FOUND' });
  const noJob = (key: string) => new NotFoundError('job', key, { code: 'JOB_NOT_FOUND' });

  return {
    jobs: async () => (await scheduler().list()).map(jobView),
    async runs(key, limit = 50) {
      if (!(await scheduler().list()).some((j) => j.key === key)) throw noJob(key);
      return (await scheduler().history(key, limit)).map(runView);
    },
    async runNow(actor, key) {
      if (!(await scheduler().trigger(key))) throw noJob(key);
      await audit(actor, 'job.run', { type: 'job', id: key }, null, { job: key, requestedAt: new Date().toISOString() });
    },
    async queues() {
      const adapter = await queue();
      return { adapter: adapter.kind, items: await adapter.depths(await queueNames()) };
    },
    async deadLetters(name, limit = 100) {
      await knownQueue(name);
      return (await (await queue()).deadLetters(name, limit)).map(deadView);
    },
    async replay(actor, name, id) {
      await knownQueue(name);
      const replayed = await (await queue()).replay(name, id);
      if (!replayed) throw noDeadLetter(id);
      const view = deadView(replayed);
      await audit(actor, 'dead-letter.replay', { type: 'dead-letter', id }, auditOf(view), { queue: name, id, attempts: 0 });
      return view;
    },
    async drop(actor, name, id) {
      await knownQueue(name);
      const dropped = await (await queue()).drop(name, id);
      if (!dropped) throw noDeadLetter(id);
      const view = deadView(dropped);
      await audit(actor, 'dead-letter.drop', { type: 'dead-letter', id }, auditOf(view), null);
      return view;
    },
  };
};
