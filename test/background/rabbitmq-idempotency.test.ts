/**
 * Idempotency keys on the RabbitMQ adapter, with the machine's broker and MariaDB: a key the broker accepted is never
 * queued again — not by a second publisher racing on it, not by a retry —, a publish the broker refused leaves the key
 * free for the caller's retry, a key held by a publisher that died is taken over, and one held by a live publisher is
 * waited for. Counts are read from the broker itself.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import { type ChannelModel, connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpQueue } from '../../core/src/background/amqp-queue.js';
import { backgroundStore } from '../../core/src/background/background-db.js';
import type { QueueAdapter } from '../../core/src/background/queue-adapter.js';
import { createOrm, migrate, ormOptionsFor } from '../../core/src/db/create-orm.js';
import { createLogger } from '../../core/src/logging/create-logger.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from './rabbit.js';

const run = promisify(execFile);
const mariaWhy = await mariaDbUnavailable();
if (mariaWhy && isCi()) throw new Error(`${mariaWhy} — CI needs it (.ci/run starts it).`);
if (mariaWhy) console.warn(`[skip rabbitmq idempotency] ${mariaWhy}`);
const why = mariaWhy ?? (await rabbitUnavailable('rabbitmq idempotency'));

const SUFFIX = `i${randomBytes(4).toString('hex')}`;
const POLICY = `sb-test-refuse-${SUFFIX}`;
const q = (name: string) => `bgtest.${name}-${SUFFIX}`;

describe.skipIf(why !== null)('RabbitMQ idempotency keys', () => {
  let db: { url: string; drop: () => Promise<void> };
  let orm: MikroORM;
  let a: QueueAdapter & { close(): Promise<void> };
  let b: QueueAdapter & { close(): Promise<void> };
  let broker: ChannelModel;
  const log = createLogger({ level: 'silent' });

  /** Messages in the queue, as the broker counts them (declaring it, as the adapter would, if no publish did). */
  const depth = async (queue: string) => {
    const ch = await broker.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.assertQueue(queue, { durable: true })).messageCount;
    } finally {
      await ch.close();
    }
  };
  const keyRow = async (queue: string, key: string) =>
    (await orm.em.fork().getConnection().execute('select * from sb_queue_key where queue = ? and idempotency_key = ?', [queue, key]))[0];
  const insertKey = (queue: string, key: string, row: { id: string; claim: string; agoMs: number }) => {
    const { db: kdb, ts } = backgroundStore(orm, db.url);
    const at = ts(Date.now() - row.agoMs);
    return kdb
      .insertInto('sb_queue_key')
      .values({ queue, idempotency_key: key, message_id: row.id, status: 'pending', claim: row.claim, claimed_at: at, created_at: at })
      .execute();
  };

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    orm = await createOrm(ormOptionsFor(db.url, []));
    await migrate(orm);
    // Two adapters on one database: two replicas publishing.
    a = await createAmqpQueue({ url: AMQP_URL, log, store: backgroundStore(orm, db.url), publishTimeoutMs: 1000 });
    b = await createAmqpQueue({ url: AMQP_URL, log, store: backgroundStore(orm, db.url), publishTimeoutMs: 1000 });
    broker = await connect(AMQP_URL);
    broker.on('error', () => undefined);
  });
  afterAll(async () => {
    await run('rabbitmqctl', ['clear_policy', POLICY]).catch(() => undefined);
    await a?.close();
    await b?.close();
    await broker?.close();
    await orm?.close(true);
    await db?.drop();
    if (!why) await deleteQueues(SUFFIX);
  });

  it('queues each key once when two publishers race on the same keys', async () => {
    const queue = q('race');
    const n = 300;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => [
        a.publish(queue, { i }, { idempotencyKey: `k-${i}` }),
        b.publish(queue, { i }, { idempotencyKey: `k-${i}` }),
      ]).flat(),
    );
    for (let i = 0; i < n; i++) {
      const [x, y] = [results[2 * i], results[2 * i + 1]];
      expect(x.id).toBe(y.id);
      expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    }
    // A later publish of an accepted key, on either publisher, is a duplicate too.
    expect(await a.publish(queue, { again: true }, { idempotencyKey: 'k-7' })).toEqual({ id: results[14].id, duplicate: true });
    // The same key on another queue is another message.
    expect((await a.publish(q('other'), {}, { idempotencyKey: 'k-7' })).duplicate).toBe(false);
    expect(await depth(queue)).toBe(n);
  });

  it('leaves the key free when the broker refuses the message, so the retry is accepted, once', async () => {
    const queue = q('refuse');
    const ch = await broker.createChannel();
    await ch.assertQueue(queue, { durable: true });
    await ch.close();
    // The broker nacks every publish to this queue while the policy is set.
    await run('rabbitmqctl', [
      'set_policy',
      '--apply-to',
      'queues',
      POLICY,
      `^${queue.replace(/\./g, '\\.')}$`,
      '{"max-length":0,"overflow":"reject-publish"}',
    ]);
    const refused = await a.publish(queue, { n: 1 }, { idempotencyKey: 'r-1' }).catch((e: { code?: string }) => e);
    expect(refused).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(await keyRow(queue, 'r-1')).toBeUndefined();
    await run('rabbitmqctl', ['clear_policy', POLICY]);

    const retried = await a.publish(queue, { n: 1 }, { idempotencyKey: 'r-1' });
    expect(retried.duplicate).toBe(false);
    expect(await b.publish(queue, { n: 1 }, { idempotencyKey: 'r-1' })).toEqual({ id: retried.id, duplicate: true });
    expect(await keyRow(queue, 'r-1')).toMatchObject({ status: 'accepted', message_id: retried.id, claim: null });
    expect(await depth(queue)).toBe(1);
  });

  it('recovers its publish channel after a channel error (a queue declared elsewhere with other arguments)', async () => {
    const clash = q('clash');
    const ch = await broker.createChannel();
    await ch.assertQueue(clash, { durable: true, arguments: { 'x-max-length': 5 } });
    await ch.close();
    const refused = await a.publish(clash, {}, { idempotencyKey: 'c-1' }).catch((e: { code?: string; message: string }) => e);
    expect(refused).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(await keyRow(clash, 'c-1')).toBeUndefined();
    // The PRECONDITION_FAILED closed the channel; the next publish elsewhere must not wait for a reconnection.
    const t0 = Date.now();
    expect((await a.publish(q('after-clash'), {}, { idempotencyKey: 'c-2' })).duplicate).toBe(false);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('takes over a key whose publisher died before the confirm, keeping its message id', async () => {
    const queue = q('stale');
    await insertKey(queue, 'dead-publisher', { id: 'm-stale', claim: 'gone', agoMs: 600_000 });
    expect(await a.publish(queue, { n: 1 }, { idempotencyKey: 'dead-publisher' })).toEqual({ id: 'm-stale', duplicate: false });
    expect(await depth(queue)).toBe(1);
    const ch = await broker.createChannel();
    const msg = await ch.get(queue, { noAck: true });
    await ch.close();
    expect(msg ? msg.properties.messageId : null).toBe('m-stale');
  });

  it('waits for a live publisher holding the key, and answers duplicate once it was accepted', async () => {
    const queue = q('live');
    await insertKey(queue, 'in-flight', { id: 'm-live', claim: 'live', agoMs: 0 });
    const waiting = a.publish(queue, { n: 1 }, { idempotencyKey: 'in-flight' });
    await new Promise((r) => setTimeout(r, 300));
    await orm.em
      .fork()
      .getConnection()
      .execute("update sb_queue_key set status = 'accepted', claim = null where queue = ? and idempotency_key = ?", [queue, 'in-flight']);
    expect(await waiting).toEqual({ id: 'm-live', duplicate: true });

    // A holder that neither finishes nor goes stale within the publish timeout: the caller is told to retry.
    await insertKey(queue, 'stuck', { id: 'm-stuck', claim: 'live', agoMs: 0 });
    const stuck = await a.publish(queue, { n: 2 }, { idempotencyKey: 'stuck' }).catch((e: { code?: string; status?: number }) => e);
    expect(stuck).toMatchObject({ code: 'QUEUE_PUBLISH_PENDING' });
    expect(await depth(queue)).toBe(0);
  });
});
