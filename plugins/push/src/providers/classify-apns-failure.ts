/**
 * @module Turns one entry of node-apn's `failed` list into a delivery result.
 *
 * node-apn reports `{ device, status, response: { reason, timestamp } }` when APNs answered and
 * `{ device, error }` (sometimes with `status`) when it did not: timeouts, broken sessions, a 500 whose body
 * node-apn swallowed, or an ExpiredProviderToken after which it already regenerated the JWT. It never passes on
 * Retry-After (it reads the header as `Retry-After`, which HTTP/2 lower-cases, and deletes it), and APNs documents
 * none for 429, so APNs throttling comes back without `retryAfterMs` and the caller's backoff decides.
 */
import type { DeliveryOutcome } from './push-transport.js';

export interface ApnFailure {
  device?: string;
  status?: number | string;
  response?: { reason?: string; timestamp?: number | string };
  error?: { message?: string };
}

/** 400s that say nothing is wrong with the request itself. */
const RETRYABLE_400 = new Set(['IdleTimeout']);

/** 403s about the provider token that a fresh token fixes; node-apn regenerates it before reporting. */
const RETRYABLE_403 = new Set(['ExpiredProviderToken']);

/**
 * @example
 * classifyApnsFailure({ device, status: 410, response: { reason: 'Unregistered', timestamp: 1700000000000 } })
 * // { status: 'unregistered', reason: 'Unregistered', httpStatus: 410, unregisteredAtMs: 1700000000000 }
 */
export const classifyApnsFailure = (failure: ApnFailure): DeliveryOutcome => {
  const httpStatus = failure.status === undefined || Number.isNaN(Number(failure.status)) ? undefined : Number(failure.status);
  const reason = failure.response?.reason;
  const message = failure.error?.message ?? '';
  const detail = (reason ?? message).slice(0, 500) || undefined;
  const base = { ...(httpStatus === undefined ? {} : { httpStatus }), ...(detail ? { detail } : {}) };

  if (httpStatus === 410) {
    const ts = Number(failure.response?.timestamp);
    return {
      status: 'unregistered',
      reason: reason ?? 'Unregistered',
      ...base,
      ...(Number.isFinite(ts) && ts > 0 ? { unregisteredAtMs: ts } : {}),
    };
  }
  if (httpStatus === 403 && (RETRYABLE_403.has(reason ?? '') || message === 'ExpiredProviderToken')) {
    return { status: 'retryable', reason: 'ExpiredProviderToken', ...base };
  }
  if (httpStatus === 429) return { status: 'retryable', reason: reason ?? 'TooManyRequests', ...base };
  if (httpStatus !== undefined && httpStatus >= 500) {
    return { status: 'retryable', reason: reason ?? (httpStatus === 503 ? 'ServiceUnavailable' : 'InternalServerError'), ...base };
  }
  if (httpStatus === 400 && RETRYABLE_400.has(reason ?? '')) return { status: 'retryable', reason: reason as string, ...base };
  // BadDeviceToken is not retired: a sandbox token sent to production (a misconfigured app) gets the same answer.
  if (httpStatus !== undefined && reason) return { status: 'permanent', reason, ...base };
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500)
    return { status: 'permanent', reason: `HTTP_${httpStatus}`, ...base };
  return { status: 'retryable', reason: /timeout/i.test(message) ? 'TIMEOUT' : 'CONNECTION_ERROR', ...base };
};
