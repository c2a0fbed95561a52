/**
 * @module The metrics contract: a plugin counts and times what only it knows (deliveries by outcome, provider calls),
 * and the core serves it on `/metrics` next to its own request metrics. Names are prefixed with
 * `switchboard_<asset id>_` by the core, so two plugins never collide.
 */

/** Label values by label name; every series of a metric must use the same label names. */
export type MetricLabels = Readonly<Record<string, string | number>>;

export interface MetricCounter {
  /** Adds `by` (default 1). */
  inc(labels?: MetricLabels, by?: number): void;
}

export interface MetricHistogram {
  /** Records one observation (seconds for durations, by Prometheus convention). */
  observe(labels: MetricLabels | undefined, value: number): void;
}

export interface MetricGauge {
  set(labels: MetricLabels | undefined, value: number): void;
}

export interface MetricOptions {
  /** What it measures, shown as `# HELP`. */
  help: string;
  /** The label names the metric is recorded with. */
  labels?: readonly string[];
}

/**
 * The plugin's metrics. Asking twice for the same name returns the same metric. Names: lower-case letters, digits and
 * underscores (`deliveries_total`, `provider_call_seconds`).
 */
export interface Metrics {
  counter(name: string, options: MetricOptions): MetricCounter;
  /** `buckets` default to request-latency buckets from 1 ms to 10 s. */
  histogram(name: string, options: MetricOptions & { buckets?: readonly number[] }): MetricHistogram;
  gauge(name: string, options: MetricOptions): MetricGauge;
}
