/**
 * @module Exact limits across replicas without a database write per request. Each replica leases a slice of a
 * window's budget from `sb_rate_window` with a compare-and-set update and admits from memory until the slice is
 * spent. Slices shrink as the budget runs low, so a window never admits more than its limit (the database bounds
 * the sum of slices) and little budget is stranded on a replica that stopped receiving calls.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';

export interface Window {
  /** Stable name of the budget, e.g. `sub_x:m`. */
  name: string;
  limit: number;
  /** Window length; `month` for calendar months (quotas). */
  period: 'second' | 'minute' | 'month';
}

interface Local {
  granted: number;
  used: number;
  /** The window's total use in the database right after this replica's last lease. */
  dbUsed: number;
  exhausted: boolean;
  pending?: Promise<void>;
}

const startOf = (period: Window['period'], now: number): { start: number; end: number } => {
  if (period === 'second') return { start: Math.floor(now / 1000) * 1000, end: Math.floor(now / 1000) * 1000 + 1000 };
  if (period === 'minute') return { start: Math.floor(now / 60_000) * 60_000, end: Math.floor(now / 60_000) * 60_000 + 60_000 };
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
};

export interface Decision {
  allowed: boolean;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** What the window has left, as this replica last saw it (others may have spent some since). */
  remaining: number;
}

export interface RateBudgetOptions {
  orm: MikroORM;
  /** How many replicas to plan slices for; more means smaller slices. */
  replicas?: number;
}

/** The window a budget name is in now, and this replica's share of it. */
interface Slot {
  start: number;
  end: number;
  key: string;
  state: Local;
}

/** Leases and spends window budgets. */
export class RateBudget {
  /** The current window of each budget name: one map lookup per call, no key string built while a slice lasts. */
  private readonly slots = new Map<string, Slot>();
  private readonly replicas: number;

  constructor(private readonly options: RateBudgetOptions) {
    this.replicas = Math.max(1, options.replicas ?? 3);
  }

  /**
   * Takes one unit of `window`'s current budget if any is left. Synchronous while this replica's slice lasts (the
   * request path awaits nothing); a promise when a new slice has to be leased from the database.
   */
  take(window: Window, now = Date.now()): Decision | Promise<Decision> {
    let slot = this.slots.get(window.name);
    if (slot === undefined || now >= slot.end || now < slot.start) {
      const { start, end } = startOf(window.period, now);
      slot = { start, end, key: `${window.name}:${start}`, state: { granted: 0, used: 0, dbUsed: 0, exhausted: false } };
      this.slots.set(window.name, slot);
    }
    const state = slot.state;
    if (state.used < state.granted) {
      state.used++;
      return {
        allowed: true,
        resetSeconds: Math.max(1, Math.ceil((slot.end - now) / 1000)),
        remaining: Math.max(0, window.limit - state.dbUsed + (state.granted - state.used)),
      };
    }
    if (state.exhausted) return { allowed: false, resetSeconds: Math.max(1, Math.ceil((slot.end - now) / 1000)), remaining: 0 };
    return this.takeLeasing(window, slot, now);
  }

  private async takeLeasing(window: Window, slot: Slot, now: number): Promise<Decision> {
    const { state, end, key } = slot;
    const resetSeconds = Math.max(1, Math.ceil((end - now) / 1000));
    let stalled = 0;
    while (stalled < 10) {
      if (state.used < state.granted) {
        state.used++;
        return { allowed: true, resetSeconds, remaining: Math.max(0, window.limit - state.dbUsed + (state.granted - state.used)) };
      }
      if (state.exhausted) return { allowed: false, resetSeconds, remaining: 0 };
      const before = state.granted;
      state.pending ??= this.lease(key, window, end, state).finally(() => {
        state.pending = undefined;
      });
      await state.pending;
      stalled = state.granted > before ? 0 : stalled + 1;
    }
    return { allowed: false, resetSeconds, remaining: 0 };
  }

  private async lease(key: string, window: Window, end: number, state: Local): Promise<void> {
    const em = this.options.orm.em.fork() as SqlEntityManager;
    for (let attempt = 0; attempt < 8; attempt++) {
      const rows = await em.execute<{ used: number }[]>('select used from sb_rate_window where `key` = ?', [key]);
      const used = rows.length > 0 ? Number(rows[0].used) : null;
      const remaining = window.limit - (used ?? 0);
      if (remaining <= 0) {
        state.exhausted = true;
        return;
      }
      // A slice is a fair share of what is left, at least 1: big while the budget is large, 1 near the end.
      const slice = Math.max(
        1,
        Math.min(remaining, Math.floor(remaining / (this.replicas * 4)), Math.ceil(window.limit / (this.replicas * 10))),
      );
      if (used === null) {
        const inserted = await em
          .execute('insert into sb_rate_window (`key`, used, expires_at) values (?, ?, ?)', [key, slice, new Date(end)], 'run')
          .then(
            () => true,
            () => false, // another replica created it first: read again
          );
        if (inserted) {
          state.granted += slice;
          state.dbUsed = slice;
          return;
        }
        continue;
      }
      const result = await em.execute<{ affectedRows?: number; changes?: number }>(
        'update sb_rate_window set used = used + ? where `key` = ? and used = ?',
        [slice, key, used],
        'run',
      );
      if (Number(result.affectedRows ?? result.changes ?? 0) === 1) {
        state.granted += slice;
        state.dbUsed = used + slice;
        return;
      }
    }
  }

  /** Deletes the rows of windows that ended. */
  async prune(now = new Date()): Promise<void> {
    await (this.options.orm.em.fork() as SqlEntityManager).execute('delete from sb_rate_window where expires_at < ?', [now], 'run');
  }
}
