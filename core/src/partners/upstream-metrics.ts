/**
 * @module What `/metrics` says of partner upstreams: calls by outcome, their latency, retries, and each asset's
 * circuit state. One family per metric for every partner asset (an `asset` label tells them apart), so a dashboard
 * does not change when a partner is added at runtime.
 */
import type { Metrics } from '@switchboard/sdk';

/** Circuit state as a number: 0 closed, 1 half-open, 2 open. */
const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface UpstreamMetrics {
  /** One attempt answered (`2xx`, `4xx`, `5xx` …) or failed (`timeout`, `unreachable`, `not_allowed`), with its time. */
  attempt(outcome: string, seconds: number): void;
  retried(): void;
  /** A call answered 503 UPSTREAM_UNAVAILABLE because the breaker is open. */
  shortCircuited(): void;
  circuit(state: keyof typeof STATE_VALUE): void;
}

const NONE: UpstreamMetrics = { attempt() {}, retried() {}, shortCircuited() {}, circuit() {} };

/** `metrics` is the partner family's (`coreServices.metrics` of the asset id `partner`); absent, nothing is counted. */
export const upstreamMetrics = (assetId: string, metrics: Metrics | undefined): UpstreamMetrics => {
  if (!metrics) return NONE;
  const attempts = metrics.counter('upstream_attempts_total', {
    help: 'Calls to partner upstreams (each retry counts), by asset and outcome: status class, timeout, unreachable, not_allowed.',
    labels: ['asset', 'outcome'],
  });
  const latency = metrics.histogram('upstream_seconds', {
    help: 'Time from sending a call to a partner upstream to its response headers, by asset.',
    labels: ['asset'],
  });
  const retries = metrics.counter('upstream_retries_total', { help: 'Retried upstream calls, by asset.', labels: ['asset'] });
  const open = metrics.counter('circuit_rejections_total', {
    help: 'Calls answered 503 UPSTREAM_UNAVAILABLE without reaching the upstream because its circuit was open, by asset.',
    labels: ['asset'],
  });
  const state = metrics.gauge('circuit_state', {
    help: 'Circuit breaker of each partner asset on this replica: 0 closed, 1 half-open, 2 open.',
    labels: ['asset'],
  });
  const labels = { asset: assetId };
  state.set(labels, 0);
  let last: keyof typeof STATE_VALUE = 'closed';
  return {
    attempt(outcome, seconds) {
      attempts.inc({ asset: assetId, outcome });
      latency.observe(labels, seconds);
    },
    retried: () => retries.inc(labels),
    shortCircuited: () => open.inc(labels),
    // Asked after every call: the gauge (a label hash in prom-client) is only written when the state changed.
    circuit: (s) => {
      if (s === last) return;
      last = s;
      state.set(labels, STATE_VALUE[s]);
    },
  };
};
