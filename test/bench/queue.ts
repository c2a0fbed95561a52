/**
 * @module Queue benchmark (`npm run bench:queue`): in one run on the same broker, raw amqplib (persistent messages,
 * publisher confirms, manual ack) against the same number of messages through the SDK queue (the RabbitMQ adapter,
 * `publish` and a `defineWorker` worker). Prints msg/s for both and the SDK's share of raw (target ≥ 70%).
 * BENCH_MESSAGES (default 20000), BENCH_PREFETCH (default 100, the worker's concurrency), BENCH_ROUNDS (default 3,
 * interleaved; medians are printed).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { defineWorker, type QueueMessage } from '@switchboard/sdk';
import { connect } from 'amqplib';
import { createAmqpQueue } from '../../core/src/background/amqp-queue.js';
import { scopedQueue } from '../../core/src/background/scoped-queue.js';
import { createLogger } from '../../core/src/logging/create-logger.js';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 100);
const WINDOW = 1000; // confirms awaited every 1000 messages, for both
const run = randomBytes(3).toString('hex');
// A 311-byte JSON body, the size measured in the reference figures.
const payload = {
  sendId: 123456,
  recipients: Array.from({ length: 8 }, (_, i) => `device-token-${i}-${'x'.repeat(16)}`),
  priority: 'high',
  ttl: 3600,
};
const body = Buffer.from(JSON.stringify(payload));

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

const raw = async () => {
  const conn = await connect(URL);
  conn.on('error', () => undefined);
  const queue = `bench.raw-${run}`;
  const pub = await conn.createConfirmChannel();
  await pub.assertQueue(queue, { durable: true });
  let t0 = performance.now();
  for (let i = 0; i < N; i += WINDOW) {
    // Serialized per message, as any application publishing its own payloads would.
    for (let j = i; j < Math.min(N, i + WINDOW); j++) {
      pub.sendToQueue(queue, Buffer.from(JSON.stringify(payload)), { persistent: true, messageId: String(j), correlationId: `k-${j}` });
    }
    await pub.waitForConfirms();
  }
  const publishMs = performance.now() - t0;
  const ch = await conn.createChannel();
  await ch.prefetch(PREFETCH);
  let got = 0;
  t0 = performance.now();
  await new Promise<void>((resolve) => {
    void ch.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString('utf8'));
      ch.ack(msg);
      if (++got === N) resolve();
    });
  });
  const consumeMs = performance.now() - t0;
  await ch.deleteQueue(queue);
  await conn.close();
  return { publish: rate(N, publishMs), consume: rate(N, consumeMs) };
};

const sdk = async () => {
  const log = createLogger({ level: 'warn' });
  const adapter = await createAmqpQueue({ url: URL, log });
  const queue = scopedQueue('bench', () => adapter);
  const name = `sdk-${run}`;
  let t0 = performance.now();
  for (let i = 0; i < N; i += WINDOW) {
    await Promise.all(
      Array.from({ length: Math.min(WINDOW, N - i) }, (_, j) => queue.publish(name, payload, { idempotencyKey: `k-${i + j}` })),
    );
  }
  const publishMs = performance.now() - t0;
  let got = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const worker = defineWorker({
    queue: name,
    concurrency: PREFETCH,
    handle: async (_m: QueueMessage<typeof payload>) => {
      if (++got === N) done();
    },
  });
  t0 = performance.now();
  await adapter.start([
    { assetId: 'bench', queue: `bench.${name}`, definition: worker, handle: async (m) => worker.handle(m as never, {} as never) },
  ]);
  await finished;
  const consumeMs = performance.now() - t0;
  await adapter.stop();
  const conn = await connect(URL);
  const ch = await conn.createChannel();
  await ch.deleteQueue(`bench.${name}`);
  await ch.deleteQueue(`bench.${name}.dead`);
  await conn.close();
  return { publish: rate(N, publishMs), consume: rate(N, consumeMs) };
};

console.log(
  `queue benchmark: ${N} messages of ${body.length} bytes, persistent, confirms every ${WINDOW}, prefetch ${PREFETCH}, ${URL.replace(/\/\/[^@]*@/, '//***@')}`,
);
// Interleaved rounds, medians: the machine is shared and noisy, so only ratios from one run are comparable.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const raws: { publish: number; consume: number }[] = [];
const sdks: { publish: number; consume: number }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  raws.push(await raw());
  sdks.push(await sdk());
  console.log(`round ${i + 1}: raw ${JSON.stringify(raws[i])} sdk ${JSON.stringify(sdks[i])}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r = { publish: median(raws.map((x) => x.publish)), consume: median(raws.map((x) => x.consume)) };
const s = { publish: median(sdks.map((x) => x.publish)), consume: median(sdks.map((x) => x.consume)) };
const pct = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;
console.log(`medians of ${ROUNDS} interleaved rounds:`);
console.log('| path | publish msg/s | consume msg/s |');
console.log('|---|---|---|');
console.log(`| raw amqplib | ${r.publish} | ${r.consume} |`);
console.log(`| SDK queue (RabbitMQ adapter) | ${s.publish} | ${s.consume} |`);
console.log(`| SDK / raw | ${pct(s.publish, r.publish)} | ${pct(s.consume, r.consume)} |`);
const ok = s.publish / r.publish >= 0.7 && s.consume / r.consume >= 0.7;
console.log(ok ? 'target met: the SDK keeps ≥ 70% of raw' : 'TARGET MISSED: the SDK keeps < 70% of raw on at least one side');
process.exitCode = ok ? 0 : 1;
