/** @module The one place that maps domain errors (thrown by plugins and the core) to HTTP. */
import { type DomainError, isDomainError } from '@switchboard/sdk';
import { isDatabaseUnavailable } from '../db/database-unavailable.js';
import type { Problem } from './problem.js';

const BY_KIND: Record<DomainError['kind'], { status: number; title: string }> = {
  input: { status: 400, title: 'Bad Request' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  'not-allowed': { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not Found' },
  conflict: { status: 409, title: 'Conflict' },
  'too-many-requests': { status: 429, title: 'Too Many Requests' },
  upstream: { status: 502, title: 'Bad Gateway' },
  unavailable: { status: 503, title: 'Service Unavailable' },
  'upstream-timeout': { status: 504, title: 'Gateway Timeout' },
};

/** An error the core raises itself with a fixed status (body limit, media type, response validation...). */
export class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

export interface MappedError {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error is ours (a bug or an outage), so it must be logged with its stack. */
  internal: boolean;
}

/** Maps any thrown value to a problem. Unknown errors become a 500 that reveals nothing of the internals. */
export const mapError = (err: unknown): MappedError => {
  // Only a 500 is ours to investigate: a 502/503/504 says an upstream, a dependency or an operator's switch
  // (ASSET_DISABLED) refused, and logging each such answer with a stack would flood the log during an outage.
  if (err instanceof HttpProblem) return { problem: err.problem, headers: err.headers, internal: err.problem.status === 500 };
  if (isDomainError(err)) {
    const { status, title } = BY_KIND[err.kind] ?? { status: 500, title: 'Internal Server Error' };
    const headers: Record<string, string> = {};
    const retry = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (typeof retry === 'number') headers['retry-after'] = String(Math.ceil(retry));
    return {
      problem: { status, code: err.code, title, detail: err.message, ...(err.details ? { details: err.details } : {}) },
      headers,
      internal: status >= 500 && err.kind !== 'unavailable',
    };
  }
  if (isDatabaseUnavailable(err)) {
    return {
      problem: {
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
        title: 'Service Unavailable',
        detail: 'The database cannot be reached right now; retry shortly.',
      },
      headers: { 'retry-after': '1' },
      // Not a defect: the outage is logged once per interval by the app, and shows on /readyz and /metrics.
      internal: false,
    };
  }
  return {
    problem: {
      status: 500,
      code: 'INTERNAL_ERROR',
      title: 'Internal Server Error',
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
    },
    headers: {},
    internal: true,
  };
};
