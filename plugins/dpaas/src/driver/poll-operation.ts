/** @module Polling an operation to its end with capped exponential backoff, shared by every driver. */
import { driverError } from './driver-error.js';
import type { Operation, OperationResult } from './operation.js';

export interface Backoff {
  /** First wait (default 250 ms); CloudStack jobs rarely end sooner. */
  initialMs: number;
  /** Longest wait between polls (default 5 s). */
  maxMs: number;
  /** Growth per poll (default 1.5). */
  factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 5000, factor: 1.5 };
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Throws the operation's failure as the driver error it would have been had the call been synchronous. */
export const operationFailure = (op: Operation) =>
  driverError(op.error?.reason ?? 'provider', op.error?.message ?? 'operation failed', {
    jobId: op.jobId,
    ...(op.error?.providerCode === undefined ? {} : { providerCode: op.error.providerCode }),
  });

/**
 * Polls `get` until the operation leaves `pending`, then returns its result or throws its failure. A timeout throws
 * `timeout` with the job id; the job itself goes on at the provider.
 */
export const pollOperation = async (
  first: Operation,
  get: (jobId: string) => Promise<Operation>,
  { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, backoff = DEFAULT_BACKOFF }: { timeoutMs?: number; backoff?: Backoff } = {},
): Promise<OperationResult> => {
  const deadline = Date.now() + timeoutMs;
  let op = first;
  let wait = backoff.initialMs;
  while (op.status === 'pending') {
    const left = deadline - Date.now();
    if (left <= 0) throw driverError('timeout', `operation ${op.jobId} still pending after ${timeoutMs} ms`, { jobId: op.jobId });
    await sleep(Math.min(wait, left));
    wait = Math.min(backoff.maxMs, wait * backoff.factor);
    op = await get(op.jobId);
  }
  if (op.status === 'failed') throw operationFailure(op);
  return op.result ?? { type: 'none' };
};
