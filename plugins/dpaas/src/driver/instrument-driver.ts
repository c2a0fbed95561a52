/**
 * @module Counts and times every call to the compute provider (CloudStack or the simulator) for `/metrics`: by driver
 * method and outcome (`ok`, or the neutral reason of a provider error: invalid-state, capacity, unavailable, …).
 * A wrapper around the driver rather than code in each handler, so no call is forgotten.
 */
import type { Metrics } from '@switchboard/sdk';
import type { ComputeDriver } from './compute-driver.js';
import { driverErrorReason } from './driver-error.js';

const outcomeOf = (err: unknown): string => driverErrorReason(err) ?? 'error';

export const instrumentDriver = (driver: ComputeDriver, metrics: Metrics): ComputeDriver => {
  const calls = metrics.counter('provider_calls_total', {
    help: 'Calls to the compute provider, by driver method and outcome (ok or the provider error’s reason).',
    labels: ['driver', 'method', 'outcome'],
  });
  const seconds = metrics.histogram('provider_call_seconds', {
    help: 'Duration of calls to the compute provider, by driver method.',
    labels: ['driver', 'method'],
  });
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      // Iterators page lazily and `close` is ours: only the provider calls that answer with a promise are counted.
      if (typeof value !== 'function' || prop === 'close' || prop === 'iterateInstances') return value;
      const method = String(prop);
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        const started = performance.now();
        const done = (outcome: string) => {
          calls.inc({ driver: target.name, method, outcome });
          seconds.observe({ driver: target.name, method }, (performance.now() - started) / 1000);
        };
        return result.then(
          (v) => {
            done('ok');
            return v;
          },
          (err) => {
            done(outcomeOf(err));
            throw err;
          },
        );
      };
    },
  });
};
