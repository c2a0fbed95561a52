/**
 * @module The operators' background commands for `npx switchboard`: `jobs`, `jobs runs <key>`, `jobs run <key>`,
 * `queues`, `dead-letters <queue>`, `dead-letters replay|drop <queue> <id>`. They open the database (and the broker
 * when configured) without starting any scheduler or worker, so running one never takes work from the replicas, and
 * go through the same BackgroundAdmin as the admin API: changes are audited as `system:cli`.
 */
import { NotFoundError } from '@switchboard/sdk';
import type { CoreConfig } from '../config/config.js';
import { createOrm, ormOptionsFor } from '../db/create-orm.js';
import { createLogger } from '../logging/create-logger.js';
import { createAmqpQueue } from './amqp-queue.js';
import { type BackgroundAdmin, createBackgroundAdmin } from './background-admin.js';
import { backgroundStore } from './background-db.js';
import { createEmbeddedQueue } from './embedded-queue.js';
import type { QueueAdapter } from './queue-adapter.js';
import { createScheduler } from './scheduler.js';
import { physicalQueue } from './scoped-queue.js';

export interface BackgroundCliDeps {
  out: (line: string) => void;
  loadConfig: () => CoreConfig;
  /** The configured plugins' asset ids and worker queue names (to list queue depths). */
  workerQueues: (config: CoreConfig) => Promise<{ assetId: string; queue: string }[]>;
}

const CLI = { type: 'system' as const, id: 'cli' };

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : '-');

const withBackground = async <T>(config: CoreConfig, queueNames: () => Promise<string[]>, fn: (admin: BackgroundAdmin) => Promise<T>) => {
  const orm = await createOrm(ormOptionsFor(config.databaseUrl, []));
  const log = createLogger({ level: 'error' });
  const store = backgroundStore(orm, config.databaseUrl);
  let amqp: (QueueAdapter & { close(): Promise<void> }) | undefined;
  try {
    const scheduler = createScheduler([], { store, replicaId: config.replicaId, log });
    return await fn(
      createBackgroundAdmin({
        orm,
        scheduler: () => scheduler,
        queue: async () => {
          if (config.queueAdapter !== 'rabbitmq' || !config.amqpUrl) return createEmbeddedQueue({ store, log });
          amqp ??= await createAmqpQueue({ url: config.amqpUrl, log, store });
          return amqp;
        },
        queueNames,
      }),
    );
  } finally {
    await amqp?.close();
    await orm.close(true);
  }
};

/** Usage lines for the CLI's help. */
export const BACKGROUND_HELP = `  jobs               List jobs: schedule, next tick, lease holder, last run
  jobs runs <key>    Run history of a job (key = <asset id>.<job name>)
  jobs run <key>     Ask for a run now (a replica takes it within its poll interval)
  queues             Depth of every configured worker's queue (ready, in flight, dead)
  dead-letters <queue>               List a queue's dead letters with reason and attempts
  dead-letters replay|drop <queue> <id>   Put one back on its queue, or delete it`;

export const backgroundCommands = ({
  out,
  loadConfig,
  workerQueues,
}: BackgroundCliDeps): Record<string, (args: string[]) => Promise<number>> => {
  const queueNamesOf = (config: CoreConfig) => async () => (await workerQueues(config)).map((w) => physicalQueue(w.assetId, w.queue));
  const noQueues = async () => [];
  const missing = (e: unknown) => e instanceof NotFoundError;
  return {
    async jobs([sub, key]) {
      const config = loadConfig();
      return withBackground(config, noQueues, async (admin) => {
        if (sub === 'run' || sub === 'runs') {
          if (!key) throw new Error(`jobs ${sub} needs a job key (see \`switchboard jobs\`)`);
          try {
            if (sub === 'run') {
              await admin.runNow(CLI, key);
              out(`requested: ${key} will run on the next replica that polls`);
              return 0;
            }
            for (const r of await admin.runs(key, 50)) {
              out(
                `${iso(r.startedAt)}  ${r.outcome.padEnd(11)} tick ${iso(r.tick)} attempt ${r.attempt} ${r.trigger} on ${r.replica}${r.error ? `  ${r.error}` : ''}`,
              );
            }
            return 0;
          } catch (e) {
            if (!missing(e)) throw e;
            out(`no job '${key}' — \`switchboard jobs\` lists them (they appear once a replica with the plugin has started)`);
            return 1;
          }
        }
        if (sub) throw new Error(`unknown 'jobs ${sub}': use jobs, jobs runs <key> or jobs run <key>`);
        const jobs = await admin.jobs();
        if (jobs.length === 0) out('no jobs yet (they are registered when a replica with the plugin starts)');
        for (const j of jobs) {
          const last = j.lastRun ? `${j.lastRun.outcome} at ${iso(j.lastRun.startedAt)}` : 'never ran';
          out(`${j.key.padEnd(40)} ${j.schedule.padEnd(22)} next ${iso(j.nextDue)}  ${j.running ? `RUNNING on ${j.leaseOwner}` : last}`);
        }
        return 0;
      });
    },

    async queues() {
      const config = loadConfig();
      return withBackground(config, queueNamesOf(config), async (admin) => {
        const { adapter, items } = await admin.queues();
        out(`adapter: ${adapter}`);
        for (const d of items) out(`${d.queue.padEnd(40)} ready ${d.ready}  in flight ${d.inFlight}  dead ${d.dead}`);
        return 0;
      });
    },

    async 'dead-letters'(args) {
      const config = loadConfig();
      const [first, second, third] = args;
      return withBackground(config, queueNamesOf(config), async (admin) => {
        if (first === 'replay' || first === 'drop') {
          if (!second || !third) throw new Error(`dead-letters ${first} needs <queue> <id>`);
          try {
            await (first === 'replay' ? admin.replay(CLI, second, third) : admin.drop(CLI, second, third));
            out(`${first === 'replay' ? 'replayed' : 'dropped'} ${third} on ${second}`);
            return 0;
          } catch (e) {
            if (!missing(e)) throw e;
            out(
              `${(e as Error).message} (\`switchboard queues\` lists the queues, \`switchboard dead-letters <queue>\` their dead letters)`,
            );
            return 1;
          }
        }
        if (!first) throw new Error('dead-letters needs a queue name (see `switchboard queues`)');
        const items = await admin.deadLetters(first, 100).catch((e) => {
          if (!missing(e)) throw e;
          return null;
        });
        if (items === null) {
          out(`no queue '${first}' has a worker in the configured plugins (see \`switchboard queues\`)`);
          return 1;
        }
        if (items.length === 0) out(`no dead letters on ${first}`);
        for (const d of items) out(`${d.id}  attempts ${d.attempts}  ${iso(d.failedAt)}  key ${d.idempotencyKey}  ${d.reason}`);
        return 0;
      });
    },
  };
};
