/**
 * @module The machine's RabbitMQ for the queue tests: whether it answers (CI=true fails loudly when it does not, a
 * laptop skips with the reason), and clean-up of the queues a run declared (their names carry the run's suffix).
 */
import { execFile } from 'node:child_process';
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
