/**
 * AMQP_QUEUE_TYPE=quorum on the machine's RabbitMQ: the adapter declares its work, retry and dead-letter queues as
 * quorum queues (what a RabbitMQ cluster replicates), and delivery, retry through the TTL queues and dead-lettering
 * work on them as on classic queues.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { defineWorker, type QueueMessage } from '@switchboard/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpQueue } from '../../core/src/background/amqp-queue.js';
import { createLogger } from '../../core/src/logging/create-logger.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from './rabbit.js';

const why = await rabbitUnavailable('quorum queues');
const run = promisify(execFile);
const SUFFIX = `q${randomBytes(4).toString('hex')}`;

describe.skipIf(why !== null)('quorum queues', () => {
  afterAll(async () => {
    await deleteQueues(SUFFIX).catch(() => undefined);
  });

  it('delivers, retries and dead-letters on quorum queues', async () => {
    const adapter = await createAmqpQueue({ url: AMQP_URL, log: createLogger({ level: 'silent' }), queueType: 'quorum' });
    const queue = `bgtest.quorum-${SUFFIX}`;
    const seen: { n: number; attempt: number }[] = [];
    const worker = defineWorker({
      queue: `quorum-${SUFFIX}`,
      retry: { attempts: 2, backoff: '100ms' },
      handle: async (m: QueueMessage<{ n: number }>) => {
        seen.push({ n: m.payload.n, attempt: m.attempt });
        // Message 0 always fails: retried once through the retry queue, then dead-lettered.
        if (m.payload.n === 0) throw new Error('always fails');
      },
    });
    try {
      await adapter.start([{ assetId: 'bgtest', queue, definition: worker, handle: async (m) => worker.handle(m as never, {} as never) }]);
      for (let n = 0; n < 5; n++) await adapter.publish(queue, { n }, { idempotencyKey: `${SUFFIX}-${n}` });
      const until = Date.now() + 15_000;
      let dead = 0;
      while (Date.now() < until) {
        dead = (await adapter.depths([queue]))[0]?.dead ?? 0;
        if (dead === 1 && seen.filter((s) => s.n !== 0).length === 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(
        seen
          .filter((s) => s.n !== 0)
          .map((s) => s.n)
          .sort(),
      ).toEqual([1, 2, 3, 4]);
      expect(seen.filter((s) => s.n === 0).map((s) => s.attempt)).toEqual([1, 2]);
      expect(dead).toBe(1);
      const letters = await adapter.deadLetters(queue);
      expect(letters.map((l) => l.reason)).toEqual([expect.stringContaining('always fails')]);
      const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'type']);
      const types = new Map(
        stdout
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/) as [string, string])
          .filter(([name]) => name.includes(SUFFIX)),
      );
      expect(types.get(queue)).toBe('quorum');
      expect(types.get(`${queue}.dead`)).toBe('quorum');
      expect([...types].filter(([name]) => name.includes('.retry.')).every(([, type]) => type === 'quorum')).toBe(true);
    } finally {
      await adapter.stop();
      await adapter.close();
    }
  }, 30_000);
});
