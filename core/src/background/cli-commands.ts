/**
 * @module The operators' background commands for `npx switchboard`: `jobs`, `jobs runs <key>`, `jobs run <key>`,
 * `queues`, `dead-letters <queue>`, `dead-letters replay|drop <queue> <id>`. They open the database (and the broker
 * when configured) without starting any scheduler or worker, so running one never takes work from the replicas.
 */
import type { CoreConfig } from '../config/config.js';
import { createOrm, ormOptionsFor } from '../db/create-orm.js';
import { createLogger } from '../logging/create-logger.js';
import { createAmqpQueue } from './amqp-queue.js';
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

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

const withBackground = async <T>(
  config: CoreConfig,
  fn: (b: { scheduler: ReturnType<typeof createScheduler>; queue: () => Promise<QueueAdapter> }) => Promise<T>,
) => {
  const orm = await createOrm(ormOptionsFor(config.databaseUrl, []));
  const log = createLogger({ level: 'error' });
  const store = backgroundStore(orm, config.databaseUrl);
  let amqp: (QueueAdapter & { close(): Promise<void> }) | undefined;
  try {
    return await fn({
      scheduler: createScheduler([], { store, replicaId: config.replicaId, log }),
      queue: async () => {
        if (config.queueAdapter !== 'rabbitmq' || !config.amqpUrl) return createEmbeddedQueue({ store, log });
        amqp ??= await createAmqpQueue({ url: config.amqpUrl, log });
        return amqp;
      },
    });
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
}: BackgroundCliDeps): Record<string, (args: string[]) => Promise<number>> => ({
  async jobs([sub, key]) {
    const config = loadConfig();
    return withBackground(config, async ({ scheduler }) => {
      if (sub === 'run' || sub === 'runs') {
        if (!key) throw new Error(`jobs ${sub} needs a job key (see \`switchboard jobs\`)`);
        if (!(await scheduler.list()).some((j) => j.key === key)) {
          out(`no job '${key}' — \`switchboard jobs\` lists them (they appear once a replica with the plugin has started)`);
          return 1;
        }
        if (sub === 'run') {
          await scheduler.trigger(key);
          out(`requested: ${key} will run on the next replica that polls`);
          return 0;
        }
        for (const r of await scheduler.history(key, 50)) {
          out(
            `${iso(r.startedAt)}  ${r.outcome.padEnd(11)} tick ${iso(r.tick)} attempt ${r.attempt} ${r.trigger} on ${r.replica}${r.error ? `  ${r.error}` : ''}`,
          );
        }
        return 0;
      }
      if (sub) throw new Error(`unknown 'jobs ${sub}': use jobs, jobs runs <key> or jobs run <key>`);
      const jobs = await scheduler.list();
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
    const names = (await workerQueues(config)).map((w) => physicalQueue(w.assetId, w.queue));
    return withBackground(config, async ({ queue }) => {
      const q = await queue();
      out(`adapter: ${q.kind}`);
      for (const d of await q.depths(names)) out(`${d.queue.padEnd(40)} ready ${d.ready}  in flight ${d.inFlight}  dead ${d.dead}`);
      return 0;
    });
  },

  async 'dead-letters'(args) {
    const config = loadConfig();
    const [first, second, third] = args;
    return withBackground(config, async ({ queue }) => {
      const q = await queue();
      if (first === 'replay' || first === 'drop') {
        if (!second || !third) throw new Error(`dead-letters ${first} needs <queue> <id>`);
        const ok = first === 'replay' ? await q.replay(second, third) : await q.drop(second, third);
        out(ok ? `${first === 'replay' ? 'replayed' : 'dropped'} ${third} on ${second}` : `no dead letter ${third} on ${second}`);
        return ok ? 0 : 1;
      }
      if (!first) throw new Error('dead-letters needs a queue name (see `switchboard queues`)');
      const items = await q.deadLetters(first, 100);
      if (items.length === 0) out(`no dead letters on ${first}`);
      for (const d of items) out(`${d.id}  attempts ${d.attempts}  ${iso(d.failedAt)}  key ${d.idempotencyKey}  ${d.reason}`);
      return 0;
    });
  },
});
