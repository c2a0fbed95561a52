/**
 * @module Metering without a write per request: calls are counted in memory per (app, asset, operation, status
 * class, hour) and added to `sb_usage` in one batch per second with additive upserts. A failed flush keeps its counts
 * for the next one; `close()` flushes what is left, so a graceful stop loses nothing.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Logger } from '@switchboard/sdk';
import { dialectOf } from '../db/create-orm.js';

export interface MeterOptions {
  orm: MikroORM;
  databaseUrl: string;
  log: Logger;
  flushIntervalMs?: number;
}

const HOUR = 3_600_000;
const hourOf = (at: number): string => new Date(Math.floor(at / HOUR) * HOUR).toISOString().slice(0, 19).replace('T', ' ');

/** Counts calls and writes them in batches. */
export class Meter {
  private counts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly upsert: string;
  /** The hour bucket of the last call: formatting a date per call was a tenth of the access gate's cost. */
  private hour = { start: 0, end: 0, text: '' };

  constructor(private readonly options: MeterOptions) {
    this.upsert =
      dialectOf(options.databaseUrl) === 'sqlite'
        ? 'insert into sb_usage (app_id, asset_id, operation_id, status_class, hour, count) values (?, ?, ?, ?, ?, ?) ' +
          'on conflict (app_id, asset_id, operation_id, status_class, hour) do update set count = count + excluded.count'
        : 'insert into sb_usage (app_id, asset_id, operation_id, status_class, hour, count) values (?, ?, ?, ?, ?, ?) ' +
          'on duplicate key update count = count + values(count)';
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Counts one call. Cheap: one map update. */
  record(appId: string, assetId: string, operationId: string, status: number, at = Date.now()): void {
    if (at < this.hour.start || at >= this.hour.end) {
      const start = Math.floor(at / HOUR) * HOUR;
      this.hour = { start, end: start + HOUR, text: hourOf(at) };
    }
    const key = `${appId}\u0000${assetId}\u0000${operationId}\u0000${Math.floor(status / 100)}xx\u0000${this.hour.text}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Writes the pending counts; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    try {
      const em = this.options.orm.em.fork() as SqlEntityManager;
      await em.transactional(async (tx) => {
        for (const [key, n] of batch) await tx.execute(this.upsert, [...key.split('\u0000'), n], 'run');
      });
    } catch (err) {
      // Keep the counts: the next flush adds them again.
      for (const [key, n] of batch) this.counts.set(key, (this.counts.get(key) ?? 0) + n);
      this.options.log.warn({ err, pending: this.counts.size }, 'usage flush failed; will retry');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.counts.size > 0) await this.write();
  }
}
