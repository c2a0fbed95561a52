/**
 * @module Request metrics of one operation, counted on the hot path in preallocated fields and turned into
 * Prometheus series only when `/metrics` is scraped. prom-client's own histogram hashes its label object on every
 * observation (about a microsecond); this costs a map update and a short bucket scan.
 */

/** Request latency buckets, in seconds (Prometheus convention). */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OperationMeter {
  /** Answers by HTTP status. */
  readonly statuses = new Map<number, number>();
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  /** Refusals of the access gate by problem code (RATE_LIMITED, QUOTA_EXCEEDED, …). */
  readonly refusals = new Map<string, number>();
  sum = 0;
  count = 0;

  constructor(
    readonly assetId: string,
    readonly operationId: string,
  ) {}

  /** Counts one answer; `started` is the `performance.now()` of its arrival. */
  record(status: number, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    this.buckets[i]++;
    this.sum += seconds;
    this.count++;
  }

  /** Counts a call the access gate refused (it is also recorded as an answer). */
  refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
}
