/**
 * @module What a push fake is told to do and what it saw: per-token outcomes, throttling, failures and latency in,
 * a record of every request out. Protocol-neutral; the FCM fake uses it too.
 */

export interface ThrottleOptions {
  /** How many requests are throttled (any token); unlimited when left out. */
  requests?: number;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number;
}

export interface FailOptions extends ThrottleOptions {
  status: 500 | 502 | 503 | 504;
}

/** Precedence when several apply: fail, then throttle, then the token's outcome. */
export type Decision<O> =
  | { kind: 'fail'; status: number; retryAfterSeconds?: number }
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'outcome'; outcome: O }
  | { kind: 'ok' };

interface Scripted<O> {
  outcome: O;
  remaining: number;
}

export class FakeBehaviour<O> {
  latencyMs = 0;
  readonly #tokens = new Map<string, Scripted<O>>();
  #throttle: (ThrottleOptions & { remaining: number }) | undefined;
  #fail: (FailOptions & { remaining: number }) | undefined;

  /** `times`: how many requests for this token get the outcome before it is delivered normally again. */
  setTokenOutcome(token: string, outcome: O, times = Number.POSITIVE_INFINITY): void {
    this.#tokens.set(token, { outcome, remaining: times });
  }

  clearTokenOutcome(token: string): void {
    this.#tokens.delete(token);
  }

  throttle(options: ThrottleOptions = {}): void {
    this.#throttle = { ...options, remaining: options.requests ?? Number.POSITIVE_INFINITY };
  }

  fail(options: FailOptions): void {
    this.#fail = { ...options, remaining: options.requests ?? Number.POSITIVE_INFINITY };
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Back to answering every well-formed request with success (token outcomes are kept). */
  heal(): void {
    this.#throttle = undefined;
    this.#fail = undefined;
    this.latencyMs = 0;
  }

  reset(): void {
    this.heal();
    this.#tokens.clear();
  }

  /** Server-wide trouble for this request (consumes one use): checked before the request is even authenticated. */
  serverTrouble(): Decision<O> | undefined {
    if (this.#fail && this.#fail.remaining > 0) {
      this.#fail.remaining--;
      return { kind: 'fail', status: this.#fail.status, retryAfterSeconds: this.#fail.retryAfterSeconds };
    }
    if (this.#throttle && this.#throttle.remaining > 0) {
      this.#throttle.remaining--;
      return { kind: 'throttle', retryAfterSeconds: this.#throttle.retryAfterSeconds };
    }
    return undefined;
  }

  /** The scripted outcome for a well-formed request to this token (consumes one use), if any. */
  tokenOutcome(token: string): O | undefined {
    const scripted = this.#tokens.get(token);
    if (!scripted || scripted.remaining <= 0) return undefined;
    scripted.remaining--;
    return scripted.outcome;
  }
}

export interface ReceivedRequest<M> {
  at: number;
  /** The device token (or FCM topic / condition) the request was for. */
  target: string;
  status: number;
  /** The provider's error code or reason, when the answer was an error. */
  error?: string;
  /** The request as received (headers and payload); left out when the fake was started with recordBodies false. */
  message?: M;
}

export interface FakeStats {
  requests: number;
  delivered: number;
  /** Targets that were answered 200 more than once. */
  duplicateTargets: number;
  /** Successful answers beyond the first per target. */
  duplicateDeliveries: number;
  byStatus: Record<string, number>;
  /** Most requests being handled at once: shows how a client chunks its work. */
  peakInFlight: number;
  /** TLS connections accepted (each HTTP/2 session is one). */
  connections: number;
}

export class FakeRecorder<M> {
  readonly #received: ReceivedRequest<M>[] = [];
  readonly #delivered = new Map<string, number>();
  readonly #byStatus = new Map<number, number>();
  #requests = 0;
  #deliveredTotal = 0;
  #inFlight = 0;
  #peakInFlight = 0;
  #connections = 0;

  constructor(private readonly keepBodies: boolean) {}

  connected(): void {
    this.#connections++;
  }

  /** Brackets the handling of one request. */
  enter(): void {
    this.#inFlight++;
    if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
  }

  leave(): void {
    this.#inFlight--;
  }

  record(entry: ReceivedRequest<M>): void {
    this.#requests++;
    this.#byStatus.set(entry.status, (this.#byStatus.get(entry.status) ?? 0) + 1);
    if (entry.status === 200) {
      this.#deliveredTotal++;
      this.#delivered.set(entry.target, (this.#delivered.get(entry.target) ?? 0) + 1);
    }
    // Counts are always kept; bodies cost memory a 50,000-message benchmark does not need.
    this.#received.push(this.keepBodies ? entry : { ...entry, message: undefined });
  }

  received(target?: string): ReceivedRequest<M>[] {
    return target === undefined ? [...this.#received] : this.#received.filter((r) => r.target === target);
  }

  /** Successful deliveries, in total or to one target. */
  deliveredCount(target?: string): number {
    return target === undefined ? this.#deliveredTotal : (this.#delivered.get(target) ?? 0);
  }

  deliveredTargets(): Map<string, number> {
    return new Map(this.#delivered);
  }

  stats(): FakeStats {
    let duplicateTargets = 0;
    let duplicateDeliveries = 0;
    for (const n of this.#delivered.values()) {
      if (n > 1) {
        duplicateTargets++;
        duplicateDeliveries += n - 1;
      }
    }
    return {
      requests: this.#requests,
      delivered: this.#deliveredTotal,
      duplicateTargets,
      duplicateDeliveries,
      byStatus: Object.fromEntries([...this.#byStatus].map(([k, v]) => [String(k), v])),
      peakInFlight: this.#peakInFlight,
      connections: this.#connections,
    };
  }

  reset(): void {
    this.#received.length = 0;
    this.#delivered.clear();
    this.#byStatus.clear();
    this.#requests = 0;
    this.#deliveredTotal = 0;
    this.#peakInFlight = 0;
    this.#connections = 0;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
