/** @module Jobs and workers as data: what a plugin declares in `jobs` and `workers`; the core schedules and runs them. */
import type { QueueMessage } from './queue.js';
import type { DepsMap, ServicesOf } from './service-ref.js';

/** Milliseconds, or a duration string: `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

/** What one run of a job receives. */
export interface JobContext {
  /** The job's name as declared. */
  name: string;
  /** The tick this run is for (the scheduled time, not the start time), or the trigger time of a manual run. */
  scheduledAt: Date;
  /** `schedule`, `manual` (an operator asked), or `takeover` (the previous holder died mid-run). */
  trigger: 'schedule' | 'manual' | 'takeover';
  /** Aborted when the timeout passes or the platform shuts down: stop early and leave consistent state. */
  signal: AbortSignal;
}

/** When a job runs: a cron expression (5 or 6 fields, UTC) or a fixed interval aligned to the epoch. */
export type JobSchedule = { cron: string; every?: never } | { every: Duration; cron?: never };

/** A scheduled job. */
export type JobSpec<D extends DepsMap = DepsMap> = JobSchedule & {
  /** Unique within the plugin; the core names it `<asset id>.<name>`. */
  name: string;
  /** After this long the run is aborted and recorded as timed out. */
  timeout: Duration;
  /** `global` (default): once per tick across every replica. `local`: on each replica. */
  scope?: 'global' | 'local';
  /**
   * What to do with ticks missed while no replica could run the job (all down, asset disabled, a run overran).
   * `skip` (default): record them as skipped and run the next one. `catch-up`: run every missed tick, in order.
   */
  misfire?: 'skip' | 'catch-up';
  /** Services the job needs, resolved from the plugin's container like the plugin's own `deps`. */
  deps?: D;
  run: (ctx: JobContext, services: ServicesOf<D>) => Promise<void> | void;
};

/** Retry policy of a worker. */
export interface RetryPolicy {
  /** Deliveries in total before the message is dead-lettered (1 = no retry). */
  attempts: number;
  /** Delay before attempt n+1: a fixed duration, or exponential from `initial` doubling up to `max`. */
  backoff?: Duration | { initial: Duration; max?: Duration; factor?: number };
}

/** A queue worker. */
export interface WorkerSpec<P = unknown, D extends DepsMap = DepsMap> {
  /** The plugin's queue name (unprefixed), as given to `queue.publish`. */
  queue: string;
  /** Messages handled at once on each replica (the broker's prefetch). Default 1. */
  concurrency?: number;
  /** Default: 5 attempts, exponential backoff from 1 s up to 5 min. */
  retry?: RetryPolicy;
  deps?: D;
  /** Resolve to acknowledge; throw to retry (or dead-letter after the last attempt, with the error as the reason). */
  handle: (message: QueueMessage<P>, services: ServicesOf<D>) => Promise<void> | void;
}

export const JOB_BRAND = 'switchboard.job/v1';
export const WORKER_BRAND = 'switchboard.worker/v1';

export type JobDefinition<D extends DepsMap = DepsMap> = JobSpec<D> & { readonly brand: typeof JOB_BRAND };
export type WorkerDefinition<P = unknown, D extends DepsMap = DepsMap> = WorkerSpec<P, D> & { readonly brand: typeof WORKER_BRAND };

/**
 * Declares a scheduled job.
 *
 * @example
 * export const pruneOldNotes = defineJob({
 *   name: 'prune-old-notes', cron: '0 3 * * *', timeout: '5m', misfire: 'skip',
 *   deps: { db: coreServices.database },
 *   run: async ({ signal }, { db }) => { await db.nativeDelete(Note, { createdAt: { $lt: cutoff() } }); },
 * });
 */
export const defineJob = <D extends DepsMap = Record<string, never>>(spec: JobSpec<D>): JobDefinition<D> => ({ ...spec, brand: JOB_BRAND });

/**
 * Declares a queue worker. Annotate `handle`'s message (`QueueMessage<Payload>`) to type the payload.
 *
 * @example
 * export const deliver = defineWorker({
 *   queue: 'deliveries', concurrency: 10, retry: { attempts: 5, backoff: { initial: '1s', max: '5m' } },
 *   deps: { log: coreServices.logger },
 *   handle: async ({ payload, attempt }: QueueMessage<{ sendId: number }>, { log }) => { log.info({ attempt }, 'delivering'); },
 * });
 */
export const defineWorker = <P = unknown, D extends DepsMap = Record<string, never>>(spec: WorkerSpec<P, D>): WorkerDefinition<P, D> => ({
  ...spec,
  brand: WORKER_BRAND,
});
