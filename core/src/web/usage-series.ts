/**
 * @module Turns metered usage rows (read-usage.ts) into a chart's series: one bucket per hour of the last day or per
 * day of the last month, zeros included, so the bars line up with the clock and an idle hour shows as idle.
 */

export type Granularity = 'hour' | 'day';

export interface UsageItem {
  period: string;
  appId: string;
  assetId: string;
  statusClass: string;
  count: number;
}

export interface Bucket {
  /** ISO start of the hour or day (UTC). */
  start: string;
  calls: number;
  /** 4xx and 5xx answers among them. */
  errors: number;
}

/** How far back a chart of each granularity looks. */
export const WINDOW = { hour: 24, day: 30 } as const;

/** The first bucket's start, for `readUsage({ from })`. */
export const windowStart = (granularity: Granularity, now = new Date()): Date => {
  const step = granularity === 'hour' ? 3600_000 : 86_400_000;
  const current = Math.floor(now.getTime() / step) * step;
  return new Date(current - (WINDOW[granularity] - 1) * step);
};

/** Buckets the items (already filtered to one asset or app by the caller) over the window ending now. */
export const usageSeries = (items: UsageItem[], granularity: Granularity, now = new Date()): Bucket[] => {
  const step = granularity === 'hour' ? 3600_000 : 86_400_000;
  const first = windowStart(granularity, now).getTime();
  const buckets: Bucket[] = Array.from({ length: WINDOW[granularity] }, (_, i) => ({
    start: new Date(first + i * step).toISOString(),
    calls: 0,
    errors: 0,
  }));
  for (const item of items) {
    const index = Math.floor((new Date(item.period).getTime() - first) / step);
    const bucket = buckets[index];
    if (!bucket) continue;
    bucket.calls += item.count;
    if (item.statusClass === '4xx' || item.statusClass === '5xx') bucket.errors += item.count;
  }
  return buckets;
};
