/**
 * @module The two ways the soak drives traffic, and what it records of each answer. `closedLoop` runs N clients as
 * fast as the server answers (capacity). `openLoop` issues calls on a fixed schedule whatever the server does, and
 * times each from the instant it was due, so a stall shows in the latency instead of silently lowering the rate
 * (no coordinated omission).
 */
import type { SoakAnswer, SoakClient } from './soak-client.js';
import type { Kind, Planned, TrafficMix } from './traffic-mix.js';

export interface ErrorSample {
  atS: number;
  kind: Kind;
  request: string;
  expected: number;
  status: number;
  detail: string;
}

export interface WindowStats {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 of the calls that never reach the database (400 bad input): the core alone, whatever the database does. */
  noDbP99: number;
  /** Most calls waiting in the client for a socket at once (open loop only). */
  clientQueueMax: number;
}

/** Calls answered before any handler or database work: request validation fails first. */
const NO_DB: ReadonlySet<Kind> = new Set(['bad-input']);

const MAX_SAMPLES = 40;

/** p-th percentile (0–100) of an ascending array, nearest rank. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

const ascending = (xs: number[]) => Float64Array.from(xs).sort();

/** Everything about the answers of one phase: by window, by kind, every latency with its completion time. */
export class Recorder {
  readonly t0 = performance.now();
  /** Completion time (ms since t0) and latency (ms) of every call, in completion order. */
  readonly doneAt: number[] = [];
  readonly latency: number[] = [];
  readonly byKind = new Map<Kind, { count: number; errors: number; latency: number[] }>();
  /** Errors by `kind status`: what failed and how. */
  readonly errorsBy = new Map<string, number>();
  readonly samples: ErrorSample[] = [];
  errors = 0;
  private window: number[] = [];
  private windowNoDb: number[] = [];
  private windowErrors = 0;
  /** Set by the open loop as it fires calls. */
  clientQueueMax = 0;

  record(p: Planned, a: SoakAnswer, dueAt: number, doneAt: number): void {
    const ms = doneAt - dueAt;
    let error: string | undefined;
    if (a.status !== p.expect) error = a.error ?? a.text.slice(0, 300);
    else {
      try {
        error = p.settle?.(a);
      } catch (e) {
        error = `settle: ${(e as Error).message}`;
      }
    }
    this.doneAt.push(doneAt - this.t0);
    this.latency.push(ms);
    this.window.push(ms);
    if (NO_DB.has(p.kind)) this.windowNoDb.push(ms);
    let k = this.byKind.get(p.kind);
    if (!k) {
      k = { count: 0, errors: 0, latency: [] };
      this.byKind.set(p.kind, k);
    }
    k.count++;
    k.latency.push(ms);
    if (error === undefined) return;
    k.errors++;
    this.errors++;
    this.windowErrors++;
    const sig = `${p.kind} ${a.status === 0 ? 'transport' : a.status}`;
    this.errorsBy.set(sig, (this.errorsBy.get(sig) ?? 0) + 1);
    if (this.samples.length < MAX_SAMPLES) {
      this.samples.push({
        atS: Math.round((doneAt - this.t0) / 100) / 10,
        kind: p.kind,
        request: `${p.req.method} ${p.req.path}`,
        expected: p.expect,
        status: a.status,
        detail: error,
      });
    }
  }

  /** The calls completed since the last `closeWindow()`. */
  closeWindow(): WindowStats {
    const sorted = ascending(this.window);
    const stats = {
      count: sorted.length,
      errors: this.windowErrors,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      noDbP99: percentile(ascending(this.windowNoDb), 99),
      clientQueueMax: this.clientQueueMax,
    };
    this.clientQueueMax = 0;
    this.window = [];
    this.windowNoDb = [];
    this.windowErrors = 0;
    return stats;
  }

  /** Latency percentiles of the calls completed between `fromMs` and `toMs` after t0. */
  between(fromMs: number, toMs: number): WindowStats {
    const xs: number[] = [];
    for (let i = 0; i < this.doneAt.length; i++) if (this.doneAt[i] >= fromMs && this.doneAt[i] < toMs) xs.push(this.latency[i]);
    const sorted = ascending(xs);
    return {
      count: sorted.length,
      errors: Number.NaN,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      noDbP99: Number.NaN,
      clientQueueMax: Number.NaN,
    };
  }
}

/** `clients` callers, each sending its next call when the previous answered, for `seconds`. */
export const closedLoop = async (
  client: SoakClient,
  mix: TrafficMix,
  recorder: Recorder,
  { seconds, clients }: { seconds: number; clients: number },
) => {
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const p = mix.next();
        const t = performance.now();
        const a = await client.call(p.req);
        recorder.record(p, a, t, performance.now());
      }
    }),
  );
};

export interface OpenLoopResult {
  issued: number;
  /** How late the client fired calls against their schedule, ms (the client's own health). */
  lateP99: number;
  lateMax: number;
  /** Calls not sent because too many were outstanding (counted as errors). */
  shed: number;
}

/**
 * Issues `rate` calls per second on a fixed schedule for `seconds`, then waits for the outstanding ones (up to 60 s).
 * A call's latency runs from its due time. More than `maxOutstanding` calls in flight means the server has stopped
 * keeping up: further calls are recorded as errors instead of piling up in the client.
 */
export const openLoop = async (
  client: SoakClient,
  mix: TrafficMix,
  recorder: Recorder,
  { rate, seconds, maxOutstanding = 5000 }: { rate: number; seconds: number; maxOutstanding?: number },
): Promise<OpenLoopResult> => {
  const interval = 1000 / rate;
  const total = Math.floor(rate * seconds);
  const t0 = performance.now();
  const late: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let shed = 0;
  const fire = (due: number) => {
    const p = mix.next();
    late.push(performance.now() - due);
    if (inFlight.size >= maxOutstanding) {
      shed++;
      recorder.record(p, { status: 0, text: '', error: `client: ${maxOutstanding} calls outstanding, not sent` }, due, performance.now());
      return;
    }
    const call = client.call(p.req);
    recorder.clientQueueMax = Math.max(recorder.clientQueueMax, client.queued());
    const recorded = call.then((a) => recorder.record(p, a, due, performance.now()));
    inFlight.add(recorded);
    void recorded.finally(() => inFlight.delete(recorded));
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && t0 + issued * interval <= now) fire(t0 + issued++ * interval);
      if (issued >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + issued * interval - performance.now()));
    };
    tick();
  });
  const drained = Promise.all(inFlight).then(() => true);
  await Promise.race([drained, new Promise((r) => setTimeout(r, 60_000))]);
  const sortedLate = ascending(late);
  return { issued, lateP99: percentile(sortedLate, 99), lateMax: sortedLate[sortedLate.length - 1] ?? 0, shed };
};
