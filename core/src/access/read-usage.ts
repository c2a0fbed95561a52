/** @module Reads metered usage per hour or per day, for the admin and developer APIs. */
import type { Database } from '@switchboard/sdk';
import { UsageCounter } from './entities/usage-counter.js';

export interface UsageQuery {
  appId?: string;
  assetId?: string;
  granularity?: 'hour' | 'day';
  from?: string;
  to?: string;
}

/** Sums the hourly counters, by hour or folded into UTC days. */
export const readUsage = async (db: Database, query: UsageQuery) => {
  const granularity = query.granularity ?? 'hour';
  const where: Record<string, unknown> = {};
  if (query.appId) where.appId = query.appId;
  if (query.assetId) where.assetId = query.assetId;
  if (query.from || query.to) {
    where.hour = { ...(query.from ? { $gte: new Date(query.from) } : {}), ...(query.to ? { $lt: new Date(query.to) } : {}) };
  }
  const rows = await db.find(UsageCounter, where, { orderBy: { hour: 'asc' } });
  const sums = new Map<
    string,
    { period: string; appId: string; assetId: string; operationId: string; statusClass: string; count: number }
  >();
  for (const r of rows) {
    const hour = new Date(r.hour);
    const period = granularity === 'day' ? new Date(Date.UTC(hour.getUTCFullYear(), hour.getUTCMonth(), hour.getUTCDate())) : hour;
    const key = `${period.toISOString()}|${r.appId}|${r.assetId}|${r.operationId}|${r.statusClass}`;
    const entry = sums.get(key) ?? {
      period: period.toISOString(),
      appId: r.appId,
      assetId: r.assetId,
      operationId: r.operationId,
      statusClass: r.statusClass,
      count: 0,
    };
    entry.count += Number(r.count);
    sums.set(key, entry);
  }
  return { granularity, items: [...sums.values()] };
};
