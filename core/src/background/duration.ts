/** @module Parses the SDK's `Duration` (milliseconds or `'30s'`-style strings) and computes retry backoff. */
import type { Duration, RetryPolicy } from '@switchboard/sdk';

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration; throws with the offending value so a bad job fails at load. */
export const toMs = (d: Duration): number => {
  if (typeof d === 'number' && Number.isFinite(d) && d >= 0) return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(d));
  if (!m) throw new Error(`invalid duration '${String(d)}' (use milliseconds or e.g. '500ms', '30s', '5m')`);
  return Number(m[1]) * UNIT[m[2]];
};

export const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 5, backoff: { initial: '1s', max: '5m', factor: 2 } };

/** Delay before the delivery after `attempt` (1-based) failed. */
export const backoffMs = (retry: RetryPolicy | undefined, attempt: number): number => {
  const b = retry?.backoff ?? DEFAULT_RETRY.backoff;
  if (typeof b === 'number' || typeof b === 'string') return toMs(b);
  const initial = toMs(b.initial);
  const max = b.max === undefined ? Number.POSITIVE_INFINITY : toMs(b.max);
  return Math.min(max, Math.round(initial * (b.factor ?? 2) ** (attempt - 1)));
};
