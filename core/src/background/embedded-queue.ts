/**
 * @module The embedded queue: messages are rows of `sb_queue_message`, so a message accepted by `publish` (a
 * committed insert) survives a crash. Workers claim batches with a lease (one conditional UPDATE), acknowledge by
 * marking the row done, retry with backoff by moving `available_at`, and dead-letter in place (`status = 'dead'`).
 * A message claimed from an expired lease was held by a process that died: it runs alone, and one that keeps
 * killing the process is dead-lettered (see crash-ledger.ts) instead of coming back after each lease forever.
 * Done rows are kept for `retentionMs` so an idempotency key stays unique per queue.
 */
import { randomBytes } from 'node:crypto';
import type { Logger, PublishOptions, QueueMessage } from '@switchboard/sdk';
import { type BackgroundStore, isUniqueViolation } from './background-db.js';
import { createCrashLedger, DEFAULT_CRASH_LIMIT, poisonReason } from './crash-ledger.js';
import { backoffMs, DEFAULT_RETRY } from './duration.js';
import { type DeadLetter, type QueueAdapter, type QueueDepth, type RegisteredWorker, reasonOf } from './queue-adapter.js';
import { createSoloGate } from './solo-gate.js';

export interface EmbeddedQueueOptions {
  store: BackgroundStore;
  log: Logger;
  /** How long a claimed message stays invisible to other replicas without renewal. */
  leaseMs?: number;
  /** Idle poll interval (a publish in this process wakes its workers at once). */
  pollMs?: number;
  drainMs?: number;
  /** How long done rows are kept so idempotency keys stay unique. */
  retentionMs?: number;
  isAssetEnabled?: (assetId: string) => boolean;
  /** Solitary deliveries that may end with the process dead before a message is dead-lettered. */
  crashLimit?: number;
}

