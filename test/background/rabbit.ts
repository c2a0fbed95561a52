/**
 * @module The machine's RabbitMQ for the queue tests: whether it answers (CI=true fails loudly when it does not, a
 * laptop skips with the reason), and clean-up of the queues a run declared (their names carry the run's suffix).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { isCi } from '../support/backends.js';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Null when RabbitMQ answers; else why not (and in CI, throws). */
export const rabbitUnavailable = async (what: string): Promise<string | null> => {
  const why = await connect(AMQP_URL, { timeout: 3000 }).then(
    async (c) => {
      await c.close();
      return null;
    },
    (e: Error) => `RabbitMQ at ${AMQP_URL.replace(/\/\/[^@]*@/, '//***@')} is unreachable: ${e.message}`,
  );
  if (why && isCi()) throw new Error(`${why} — CI needs it (.ci/run starts it).`);
  if (why) console.warn(`[skip ${what}] ${why}`);
  return why;
};

const run = promisify(execFile);

/** Deletes every queue whose name contains `marker`. */
export const deleteQueues = async (marker: string): Promise<void> => {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name']);
  const names = stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((n) => n.includes(marker));
  const c = await connect(AMQP_URL);
  const ch = await c.createChannel();
  for (const n of names) await ch.deleteQueue(n);
  await c.close();
};

/**
 * Restarts the broker: the RabbitMQ application by default (every connection drops, queues are recovered from disk),
 * or with BG_FULL_RESTART=1 the whole node (`rabbitmqctl stop`, then `rabbitmq-server -detached`, as .ci/run starts it).
 */
export const restartBroker = async (): Promise<number> => {
  const t0 = Date.now();
  if (process.env.BG_FULL_RESTART === '1') {
    await run('rabbitmqctl', ['stop']);
    await run('rabbitmq-server', ['-detached']);
    for (let i = 0; ; i++) {
      const up = await run('rabbitmqctl', ['await_startup']).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (i > 60) throw new Error('RabbitMQ did not come back within 30 s after a full restart');
      await new Promise((r) => setTimeout(r, 500));
    }
  } else {
    await run('rabbitmqctl', ['stop_app']);
    await run('rabbitmqctl', ['start_app']);
    await run('rabbitmqctl', ['await_startup']);
  }
  return Date.now() - t0;
};

/**
 * A RabbitMQ virtual host of its own (made with `rabbitmqctl`), so a run's queues never meet another run's consumers
 * on the same broker: plugins whose queue names are fixed (push) need it. Without a usable `rabbitmqctl`, `onFallback`
 * hears why and the default virtual host is used.
 */
export const createRabbitVhost = async (
  prefix: string,
  baseUrl: string = AMQP_URL,
  onFallback: (why: string) => void = () => {},
): Promise<{ vhost: string | null; url: string; drop: () => Promise<void> }> => {
  const vhost = `${prefix}-${randomBytes(4).toString('hex')}`;
  try {
    await run('rabbitmqctl', ['add_vhost', vhost], { timeout: 30_000 });
    await run('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { timeout: 30_000 });
  } catch (e) {
    onFallback((e as Error).message.split('\n')[0]);
    return { vhost: null, url: baseUrl, drop: async () => {} };
  }
  return {
    vhost,
    url: `${baseUrl.replace(/\/$/, '')}/${encodeURIComponent(vhost)}`,
    drop: async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost], { timeout: 30_000 });
    },
  };
};
