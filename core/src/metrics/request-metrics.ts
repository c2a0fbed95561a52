/**
 * @module The request metrics of every operation as prom-client metrics: objects with `get()` that the registry
 * reads at scrape time from the operations' meters (see operation-meter.ts).
 */
import { LATENCY_BUCKETS, OperationMeter } from './operation-meter.js';

interface Series {
  /** Set for a histogram's `_bucket`, `_sum` and `_count` lines. */
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Collected {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Series[];
}

/** A metric the registry collects by calling `get()`: the shape prom-client's own metrics have. */
export interface CollectedMetric {
  name: string;
  help: string;
  type: Collected['type'];
  get(): Collected;
}

const collected = (name: string, help: string, type: Collected['type'], values: () => Series[]): CollectedMetric => ({
  name,
  help,
  type,
  get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
});

export class RequestMetrics {
  readonly #meters: OperationMeter[] = [];

  /** The meter of one operation, made once when its route is built. */
  meter(assetId: string, operationId: string): OperationMeter {
    const found = this.#meters.find((m) => m.assetId === assetId && m.operationId === operationId);
    if (found) return found;
    const meter = new OperationMeter(assetId, operationId);
    this.#meters.push(meter);
    return meter;
  }

  /** Forgets an operation's meter (a partner asset removed at runtime). */
  remove(assetId: string): void {
    for (let i = this.#meters.length - 1; i >= 0; i--) if (this.#meters[i].assetId === assetId) this.#meters.splice(i, 1);
  }

  metrics(): CollectedMetric[] {
    const meters = this.#meters;
    return [
      collected('switchboard_requests_total', 'Operation calls answered, by asset, operation and HTTP status.', 'counter', () =>
        meters.flatMap((m) =>
          [...m.statuses].map(([status, value]) => ({ labels: { asset: m.assetId, operation: m.operationId, status }, value })),
        ),
      ),
      collected(
        'switchboard_request_duration_seconds',
        'Time from a call’s arrival to its response headers, by asset and operation.',
        'histogram',
        () => meters.filter((m) => m.count > 0).flatMap(histogramSeries),
      ),
      collected(
        'switchboard_access_refusals_total',
        'Calls the access gate refused, by asset and problem code (RATE_LIMITED and QUOTA_EXCEEDED among them).',
        'counter',
        () => refusalsByAsset(meters),
      ),
    ];
  }
}

/** Refusals summed over each asset's operations (one series per asset and code). */
const refusalsByAsset = (meters: OperationMeter[]): Series[] => {
  const sums = new Map<string, { asset: string; code: string; value: number }>();
  for (const m of meters)
    for (const [code, value] of m.refusals) {
      const key = `${m.assetId}\u0000${code}`;
      const entry = sums.get(key) ?? { asset: m.assetId, code, value: 0 };
      entry.value += value;
      sums.set(key, entry);
    }
  return [...sums.values()].map(({ asset, code, value }) => ({ labels: { asset, code }, value }));
};

const BUCKET = 'switchboard_request_duration_seconds_bucket';

/** One operation's histogram lines: cumulative buckets, sum and count. */
const histogramSeries = (m: OperationMeter): Series[] => {
  const labels = { asset: m.assetId, operation: m.operationId };
  const out: Series[] = [];
  let cumulative = 0;
  LATENCY_BUCKETS.forEach((le, i) => {
    cumulative += m.buckets[i];
    out.push({ metricName: BUCKET, labels: { ...labels, le }, value: cumulative });
  });
  out.push({ metricName: BUCKET, labels: { ...labels, le: '+Inf' }, value: m.count });
  out.push({ metricName: 'switchboard_request_duration_seconds_sum', labels, value: m.sum });
  out.push({ metricName: 'switchboard_request_duration_seconds_count', labels, value: m.count });
  return out;
};