export const createEmbeddedQueue = (options: EmbeddedQueueOptions): QueueAdapter => {
  const { store, log } = options;
  const { db, ts, ms } = store;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 200;
  const drainMs = options.drainMs ?? 10_000;
  const retentionMs = options.retentionMs ?? 7 * 86_400_000;
  const enabled = options.isAssetEnabled ?? (() => true);
  const crashLimit = options.crashLimit ?? DEFAULT_CRASH_LIMIT;
  const crashes = createCrashLedger(store);
  const gate = createSoloGate();
  const wakers = new Map<string, Set<() => void>>();
  const loops: Promise<void>[] = [];
  const inFlight = new Map<number, { token: string; abort: AbortController; done: Promise<void> }>();
  let stopped = false;
  /** Set when the drain deadline passed: messages still waiting for their turn were handed back. */
  let abandoned = false;
  let renewTimer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;

  const wake = (queue: string) => {
    for (const w of wakers.get(queue) ?? []) w();
  };

  const claim = async (queue: string, n: number) => {
    const now = Date.now();
    const candidates = await db
      .selectFrom('sb_queue_message')
      .select(['id', 'lease_owner'])
      .where('queue', '=', queue)
      .where('status', '=', 'ready')
      .where('available_at', '<=', ts(now))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', ts(now))]))
      .orderBy('id')
      .limit(n)
      .execute();
    if (candidates.length === 0) return [];
    const token = randomBytes(12).toString('hex');
    const ids = candidates.map((c) => c.id as number);
    // The same conditions again: a row another replica claimed between the SELECT and here is left alone.
    await db
      .updateTable('sb_queue_message')
      .set((eb) => ({ lease_owner: token, lease_until: ts(now + leaseMs), attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .where('status', '=', 'ready')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', ts(now))]))
      .execute();
    const rows = await db.selectFrom('sb_queue_message').selectAll().where('id', 'in', ids).where('lease_owner', '=', token).execute();
    // An expired lease means the process holding the message died (or lost the database for a whole lease).
    const orphaned = new Set(candidates.filter((c) => c.lease_owner !== null).map((c) => c.id));
    return rows.map((r) => ({ ...r, token, suspect: orphaned.has(r.id) }));
  };

  const settle = async (w: RegisteredWorker, row: { id?: number; attempts: number; token: string }, err: unknown) => {
    const id = row.id as number;
    const now = Date.now();
    const owned = (q: ReturnType<typeof db.updateTable<'sb_queue_message'>>) => q.where('id', '=', id).where('lease_owner', '=', row.token);
    if (err === undefined) {
      await owned(db.updateTable('sb_queue_message'))
        .set({ status: 'done', lease_owner: null, lease_until: null, finished_at: ts(now) })
        .execute();
      return;
    }
    const attempts = w.definition.retry?.attempts ?? DEFAULT_RETRY.attempts;
    const reason = reasonOf(err);
    if (row.attempts >= attempts) {
      await owned(db.updateTable('sb_queue_message'))
        .set({ status: 'dead', lease_owner: null, lease_until: null, finished_at: ts(now), last_error: reason })
        .execute();
      log.error({ queue: w.queue, id, attempts: row.attempts, reason }, 'message dead-lettered after its last attempt');
      return;
    }
    await owned(db.updateTable('sb_queue_message'))
      .set({
        lease_owner: null,
        lease_until: null,
        available_at: ts(now + backoffMs(w.definition.retry, row.attempts)),
        last_error: reason,
      })
      .execute();
  };

  /**
   * A suspect (claimed from an expired lease) runs alone after its start is recorded, so a death is charged to it
   * only. Returns false when it was dead-lettered instead.
   */
  const admit = async (w: RegisteredWorker, row: { id?: number; attempts: number; token: string }): Promise<boolean> => {
    let before: number;
    try {
      before = await crashes.start(w.queue, String(row.id));
    } catch (err) {
      log.warn({ err, queue: w.queue, id: row.id }, 'could not record the start of an orphaned message; handling it anyway');
      return true;
    }
    if (before < crashLimit) return true;
    // This claim does not run it: the attempts are the deliveries that did.
    const attempts = row.attempts - 1;
    const reason = poisonReason(before);
    await db
      .updateTable('sb_queue_message')
      .set({ status: 'dead', attempts, lease_owner: null, lease_until: null, finished_at: ts(Date.now()), last_error: reason })
      .where('id', '=', row.id as number)
      .where('lease_owner', '=', row.token)
      .execute();
    await crashes
      .forget(w.queue, String(row.id))
      .catch((err) => log.warn({ err, queue: w.queue, id: row.id }, 'could not clear a crash count'));
    log.error({ queue: w.queue, id: row.id, attempts, reason }, 'message dead-lettered: it keeps killing the worker process');
    return false;
  };

  const runWorker = async (w: RegisteredWorker) => {
    const concurrency = Math.max(1, w.definition.concurrency ?? 1);
    const name = w.queue.slice(w.assetId.length + 1);
    let busy = 0;
    let wakeUp: (() => void) | null = null;
    const signalWake = () => wakeUp?.();
    const set = wakers.get(w.queue) ?? new Set();
    set.add(signalWake);
    wakers.set(w.queue, set);
    try {
      while (!stopped) {
        let got = 0;
        const free = concurrency - busy;
        if (free > 0 && enabled(w.assetId)) {
          try {
            const rows = await claim(w.queue, free);
            got = rows.length;
            for (const row of rows) {
              busy++;
              const abort = new AbortController();
              const message: QueueMessage = {
                id: String(row.id),
                queue: name,
                payload: JSON.parse(row.payload),
                idempotencyKey: row.idempotency_key,
                attempt: row.attempts,
                signal: abort.signal,
              };
              const done = (async () => {
                let alone = false;
                if (row.suspect) alone = await gate.solo();
                else if (!gate.tryShared()) await gate.shared();
                try {
                  // Past the drain deadline its lease was released: another replica takes it.
                  if (abandoned) return;
                  // Counted only when it really ran alone: otherwise a death could be another message's doing.
                  if (alone && !(await admit(w, row))) return;
                  let failure: unknown;
                  try {
                    await w.handle(message);
                  } catch (err) {
                    failure = err ?? new Error('handler threw');
                  }
                  await settle(w, row, failure);
                } catch (err) {
                  log.error({ err, queue: w.queue, id: row.id }, 'could not settle a message; its lease will expire and it is retried');
                } finally {
                  gate.leave(alone);
                }
              })().finally(() => {
                busy--;
                inFlight.delete(row.id as number);
                signalWake();
              });
              inFlight.set(row.id as number, { token: row.token, abort, done });
            }
          } catch (err) {
            log.error({ err, queue: w.queue }, 'claiming messages failed; will retry');
          }
        }
        if (stopped) break;
        if (got > 0 && got === free) continue;
        await new Promise<void>((res) => {
          const t = setTimeout(res, pollMs);
          wakeUp = () => {
            clearTimeout(t);
            wakeUp = null;
            res();
          };
        });
      }
    } finally {
      set.delete(signalWake);
    }
  };

  const renew = async () => {
    const tokens = [...new Set([...inFlight.values()].map((f) => f.token))];
    if (tokens.length === 0) return;
    await db
      .updateTable('sb_queue_message')
      .set({ lease_until: ts(Date.now() + leaseMs) })
      .where('lease_owner', 'in', tokens)
      .execute()
      .catch((err) => log.warn({ err }, 'renewing message leases failed; will retry'));
  };

  const purge = async () => {
    await db
      .deleteFrom('sb_queue_message')
      .where('status', '=', 'done')
      .where('finished_at', '<', ts(Date.now() - retentionMs))
      .execute()
      .catch((err) => log.warn({ err }, 'purging done messages failed'));
    await crashes.purge(Date.now() - retentionMs).catch((err) => log.warn({ err }, 'purging old crash counts failed'));
  };

  const deadView = (r: {
    id?: number;
    queue: string;
    idempotency_key: string;
    payload: string;
    attempts: number;
    last_error: string | null;
    finished_at: unknown;
  }): DeadLetter => ({
    id: String(r.id),
    queue: r.queue,
    idempotencyKey: r.idempotency_key,
    payload: JSON.parse(r.payload),
    attempts: r.attempts,
    reason: r.last_error ?? '',
    failedAt: r.finished_at == null ? null : new Date(ms(r.finished_at) as number),
  });

  const deadOne = async (queue: string, id: string): Promise<DeadLetter | null> => {
    if (!/^\d{1,15}$/.test(id)) return null;
    const row = await db
      .selectFrom('sb_queue_message')
      .selectAll()
      .where('queue', '=', queue)
      .where('id', '=', Number(id))
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return row ? deadView(row) : null;
  };

  return {
    kind: 'embedded',
    async publish(queue: string, payload: unknown, { idempotencyKey, delayMs }: PublishOptions) {
      if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 200) {
        throw new Error('publish needs an idempotencyKey of 1 to 200 characters');
      }
      const now = Date.now();
      try {
        const r = await db
          .insertInto('sb_queue_message')
          .values({
            queue,
            idempotency_key: idempotencyKey,
            payload: JSON.stringify(payload ?? null),
            status: 'ready',
            attempts: 0,
            available_at: ts(now + Math.max(0, delayMs ?? 0)),
            lease_owner: null,
            lease_until: null,
            created_at: ts(now),
            finished_at: null,
            last_error: null,
          })
          .executeTakeFirst();
        if (!delayMs) wake(queue);
        return { id: String(r.insertId), duplicate: false };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const row = await db
          .selectFrom('sb_queue_message')
          .select('id')
          .where('queue', '=', queue)
          .where('idempotency_key', '=', idempotencyKey)
          .executeTakeFirstOrThrow();
        return { id: String(row.id), duplicate: true };
      }
    },
    async start(workers) {
      stopped = false;
      abandoned = false;
      for (const w of workers) loops.push(runWorker(w));
      renewTimer = setInterval(renew, Math.max(100, Math.floor(leaseMs / 3)));
      void purge();
      purgeTimer = setInterval(purge, 3_600_000);
      purgeTimer.unref();
    },
    async stop() {
      stopped = true;
      for (const set of wakers.values()) for (const w of set) w();
      await Promise.all(loops);
      const pending = [...inFlight.values()];
      const drained = await Promise.race([
        Promise.all(pending.map((f) => f.done)).then(() => true),
        new Promise<boolean>((res) => setTimeout(() => res(false), drainMs).unref()),
      ]);
      if (!drained) {
        abandoned = true;
        for (const f of inFlight.values()) f.abort.abort(new Error('the platform is shutting down'));
        const tokens = [...new Set([...inFlight.values()].map((f) => f.token))];
        // Give the rest back now rather than after their lease: another replica picks them up at once.
        if (tokens.length) {
          await db
            .updateTable('sb_queue_message')
            .set({ lease_owner: null, lease_until: null })
            .where('lease_owner', 'in', tokens)
            .execute();
        }
      }
      clearInterval(renewTimer);
      clearInterval(purgeTimer);
      loops.length = 0;
    },
    async depths(queues) {
      if (queues.length === 0) return [];
      const now = ts(Date.now());
      const rows = await db
        .selectFrom('sb_queue_message')
        .select((eb) => [
          'queue',
          'status',
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>(eb.case().when('lease_until', '>', now).then(1).else(0).end()).as('leased'),
        ])
        .where('queue', 'in', queues)
        .where('status', 'in', ['ready', 'dead'])
        .groupBy(['queue', 'status'])
        .execute();
      return queues.map((queue): QueueDepth => {
        const ready = rows.find((r) => r.queue === queue && r.status === 'ready');
        const dead = rows.find((r) => r.queue === queue && r.status === 'dead');
        const leased = Number(ready?.leased ?? 0);
        return { queue, ready: Number(ready?.n ?? 0) - leased, inFlight: leased, dead: Number(dead?.n ?? 0) };
      });
    },
    async deadLetters(queue, limit = 100) {
      const rows = await db
        .selectFrom('sb_queue_message')
        .selectAll()
        .where('queue', '=', queue)
        .where('status', '=', 'dead')
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(1, limit), 1000))
        .execute();
      return rows.map(deadView);
    },
    async replay(queue, id) {
      const dead = await deadOne(queue, id);
      if (!dead) return null;
      const r = await db
        .updateTable('sb_queue_message')
        .set({ status: 'ready', attempts: 0, available_at: ts(Date.now()), finished_at: null })
        .where('queue', '=', queue)
        .where('id', '=', Number(id))
        .where('status', '=', 'dead')
        .executeTakeFirst();
      wake(queue);
      if (Number(r.numUpdatedRows) !== 1) return null;
      // A fresh start: deaths before the replay do not count against it.
      await crashes.forget(queue, id);
      return dead;
    },
    async drop(queue, id) {
      const dead = await deadOne(queue, id);
      if (!dead) return null;
      const r = await db
        .deleteFrom('sb_queue_message')
        .where('queue', '=', queue)
        .where('id', '=', Number(id))
        .where('status', '=', 'dead')
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1 ? dead : null;
    },
  };
};
