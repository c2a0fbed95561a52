/**
 * A small send's rows written in one compound statement on MariaDB (write-send-at-once.ts): all of them or none.
 * A statement that fails half-way (here: a send id that already exists) leaves no chunk or recipient behind, rolls
 * its transaction back (the pooled connection is not left inside one) and surfaces as the database's own error.
 */

import type { Database } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { writeSendAtOnce, writesAtOnce } from '../../plugins/push/src/sends/write-send-at-once.js';
import { availableBackends } from '../support/backends.js';
import { startPushPlatform } from './platform-support.js';

const backends = (await availableBackends()).filter((b) => b.name === 'mariadb');

describe.skipIf(backends.length === 0)('one-statement send write on MariaDB', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  let db: Database;

  beforeAll(async () => {
    const created = await backends[0].create();
    drop = created.drop;
    platform = await startPushPlatform(created.url, { simulator: 'always' });
    db = platform.orm.em.fork() as unknown as Database;
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  const send = (id: string) => ({
    id,
    appId: 'app_at_once',
    idempotencyKey: null,
    requestHash: 'h'.repeat(64),
    status: 'queued',
    target: { deviceIds: ['dev_1'] },
    notification: { title: 't' },
    recipientCount: 2,
    sendAt: null,
    completedAt: null,
    createdAt: new Date(),
  });
  const rows = (sendId: string) =>
    Promise.all(
      ['push_send', 'push_chunk', 'push_recipient'].map(async (table) => {
        const [r] = await db
          .getConnection()
          .execute<{ n: number | string }[]>(`select count(*) as n from ${table} where ${table === 'push_send' ? 'id' : 'send_id'} = ?`, [
            sendId,
          ]);
        return Number(r.n);
      }),
    );
  const recipients = [
    { chunk: 0, deviceId: 'dev_1', token: 'tok-1', platform: 'android', locale: null, dueAt: new Date() },
    { chunk: 0, deviceId: 'dev_2', token: 'tok-2', platform: 'ios', locale: 'fr', dueAt: new Date() },
  ];

  it('writes the send, its chunk and its recipients, or nothing at all', async () => {
    expect(writesAtOnce(db)).toBe(true);
    await writeSendAtOnce(db, send('snd_at_once_1'), [{ seq: 0, dueAt: new Date() }], recipients);
    expect(await rows('snd_at_once_1')).toEqual([1, 1, 2]);

    // The same send id again: the chunk and recipients of the second write must not stay.
    await db.getConnection().execute('delete from push_chunk where send_id = ?', ['snd_at_once_1']);
    await db.getConnection().execute('delete from push_recipient where send_id = ?', ['snd_at_once_1']);
    const failed = await writeSendAtOnce(db, send('snd_at_once_1'), [{ seq: 0, dueAt: new Date() }], recipients).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(String((failed as Error).message)).toMatch(/duplicate/i);
    expect(await rows('snd_at_once_1')).toEqual([1, 0, 0]);
    // Every pooled connection is usable and outside a transaction afterwards.
    const open = await Promise.all(
      Array.from({ length: 10 }, () => db.getConnection().execute<{ t: number | string }[]>('select @@in_transaction as t')),
    );
    expect(open.map((r) => Number(r[0].t))).toEqual(Array(10).fill(0));
  });
});
