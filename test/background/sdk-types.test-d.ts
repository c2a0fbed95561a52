/** Type tests of the jobs and workers contract: deps flow into `run` / `handle`, payloads are typed, bad specs do not compile. */
import {
  coreServices,
  type Database,
  defineJob,
  definePlugin,
  defineWorker,
  type Logger,
  type QueueMessage,
  type QueueService,
} from '@switchboard/sdk';
import { describe, expectTypeOf, it } from 'vitest';

describe('defineJob / defineWorker types', () => {
  it('types a job’s services from its deps', () => {
    defineJob({
      name: 'prune',
      cron: '0 3 * * *',
      timeout: '5m',
      deps: { db: coreServices.database, log: coreServices.logger },
      run: async (ctx, { db, log }) => {
        expectTypeOf(db).toEqualTypeOf<Database>();
        expectTypeOf(log).toEqualTypeOf<Logger>();
        expectTypeOf(ctx.scheduledAt).toEqualTypeOf<Date>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      },
    });
  });

  it('takes exactly one of cron and every, and typed durations', () => {
    // @ts-expect-error both cron and every
    defineJob({ name: 'x', cron: '* * * * *', every: '1s', timeout: '1s', run: () => {} });
    // @ts-expect-error not a duration
    defineJob({ name: 'x', every: 'soon', timeout: '1s', run: () => {} });
    // @ts-expect-error unknown misfire policy
    defineJob({ name: 'x', every: 1000, timeout: 1000, misfire: 'later', run: () => {} });
  });

  it('types a worker’s payload from its handler and its services from its deps', () => {
    const w = defineWorker({
      queue: 'deliveries',
      concurrency: 4,
      retry: { attempts: 3, backoff: { initial: '1s', max: '1m' } },
      deps: { queue: coreServices.queue },
      handle: async (m: QueueMessage<{ sendId: number }>, { queue }) => {
        expectTypeOf(m.payload.sendId).toEqualTypeOf<number>();
        expectTypeOf(queue).toEqualTypeOf<QueueService>();
      },
    });
    // Plugins take jobs and workers next to their handlers, source-compatible with plugins that have none.
    definePlugin<{ ping: { responses: { 204: { content?: never } } } }>()({
      manifest: '/x/openapi.yaml',
      workers: [w],
      jobs: [defineJob({ name: 'j', every: '1m', timeout: '10s', run: () => {} })],
      handlers: () => ({ ping: async () => ({ status: 204 }) }),
    });
  });

  it('requires an idempotency key to publish', () => {
    const publish = (q: QueueService) => {
      // @ts-expect-error no idempotency key
      void q.publish('deliveries', { sendId: 1 }, {});
      void q.publish('deliveries', { sendId: 1 }, { idempotencyKey: 'send-1', delayMs: 1000 });
    };
    expectTypeOf(publish).toBeFunction();
  });
});
