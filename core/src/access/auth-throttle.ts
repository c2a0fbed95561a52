/**
 * @module Throttles the developer API's unauthenticated operations (sign-up, sign-in) per client address, so
 * passwords cannot be guessed at speed and accounts cannot be created in bulk. The budgets are the shared rate
 * windows of the access layer, so the limit holds across replicas.
 */
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from '../http/map-error.js';
import type { RateBudget } from './rate-budget.js';

/** Attempts per minute and client address, per operation. */
export const AUTH_ATTEMPTS_PER_MINUTE = 10;

/**
 * The client's address as the socket sees it. Behind a proxy every caller shares the proxy's address; a deployment
 * there should throttle at the proxy too (docs/operating.md).
 */
const clientAddress = (env: unknown): string =>
  (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? 'local';

export const authThrottle = (budget: RateBudget, operationId: string, perMinute = AUTH_ATTEMPTS_PER_MINUTE): MiddlewareHandler =>
  async function throttled(c, next) {
    const taken = budget.take({ name: `auth:${operationId}:${clientAddress(c.env)}`, limit: perMinute, period: 'minute' });
    const d = taken instanceof Promise ? await taken : taken;
    if (!d.allowed) {
      throw new HttpProblem(
        {
          status: 429,
          code: 'RATE_LIMITED',
          title: 'Too Many Requests',
          detail: `At most ${perMinute} attempts per minute from one address; try again in ${d.resetSeconds} s.`,
        },
        { 'retry-after': String(d.resetSeconds) },
      );
    }
    await next();
  };
