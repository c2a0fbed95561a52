/**
 * @module The simulator's async jobs: the intermediate state is set by the caller at once, the final one by `work`
 * after a random delay, like a provider's job queue. Jobs are kept in memory (the most recent 10,000).
 */
import { randomUUID } from 'node:crypto';
import { DRIVER_ERROR_CODES, driverErrorReason, notFound } from '../driver/driver-error.js';
import type { Operation, OperationResult } from '../driver/operation.js';

const KEEP_JOBS = 10_000;

export interface SimulatorJobs {
  /** Starts a job whose `work` runs after the delay; what it returns is the result, what it throws the failure. */
  start(resourceId: string | undefined, work: () => OperationResult): Operation;
  /** An operation that is already over (idempotent no-ops, synchronous actions). */
  done(resourceId: string | undefined, result: OperationResult): Operation;
  /** Runs `fn` after a delay (template downloads, the final removal of an expunged instance). */
  later(fn: () => void, factor?: number): void;
  get(jobId: string): Operation;
  close(): void;
}

export const createSimulatorJobs = (delay: () => number): SimulatorJobs => {
  const jobs = new Map<string, Operation>();
  const timers = new Set<NodeJS.Timeout>();
  const put = (op: Operation) => {
    jobs.set(op.jobId, op);
    if (jobs.size > KEEP_JOBS) jobs.delete(jobs.keys().next().value as string);
    return { ...op };
  };
  const later = (fn: () => void, factor = 1) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delay() * factor);
    timer.unref();
    timers.add(timer);
  };
  return {
    start: (resourceId, work) => {
      const op: Operation = { jobId: randomUUID(), status: 'pending', ...(resourceId ? { resourceId } : {}) };
      later(() => {
        try {
          put({ ...op, status: 'succeeded', result: work() });
        } catch (e) {
          const reason = driverErrorReason(e) ?? 'provider';
          put({
            ...op,
            status: 'failed',
            error: { reason, code: DRIVER_ERROR_CODES[reason], message: e instanceof Error ? e.message : String(e) },
          });
        }
      });
      return put(op);
    },
    done: (resourceId, result) => put({ jobId: randomUUID(), status: 'succeeded', ...(resourceId ? { resourceId } : {}), result }),
    later,
    get: (jobId) => {
      const op = jobs.get(jobId);
      if (!op) throw notFound('operation', jobId, { provider: 'simulator' });
      return structuredClone(op);
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
};
