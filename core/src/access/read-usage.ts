/** @module Reads metered usage per hour or per day, for the admin and developer APIs. */
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from '@switchboard/sdk';

export interface UsageQuery {
  appId?: string;
  assetId?: string;
  granularity?: 'hour' | 'day';
  from?: string;
  to?: string;
}

/** An instant as the meter writes hours: `YYYY-MM-DD HH:MM:SS`, UTC (see meter.ts). */
const asHourText = (iso: string): string => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

interface UsageRow {
  app_id: string;
  asset_id: string;
  operation_id: string;
  status_class: string;
  hour: string | Date | number;
  count: number | string;
}

/**
 * Sums the hourly counters, by hour or folded into UTC days. Raw SQL with the meter's own text form of the bounds:
 * the meter writes hours with additive upserts (meter.ts), which SQLite keeps as text, so a bound must compare as
 * that text there and as a datetime on MySQL — the same literal does both.
 */
export const readUsage = async (db: Database, query: UsageQuery) => {
  const granularity = query.granularity ?? 'hour';
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (query.appId) {
    clauses.push('app_id = ?');
    params.push(query.appId);
  }
  if (query.assetId) {
    clauses.push('asset_id = ?');
    params.push(query.assetId);
  }
  if (query.from) {
    clauses.push('hour >= ?');
    params.push(asHourText(query.from));
  }
  if (query.to) {
    clauses.push('hour < ?');
    params.push(asHourText(query.to));
  }
  const rows = await (db as unknown as SqlEntityManager).execute<UsageRow[]>(
    `select app_id, asset_id, operation_id, status_class, hour, count from sb_usage${
      clauses.length > 0 ? ` where ${clauses.join(' and ')}` : ''
    } order by hour`,
    params,
  );
  const sums = new Map<
    string,
    { period: string; appId: string; assetId: string; operationId: string; statusClass: string; count: number }
  >();
  for (const row of rows) {
    const r = {
      appId: row.app_id,
      assetId: row.asset_id,
      operationId: row.operation_id,
      statusClass: row.status_class,
      count: row.count,
    };
    const hour = hourOf(row.hour);
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

/** A stored hour as a Date: text on SQLite (`YYYY-MM-DD HH:MM:SS`, UTC), a Date or epoch number elsewhere. */
const hourOf = (v: string | Date | number): Date => {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
};
