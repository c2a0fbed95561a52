/**
 * @module The idempotency keys the RabbitMQ adapter has accepted, in `sb_queue_key`: a publish first claims its key
 * (a `pending` row), then publishes, then marks it `accepted` once the broker confirmed. A second publish of an
 * accepted key is a duplicate and never reaches the broker; one that finds a pending key waits for its outcome.
 * A publish the broker refused releases its claim, so the caller's retry goes through. Claims, acceptances and
 * releases are batched (group commit): a burst of publishes costs a few statements, not a few per message.
 */
import { randomBytes } from 'node:crypto';
import type { BackgroundStore } from './background-db.js';
import { batcher } from './batcher.js';

/** This publish holds the key: publish message `id`, then `accept` (or `release` if the broker refused). */
export type HeldKey = { state: 'claimed'; id: string; token: string };

/** What a claim found. */
export type KeyClaim =
  | HeldKey
  /** The key was already accepted on this queue: nothing to publish. */
  | { state: 'accepted'; id: string }
  /** Another publish holds the key (or held it and died): wait for it, or take it over once stale. */
  | { state: 'pending'; id: string; token: string; claimedAt: number }
  /** The key was released between two statements: claim again. */
  | { state: 'gone' };

export interface PublishLedger {
  claim(queue: string, key: string, id: string): Promise<KeyClaim>;
  /** Takes over a stale pending claim (same message id). Null when someone else changed it first. */
  takeOver(queue: string, key: string, stale: { id: string; token: string }): Promise<HeldKey | null>;
  accept(queue: string, key: string, token: string): Promise<void>;
  release(queue: string, key: string, token: string): Promise<void>;
  /** Forgets keys published before `beforeMs`. */
  purge(beforeMs: number): Promise<void>;
}

interface Item {
  queue: string;
  key: string;
  token: string;
}

const byQueue = <T extends { queue: string }>(items: T[]): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const g = groups.get(item.queue);
    if (g) g.push(item);
    else groups.set(item.queue, [item]);
  }
  return groups;
};

const newToken = () => randomBytes(12).toString('hex');

export const createPublishLedger = (store: BackgroundStore): PublishLedger => {
  const { db, ts, ms } = store;

  const claim = batcher(async (items: (Item & { id: string })[]): Promise<KeyClaim[]> => {
    const now = ts(Date.now());
    const inserted = await db
      .insertInto('sb_queue_key')
      .values(
        items.map((i) => ({
          queue: i.queue,
          idempotency_key: i.key,
          message_id: i.id,
          status: 'pending',
          claim: i.token,
          claimed_at: now,
          created_at: now,
        })),
      )
      .orIgnore()
      .executeTakeFirst();
    // The common case, every key new: one statement and done.
    if (Number(inserted.numInsertedOrUpdatedRows) === items.length)
      return items.map((i) => ({ state: 'claimed', id: i.id, token: i.token }));
    const rows = new Map<string, { message_id: string; status: string; claim: string | null; claimed_at: unknown }>();
    for (const [queue, group] of byQueue(items)) {
      const found = await db
        .selectFrom('sb_queue_key')
        .select(['idempotency_key', 'message_id', 'status', 'claim', 'claimed_at'])
        .where('queue', '=', queue)
        .where(
          'idempotency_key',
          'in',
          group.map((i) => i.key),
        )
        .execute();
      for (const r of found) rows.set(`${queue}\n${r.idempotency_key}`, r);
    }
    return items.map((i): KeyClaim => {
      const r = rows.get(`${i.queue}\n${i.key}`);
      if (!r) return { state: 'gone' };
      if (r.claim === i.token) return { state: 'claimed', id: r.message_id, token: i.token };
      if (r.status === 'accepted') return { state: 'accepted', id: r.message_id };
      return { state: 'pending', id: r.message_id, token: r.claim ?? '', claimedAt: ms(r.claimed_at) ?? 0 };
    });
  });

  /** One UPDATE or DELETE per queue in the batch, restricted to the batch's own claims. */
  const settle = (apply: (queue: string, keys: string[], tokens: string[]) => Promise<unknown>) =>
    batcher(async (items: Item[]) => {
      for (const [queue, group] of byQueue(items)) {
        await apply(
          queue,
          group.map((i) => i.key),
          group.map((i) => i.token),
        );
      }
      return items.map(() => undefined);
    });

  const accept = settle((queue, keys, tokens) =>
    db
      .updateTable('sb_queue_key')
      .set({ status: 'accepted', claim: null })
      .where('queue', '=', queue)
      .where('idempotency_key', 'in', keys)
      .where('claim', 'in', tokens)
      .execute(),
  );
  const release = settle((queue, keys, tokens) =>
    db
      .deleteFrom('sb_queue_key')
      .where('queue', '=', queue)
      .where('idempotency_key', 'in', keys)
      .where('claim', 'in', tokens)
      .where('status', '=', 'pending')
      .execute(),
  );

  return {
    claim: (queue, key, id) => claim({ queue, key, id, token: newToken() }),
    async takeOver(queue, key, stale) {
      const token = newToken();
      const r = await db
        .updateTable('sb_queue_key')
        .set({ claim: token, claimed_at: ts(Date.now()) })
        .where('queue', '=', queue)
        .where('idempotency_key', '=', key)
        .where('claim', '=', stale.token)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? { state: 'claimed', id: stale.id, token } : null;
    },
    accept: async (queue, key, token) => {
      await accept({ queue, key, token });
    },
    release: async (queue, key, token) => {
      await release({ queue, key, token });
    },
    async purge(beforeMs) {
      await db.deleteFrom('sb_queue_key').where('created_at', '<', ts(beforeMs)).execute();
    },
  };
};
