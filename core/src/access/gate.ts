/**
 * @module The access checks of one asset call, in the order the platform promises: key → asset enabled →
 * subscription active → scopes → rate limits → monthly quota. Each failure is a problem with a stable code; the
 * caller that passes is who the handler serves.
 */
import type { Caller } from '@switchboard/sdk';
import { HttpProblem } from '../http/map-error.js';
import type { AccessState } from './access-state.js';
import type { RateBudget } from './rate-budget.js';
import { parseApiKey, sameDigest, sha256 } from './secrets.js';

const unauthorized = (code: string, detail: string) =>
  new HttpProblem({ status: 401, code, title: 'Unauthorized', detail }, { 'www-authenticate': 'Bearer realm="switchboard"' });

const forbidden = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem({ status: 403, code, title: 'Forbidden', detail, ...extra });

/** The presented key: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export const presentedKey = (authorization: string | undefined, apiKeyHeader: string | undefined): string | undefined => {
  if (apiKeyHeader) return apiKeyHeader.trim();
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return undefined;
};

export interface GateDeps {
  state: AccessState;
  budget: RateBudget;
}

export interface CallTarget {
  assetId: string;
  scopes: readonly string[];
}

/** Runs every check; resolves to the caller and the rate-limit headers to send, or throws the first failure. */
export const checkCall = async (
  { state, budget }: GateDeps,
  target: CallTarget,
  headers: { authorization?: string; apiKey?: string },
  now = Date.now(),
): Promise<{ caller: Caller; rateHeaders: Record<string, string> }> => {
  const presented = presentedKey(headers.authorization, headers.apiKey);
  if (!presented) throw unauthorized('API_KEY_MISSING', 'Send your app’s key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.');
  const parsed = parseApiKey(presented);
  const record = parsed ? await state.findKey(parsed.id) : null;
  // One answer for malformed, unknown and wrong-secret keys, after the same constant-time comparison.
  const secretOk = record !== null && parsed !== null && sameDigest(sha256(parsed.secret), record.secretHash);
  if (!record || !secretOk) throw unauthorized('API_KEY_INVALID', 'The key is not valid.');
  if (record.revoked) throw unauthorized('API_KEY_REVOKED', 'The key was revoked; issue a new one.');
  if (record.expiresAt !== null && record.expiresAt <= now) throw unauthorized('API_KEY_EXPIRED', 'The key expired; issue a new one.');
  state.touchKey(record.id);

  if (!state.isEnabled(target.assetId, record.appId)) {
    throw new HttpProblem(
      {
        status: 503,
        code: 'ASSET_DISABLED',
        title: 'Service Unavailable',
        detail: `The asset '${target.assetId}' is disabled by an operator.`,
      },
      { 'retry-after': '30' },
    );
  }

  const sub = await state.findSubscription(record.appId, target.assetId);
  if (!sub || sub.status === 'cancelled') {
    throw forbidden('SUBSCRIPTION_REQUIRED', `Subscribe the app to a plan of '${target.assetId}' first.`);
  }
  if (sub.status === 'pending') throw forbidden('SUBSCRIPTION_PENDING', 'The subscription waits for an operator’s approval.');
  if (sub.status === 'suspended') throw forbidden('SUBSCRIPTION_SUSPENDED', 'The subscription is suspended.');

  const granted = record.scopes;
  const missing = granted.includes('*') ? [] : target.scopes.filter((s) => !granted.includes(s));
  if (missing.length > 0)
    throw forbidden('INSUFFICIENT_SCOPE', `The key lacks the scope(s) ${missing.join(', ')}.`, { missingScopes: missing });

  const rateHeaders: Record<string, string> = {};
  for (const [limit, period] of [
    [sub.perSecond, 'second'],
    [sub.perMinute, 'minute'],
  ] as const) {
    if (!limit) continue;
    const d = await budget.take({ name: `${sub.id}:${period[0]}`, limit, period }, now);
    rateHeaders['ratelimit-limit'] = String(limit);
    rateHeaders['ratelimit-remaining'] = String(d.remaining);
    rateHeaders['ratelimit-reset'] = String(d.resetSeconds);
    if (!d.allowed) {
      throw new HttpProblem(
        { status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests', detail: `The plan allows ${limit} requests per ${period}.` },
        { ...rateHeaders, 'retry-after': String(d.resetSeconds) },
      );
    }
  }
  if (sub.monthlyQuota) {
    const d = await budget.take({ name: `${sub.id}:q`, limit: sub.monthlyQuota, period: 'month' }, now);
    if (!d.allowed) {
      throw new HttpProblem(
        {
          status: 429,
          code: 'QUOTA_EXCEEDED',
          title: 'Too Many Requests',
          detail: `The plan’s monthly quota of ${sub.monthlyQuota} calls is used up.`,
        },
        { 'retry-after': String(d.resetSeconds) },
      );
    }
  }
  return { caller: Object.freeze({ appId: record.appId, orgId: record.orgId, scopes: record.scopes }), rateHeaders };
};
