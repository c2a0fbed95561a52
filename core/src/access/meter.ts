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
const hourOf = (start: number): string => new Date(start).toISOString().slice(0, 19).replace('T', ' ');

/** Calls by status class (index 1–5 for 1xx–5xx) of one app on one operation. */
type ClassCounts = [number, number, number, number, number, number];

/** One hour's counts: asset → operation → app → by status class. */
interface HourBucket {
  start: number;
  end: number;
  text: string;
  byAsset: Map<string, Map<string, Map<string, ClassCounts>>>;
}

const newBucket = (start: number): HourBucket => ({ start, end: start + HOUR, text: hourOf(start), byAsset: new Map() });

/** A status's class index; anything outside 100–599 counts as 5xx (a server answer nobody should send). */
const classOf = (status: number): number => (status >= 100 && status < 600 ? Math.floor(status / 100) : 5);

/** Counts calls and writes them in batches. */
export class Meter {
  /**
   * Pending counts by hour. Nested maps rather than one map keyed by a joined string: the ids are strings that live
   * as long as the manifest or the key record, whose hashes V8 keeps, while a joined key is a new string to build
   * and hash on every call (measured: docs/benchmarks.md).
   */
  private buckets = new Map<number, HourBucket>();
  /** The hour of the last call: most calls fall in it. */
  private current: HourBucket | undefined;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly upsert: string;

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

  /** Counts one call. Cheap: a few map lookups and an increment. */
  record(appId: string, assetId: string, operationId: string, status: number, at = Date.now()): void {
    this.countsOf(this.bucketAt(at), assetId, operationId, appId)[classOf(status)]++;
  }

  private bucketAt(at: number): HourBucket {
    const current = this.current;
    if (current !== undefined && at >= current.start && at < current.end) return current;
    const start = Math.floor(at / HOUR) * HOUR;
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      bucket = newBucket(start);
      this.buckets.set(start, bucket);
    }
    this.current = bucket;
    return bucket;
  }

  private countsOf(bucket: HourBucket, assetId: string, operationId: string, appId: string): ClassCounts {
    let byOp = bucket.byAsset.get(assetId);
    if (byOp === undefined) {
      byOp = new Map();
      bucket.byAsset.set(assetId, byOp);
    }
    let byApp = byOp.get(operationId);
    if (byApp === undefined) {
      byApp = new Map();
      byOp.set(operationId, byApp);
    }
    let counts = byApp.get(appId);
    if (counts === undefined) {
      counts = [0, 0, 0, 0, 0, 0];
      byApp.set(appId, counts);
    }
    return counts;
  }

  /** Writes the pending counts; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.buckets.size === 0) return;
    const batch = this.buckets;
    this.buckets = new Map();
    this.current = undefined;
    const rows: [string, string, string, string, string, number][] = [];
    for (const bucket of batch.values())
      for (const [assetId, byOp] of bucket.byAsset)
        for (const [operationId, byApp] of byOp)
          for (const [appId, counts] of byApp)
            for (let cls = 1; cls <= 5; cls++)
              if (counts[cls] > 0) rows.push([appId, assetId, operationId, `${cls}xx`, bucket.text, counts[cls]]);
    if (rows.length === 0) return;
    try {
      const em = this.options.orm.em.fork() as SqlEntityManager;
      await em.transactional(async (tx) => {
        for (const row of rows) await tx.execute(this.upsert, row, 'run');
      });
    } catch (err) {
      // Keep the counts: the next flush adds them again.
      for (const bucket of batch.values())
        for (const [assetId, byOp] of bucket.byAsset)
          for (const [operationId, byApp] of byOp)
            for (const [appId, counts] of byApp) {
              const into = this.countsOf(this.bucketAt(bucket.start), assetId, operationId, appId);
              for (let cls = 1; cls <= 5; cls++) into[cls] += counts[cls];
            }
      this.options.log.warn({ err, pending: rows.length }, 'usage flush failed; will retry');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.buckets.size > 0) await this.write();
  }
}
