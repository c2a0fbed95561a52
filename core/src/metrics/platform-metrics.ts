/**
 * @module The platform's Prometheus registry: request metrics of every operation (counted on the hot path in
 * preallocated meters), gauges read only when scraped (queue depths, jobs), the plugins' own metrics (the SDK's
 * `coreServices.metrics`, prefixed with the asset id) and Node's process metrics.
 */
import type { MetricOptions, Metrics } from '@switchboard/sdk';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from './operation-meter.js';
import { RequestMetrics } from './request-metrics.js';

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
}

export interface PlatformMetrics {
  readonly requests: RequestMetrics;
  /** The metrics service a plugin receives. */
  forAsset(assetId: string): Metrics;
  /**
   * A gauge whose series are read when `/metrics` is scraped. A reader that fails or takes over a second leaves its
   * gauge empty for that scrape and counts in `switchboard_metrics_collect_errors_total`: a scrape must answer even
   * while the database is down.
   */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Promise<Sample[]> | Sample[]): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;
const COLLECT_TIMEOUT_MS = 1000;

const withTimeout = <T>(work: Promise<T> | T, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    Promise.resolve(work).then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });

export const createPlatformMetrics = (info: { version: string; replica: string; role?: string }): PlatformMetrics => {
  const registry = new Registry();
  const requests = new RequestMetrics();
  for (const metric of requests.metrics()) registry.registerMetric(metric as never);
  new Gauge({
    name: 'switchboard_info',
    help: 'Always 1; the labels say which core version and replica answered.',
    labelNames: ['version', 'replica', 'role'],
    registers: [registry],
  }).set({ version: info.version, replica: info.replica, role: info.role ?? 'all' }, 1);
  const collectErrors = new Counter({
    name: 'switchboard_metrics_collect_errors_total',
    help: 'Scrapes in which a gauge could not be read (its series are missing from that scrape).',
    labelNames: ['gauge'],
    registers: [registry],
  });
  // Node's metrics start with the first scrape: a platform that is never scraped (tests) keeps no event-loop monitor.
  let processMetrics = false;

  const byName = new Map<string, { kind: string; metric: unknown }>();
  const pluginMetric = <T>(assetId: string, name: string, kind: string, make: (full: string) => T): T => {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`metric name '${name}' of ${assetId}: use lower-case letters, digits and underscores, starting with a letter`);
    }
    const full = `switchboard_${assetId.replace(/[^a-z0-9]/g, '_')}_${name}`;
    const known = byName.get(full);
    if (known) {
      if (known.kind !== kind) throw new Error(`metric ${full} is already a ${known.kind}`);
      return known.metric as T;
    }
    const metric = make(full);
    byName.set(full, { kind, metric });
    return metric;
  };
  const labelsOf = (options: MetricOptions) => [...(options.labels ?? [])];

  return {
    requests,
    forAsset(assetId) {
      return {
        counter(name, options) {
          return pluginMetric(assetId, name, 'counter', (full) => {
            const c = new Counter({ name: full, help: options.help, labelNames: labelsOf(options), registers: [registry] });
            return { inc: (labels, by = 1) => (labels ? c.inc(labels, by) : c.inc(by)) };
          });
        },
        histogram(name, options) {
          return pluginMetric(assetId, name, 'histogram', (full) => {
            const h = new Histogram({
              name: full,
              help: options.help,
              labelNames: labelsOf(options),
              buckets: [...(options.buckets ?? LATENCY_BUCKETS)],
              registers: [registry],
            });
            return { observe: (labels, value) => (labels ? h.observe(labels, value) : h.observe(value)) };
          });
        },
        gauge(name, options) {
          return pluginMetric(assetId, name, 'gauge', (full) => {
            const g = new Gauge({ name: full, help: options.help, labelNames: labelsOf(options), registers: [registry] });
            return { set: (labels, value) => (labels ? g.set(labels, value) : g.set(value)) };
          });
        },
      };
    },
    gauge(name, help, labelNames, read) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        async collect() {
          this.reset();
          try {
            for (const { labels, value } of await withTimeout(read(), COLLECT_TIMEOUT_MS)) this.set(labels, value);
          } catch {
            collectErrors.inc({ gauge: name });
          }
        },
      });
    },
    async render() {
      if (!processMetrics) {
        processMetrics = true;
        collectDefaultMetrics({ register: registry });
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
};
