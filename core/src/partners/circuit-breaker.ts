/**
 * @module A partner asset's circuit breaker: after `failures` consecutive upstream failures (connection errors,
 * timeouts, 502/503/504) calls are answered at once for `openMs`, then a single probe is let through; its success
 * closes the breaker, its failure opens it again. State is per replica: each one judges the upstream from its calls.
 */

export interface CircuitBreakerOptions {
  failures: number;
  openMs: number;
  now?: () => number;
}

export interface CircuitBreaker {
  /** Whether a call may go to the upstream now; in half-open state, true for one probe only. */
  admit(): boolean;
  /** Milliseconds until a probe will be admitted (0 when closed). */
  retryInMs(): number;
  /** Whether the breaker is closed (a retry may follow a failure). */
  closed(): boolean;
  success(): void;
  failure(): void;
  /** The admitted call ended without judging the upstream (refused host, token endpoint down…): frees the probe. */
  release(): void;
  state(): 'closed' | 'open' | 'half-open';
}

/**
 * @example
 * const breaker = circuitBreaker({ failures: 5, openMs: 30_000 });
 * if (!breaker.admit()) throw unavailable(breaker.retryInMs());
 */
export const circuitBreaker = ({ failures, openMs, now = Date.now }: CircuitBreakerOptions): CircuitBreaker => {
  let consecutive = 0;
  let openUntil = 0;
  let open = false;
  let probing = false;
  return {
    admit() {
      if (!open) return true;
      if (probing || now() < openUntil) return false;
      probing = true;
      return true;
    },
    retryInMs: () => (open ? Math.max(0, openUntil - now()) : 0),
    closed: () => !open,
    success() {
      consecutive = 0;
      open = false;
      probing = false;
    },
    failure() {
      consecutive += 1;
      if (probing || consecutive >= failures) {
        open = true;
        openUntil = now() + openMs;
      }
      probing = false;
    },
    release() {
      probing = false;
    },
    state: () => (!open ? 'closed' : probing || now() >= openUntil ? 'half-open' : 'open'),
  };
};
