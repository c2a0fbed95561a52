/**
 * @module What `/metrics` says of push deliveries (`switchboard_push_…`): attempts by provider route and outcome, and
 * how long each provider call took. Counted per chunk, not per recipient: one increment per route and outcome.
 */
import type { Metrics } from '@switchboard/sdk';
import type { Outcome } from './record-results.js';

export const pushMetrics = (metrics: Metrics) => ({
  deliveries: metrics.counter('deliveries_total', {
    help: 'Push delivery attempts by provider route (fcm, apns, simulator, none) and outcome (delivered, retryable, permanent, unregistered).',
    labels: ['provider', 'outcome'],
  }),
  providerSeconds: metrics.histogram('provider_send_seconds', {
    help: 'Duration of one chunk’s send through a provider (FCM, APNs or the simulator), by route.',
    labels: ['provider'],
  }),
});

export const countOutcomes = (metrics: Metrics, outcomes: Outcome[]): void => {
  const byKey = new Map<string, { provider: string; outcome: string; n: number }>();
  for (const o of outcomes) {
    const provider = o.provider ?? 'none';
    const key = `${provider} ${o.result.status}`;
    const entry = byKey.get(key) ?? { provider, outcome: o.result.status, n: 0 };
    entry.n += 1;
    byKey.set(key, entry);
  }
  const { deliveries } = pushMetrics(metrics);
  for (const { provider, outcome, n } of byKey.values()) deliveries.inc({ provider, outcome }, n);
};
