/**
 * @module What `/readyz` checks: the database answers, the queue's broker connection is up, and every loaded asset
 * is ready (its `ready` hook, when it has one). A plugin that failed to load makes the replica not ready: a rolling
 * upgrade must not replace healthy replicas with ones that lost an asset. Each check has a deadline, so a hung
 * dependency answers "not ready" within about a second instead of hanging the probe.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { QueueAdapter } from '../background/queue-adapter.js';
import { pingDatabase } from '../db/create-orm.js';
import type { ActivePlugin } from '../plugins/activate-plugin.js';
import type { LoadError } from '../plugins/load-error.js';

export interface ReadinessOptions {
  orm: MikroORM;
  queue: QueueAdapter;
  plugins: () => ActivePlugin[];
  loadErrors: LoadError[];
  timeoutMs?: number;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

const within = <T>(work: () => Promise<T> | T, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    Promise.resolve()
      .then(work)
      .then(resolve, reject)
      .finally(() => clearTimeout(t));
  });

export const readiness =
  ({ orm, queue, plugins, loadErrors, timeoutMs = 1000 }: ReadinessOptions) =>
  async (): Promise<Readiness> => {
    const checks: Record<string, string> = {};
    const [database, ...assets] = await Promise.all([
      within(() => pingDatabase(orm), timeoutMs).then(
        () => 'ok',
        () => 'unreachable',
      ),
      ...plugins().map(async (p) => {
        const hook = p.prepared.definition.ready;
        if (!hook) return [p.prepared.meta.id, 'ok'] as const;
        const verdict = await within(() => hook(p.services as never), timeoutMs).then(
          (r) => (r === true ? 'ok' : String(r)),
          // A thrown message may name internals; this answer is public. A reason the hook returns is its choice.
          (e: Error) => (e.message.startsWith('no answer within') ? 'not ready: no answer within 1 s' : 'not ready: its check failed'),
        );
        return [p.prepared.meta.id, verdict] as const;
      }),
    ]);
    checks.database = database;
    if (queue.connected) checks.queue = queue.connected() ? 'ok' : 'broker unreachable';
    for (const [id, verdict] of assets) checks[`asset:${id}`] = verdict;
    // A count only: the files and reasons are in the log, and this answer is public.
    if (loadErrors.length > 0) checks.plugins = `${loadErrors.length} failed to load (see the log)`;
    const ok = Object.values(checks).every((v) => v === 'ok');
    return { ok, checks };
  };
