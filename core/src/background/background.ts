/**
 * @module The platform's background work: picks the queue adapter, binds each plugin's jobs and workers to its
 * services, and starts / drains the scheduler and the workers. The platform creates it before plugins activate (the
 * queue service must resolve) and starts it after they started.
 */
import { type MikroORM, RequestContext } from '@mikro-orm/core';
import {
  coreServices,
  type DepsMap,
  type JobDefinition,
  type Logger,
  type PluginDefinition,
  type WorkerDefinition,
} from '@switchboard/sdk';
import type { DependencyContainer } from 'tsyringe';
import type { CoreConfig } from '../config/config.js';
import { createAmqpQueue } from './amqp-queue.js';
import { type BackgroundAdmin, createBackgroundAdmin } from './background-admin.js';
import { type BackgroundStore, backgroundStore } from './background-db.js';
import { toMs } from './duration.js';
import { createEmbeddedQueue } from './embedded-queue.js';
import { jobClock } from './job-clock.js';
import type { QueueAdapter, RegisteredWorker } from './queue-adapter.js';
import { createScheduler, type RegisteredJob, type Scheduler } from './scheduler.js';
import { physicalQueue } from './scoped-queue.js';

/** What the background needs of an active plugin (structural, so it does not depend on the loader's types). */
export interface BackgroundPlugin {
  prepared: { meta: { id: string }; moduleFile: string; definition: PluginDefinition };
  container: DependencyContainer;
}

/** A job or worker that cannot run, reported like a load error. */
export interface BackgroundProblem {
  assetId: string;
  file: string;
  pointer: string;
  message: string;
}

export type BackgroundConfig = Pick<
  CoreConfig,
  | 'databaseUrl'
  | 'queueAdapter'
  | 'amqpUrl'
  | 'amqpQueueType'
  | 'replicaId'
  | 'jobLeaseMs'
  | 'schedulerPollMs'
  | 'queueLeaseMs'
  | 'queuePollMs'
  | 'drainMs'
> &
  Partial<Pick<CoreConfig, 'role'>>;

export interface Background {
  /**
   * What this replica runs (SWITCHBOARD_ROLE): `all` jobs and queue workers, `api` neither (it still publishes, so
   * its accepts never share the event loop with deliveries), `worker` both.
   */
  readonly role: 'all' | 'api' | 'worker';
  readonly queue: QueueAdapter;
  /** The operators' actions (the admin API's background operations), audited. */
  readonly admin: BackgroundAdmin;
  readonly scheduler: Scheduler;
  readonly store: BackgroundStore;
  /** Physical names of the queues that have a worker here. */
  queues(): string[];
  /** Replaces the pause hook (the access layer's asset toggles). */
  setAssetEnabledCheck(check: (assetId: string) => boolean): void;
  start(plugins: BackgroundPlugin[]): Promise<BackgroundProblem[]>;
  /** Stops claiming jobs and messages, lets running ones finish (up to `drainMs`), releases leases. */
  stop(): Promise<void>;
}

const resolveDeps = (container: DependencyContainer, deps: DepsMap | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(deps ?? {}).map(([name, ref]) => [name, container.resolve(ref.id)]));

/** Work that uses the database gets its own EntityManager fork per run, as a request does. */
const scopeFor = (orm: MikroORM, deps: DepsMap | undefined) =>
  Object.values(deps ?? {}).some((r) => r.id === coreServices.database.id)
    ? <T>(fn: () => Promise<T>) => RequestContext.create(orm.em, fn)
    : <T>(fn: () => Promise<T>) => fn();

export const createBackground = async (config: BackgroundConfig, orm: MikroORM, log: Logger): Promise<Background> => {
  const store = backgroundStore(orm, config.databaseUrl);
  let check: (assetId: string) => boolean = () => true;
  const isAssetEnabled = (id: string) => check(id);
  const role = config.role ?? 'all';
  const bgLog = log.child({ component: 'background', replica: config.replicaId });
  const queue: QueueAdapter =
    config.queueAdapter === 'rabbitmq' && config.amqpUrl
      ? await createAmqpQueue({
          url: config.amqpUrl,
          log: bgLog,
          store,
          drainMs: config.drainMs,
          isAssetEnabled,
          queueType: config.amqpQueueType,
        })
      : createEmbeddedQueue({
          store,
          log: bgLog,
          leaseMs: config.queueLeaseMs,
          pollMs: config.queuePollMs,
          drainMs: config.drainMs,
          isAssetEnabled,
        });
  let scheduler: Scheduler = createScheduler([], { store, replicaId: config.replicaId, log: bgLog });
  let workerQueues: string[] = [];
  const admin = createBackgroundAdmin({ orm, scheduler: () => scheduler, queue: () => queue, queueNames: () => workerQueues });

  return {
    role,
    queue,
    admin,
    store,
    get scheduler() {
      return scheduler;
    },
    queues: () => workerQueues,
    setAssetEnabledCheck(fn) {
      check = fn;
    },
    async start(plugins) {
      const problems: BackgroundProblem[] = [];
      const jobs: RegisteredJob[] = [];
      const workers: RegisteredWorker[] = [];
      for (const p of plugins) {
        const assetId = p.prepared.meta.id;
        const file = p.prepared.moduleFile;
        const seen = new Set<string>();
        (p.prepared.definition.jobs ?? []).forEach((job: JobDefinition, i) => {
          try {
            if (typeof job?.name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,99}$/i.test(job.name))
              throw new Error(`invalid job name '${job?.name}'`);
            if (seen.has(job.name)) throw new Error(`two jobs are named '${job.name}'`);
            seen.add(job.name);
            jobClock(job);
            toMs(job.timeout);
            const services = resolveDeps(p.container, job.deps);
            const scope = scopeFor(orm, job.deps);
            jobs.push({ assetId, definition: job, run: (ctx) => scope(async () => job.run(ctx, services as never)) });
          } catch (e) {
            problems.push({ assetId, file, pointer: `/jobs/${i}`, message: (e as Error).message });
          }
        });
        (p.prepared.definition.workers ?? []).forEach((worker: WorkerDefinition, i) => {
          try {
            const name = physicalQueue(assetId, worker.queue);
            const attempts = worker.retry?.attempts ?? 5;
            if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`retry.attempts must be an integer ≥ 1, got ${attempts}`);
            const services = resolveDeps(p.container, worker.deps);
            const scope = scopeFor(orm, worker.deps);
            workers.push({
              assetId,
              queue: name,
              definition: worker,
              handle: (m) => scope(async () => worker.handle(m, services as never)),
            });
          } catch (e) {
            problems.push({ assetId, file, pointer: `/workers/${i}`, message: (e as Error).message });
          }
        });
      }
      scheduler = createScheduler(jobs, {
        store,
        replicaId: config.replicaId,
        log: bgLog,
        leaseMs: config.jobLeaseMs,
        pollMs: config.schedulerPollMs,
        drainMs: config.drainMs,
        isAssetEnabled,
      });
      workerQueues = [...new Set(workers.map((w) => w.queue))];
      // An API replica still validates and lists jobs and workers (the admin API shows them), but runs none.
      if (role === 'api') {
        bgLog.info({ role, jobs: jobs.length, workers: workers.length }, 'API-only replica: no jobs or queue consumers run here');
        return problems;
      }
      await scheduler.start();
      await queue.start(workers);
      return problems;
    },
    async stop() {
      await Promise.all([scheduler.stop(), queue.stop()]);
    },
  };
};
