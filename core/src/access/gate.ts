/**
 * @module The access checks of one asset call, in the order the platform promises: key → asset enabled →
 * subscription active → scopes → rate limits → monthly quota. Each failure is a problem with a stable code; the
 * caller that passes is who the handler serves.
 */
import type { Caller } from '@switchboard/sdk';
import { HttpProblem } from '../http/map-error.js';
import type { AccessState, KeyRecord, SubscriptionRecord } from './access-state.js';
import type { Decision, RateBudget, Window } from './rate-budget.js';
import { digestMatches, parseApiKey } from './secrets.js';

const unauthorized = (code: string, detail: string) =>
  new HttpProblem({ status: 401, code, title: 'Unauthorized', detail }, { 'www-authenticate': 'Bearer realm="switchboard"' });

const forbidden = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem({ status: 403, code, title: 'Forbidden', detail, ...extra });

/** 503 ASSET_DISABLED: an operator switched the asset off (for everyone, or for the calling app). */
export const assetDisabled = (assetId: string) =>
  new HttpProblem(
    { status: 503, code: 'ASSET_DISABLED', title: 'Service Unavailable', detail: `The asset '${assetId}' is disabled by an operator.` },
    { 'retry-after': '30' },
  );

const BEARER = /^bearer\s+/i;

/** The presented key: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export const presentedKey = (authorization: string | undefined, apiKeyHeader: string | undefined): string | undefined => {
  if (apiKeyHeader) return apiKeyHeader.trim();
  if (!authorization) return undefined;
  const scheme = BEARER.exec(authorization);
  return scheme === null ? undefined : authorization.slice(scheme[0].length).trim();
};

export interface GateDeps {
  state: AccessState;
  budget: RateBudget;
}

export interface CallTarget {
  assetId: string;
  scopes: readonly string[];
}

export interface GateResult {
  caller: Caller;
  rateHeaders: Record<string, string>;
}

/**
 * Runs every check; gives the caller and the rate-limit headers to send, or throws the first failure. Synchronous
 * when the key, the subscription and the budget slices are in memory (the usual case): a promise only when one of
 * them has to be read from the database.
 */
export const checkCall = (
  { state, budget }: GateDeps,
  target: CallTarget,
  headers: { authorization?: string; apiKey?: string },
  now = Date.now(),
): GateResult | Promise<GateResult> => {
  const presented = presentedKey(headers.authorization, headers.apiKey);
  if (!presented) throw unauthorized('API_KEY_MISSING', 'Send your app’s key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.');
  const known = state.verifiedKey(presented);
  if (known !== undefined) return afterVerified({ state, budget }, target, known, now);
  const parsed = parseApiKey(presented);
  const found = parsed ? state.findKey(parsed.id) : null;
  const secret = parsed?.secret ?? '';
  // No named closures here: the dev loader (tsx) wraps each in a naming helper, per call.
  return found instanceof Promise
    ? found.then((record) => afterKey({ state, budget }, target, presented, secret, record, now))
    : afterKey({ state, budget }, target, presented, secret, found, now);
};

const afterKey = (
  deps: GateDeps,
  target: CallTarget,
  presented: string,
  secret: string,
  record: KeyRecord | null,
  now: number,
): GateResult | Promise<GateResult> => {
  // One answer for malformed, unknown and wrong-secret keys, after the same constant-time comparison.
  const secretOk = record !== null && digestMatches(secret, record.secretHash);
  if (!record || !secretOk) throw unauthorized('API_KEY_INVALID', 'The key is not valid.');
  deps.state.rememberVerified(presented, record);
  return afterVerified(deps, target, record, now);
};

/** Everything after the secret check: revocation, expiry, toggles, subscription, scopes, limits. */
const afterVerified = (deps: GateDeps, target: CallTarget, record: KeyRecord, now: number): GateResult | Promise<GateResult> => {
  if (record.revoked) throw unauthorized('API_KEY_REVOKED', 'The key was revoked; issue a new one.');
  if (record.expiresAt !== null && record.expiresAt <= now) throw unauthorized('API_KEY_EXPIRED', 'The key expired; issue a new one.');
  deps.state.touchKey(record.id);

  if (!deps.state.isEnabled(target.assetId, record.appId)) throw assetDisabled(target.assetId);
  const found = deps.state.findSubscription(record.appId, target.assetId);
  return found instanceof Promise
    ? found.then((sub) => afterSubscription(deps, target, record, sub, now))
    : afterSubscription(deps, target, record, found, now);
};

const afterSubscription = (
  deps: GateDeps,
  target: CallTarget,
  record: KeyRecord,
  sub: SubscriptionRecord | null,
  now: number,
): GateResult | Promise<GateResult> => {
  if (!sub || sub.status === 'cancelled') {
    throw forbidden('SUBSCRIPTION_REQUIRED', `Subscribe the app to a plan of '${target.assetId}' first.`);
  }
  if (sub.status === 'pending') throw forbidden('SUBSCRIPTION_PENDING', 'The subscription waits for an operator’s approval.');
  if (sub.status === 'suspended') throw forbidden('SUBSCRIPTION_SUSPENDED', 'The subscription is suspended.');

  const granted = record.scopes;
  if (target.scopes.length > 0 && !granted.includes('*')) {
    const missing = target.scopes.filter((s) => !granted.includes(s));
    if (missing.length > 0)
      throw forbidden('INSUFFICIENT_SCOPE', `The key lacks the scope(s) ${missing.join(', ')}.`, { missingScopes: missing });
  }
  const caller: Caller = { appId: record.appId, orgId: record.orgId, scopes: record.scopes, limits: sub.limits };
  const result: GateResult = { caller, rateHeaders: {} };
  return takeBudgets(deps.budget, sub.windows, 0, result, now);
};

/**
 * Spends one unit of each window from `i` on: the per-second and per-minute limits, then the monthly quota. The
 * RateLimit-* headers then describe the rate window with the least left (the one a client must pace itself by), set
 * once at the end rather than per window.
 */
const takeBudgets = (
  budget: RateBudget,
  windows: readonly Window[],
  i: number,
  result: GateResult,
  now: number,
  tightest?: Tightest,
): GateResult | Promise<GateResult> => {
  for (; i < windows.length; i++) {
    const decision = budget.take(windows[i], now);
    if (decision instanceof Promise) {
      const at = i;
      const kept = tightest;
      return decision.then((d) => takeBudgets(budget, windows, at + 1, result, now, judge(windows[at], d, kept)));
    }
    tightest = judge(windows[i], decision, tightest);
  }
  if (tightest !== undefined) rateHeadersOf(tightest.window, tightest.decision, result.rateHeaders);
  return result;
};

interface Tightest {
  window: Window;
  decision: Decision;
}

const rateHeadersOf = (window: Window, d: Decision, into: Record<string, string>): Record<string, string> => {
  into['ratelimit-limit'] = String(window.limit);
  into['ratelimit-remaining'] = String(d.remaining);
  into['ratelimit-reset'] = String(d.resetSeconds);
  return into;
};

/** Throws the window's 429 when it refused; otherwise the rate window with the least left so far. */
const judge = (window: Window, d: Decision, tightest: Tightest | undefined): Tightest | undefined => {
  if (window.period === 'month') {
    if (d.allowed) return tightest;
    throw new HttpProblem(
      {
        status: 429,
        code: 'QUOTA_EXCEEDED',
        title: 'Too Many Requests',
        detail: `The plan’s monthly quota of ${window.limit} calls is used up.`,
      },
      { 'retry-after': String(d.resetSeconds) },
    );
  }
  if (!d.allowed) {
    throw new HttpProblem(
      {
        status: 429,
        code: 'RATE_LIMITED',
        title: 'Too Many Requests',
        detail: `The plan allows ${window.limit} requests per ${window.period}.`,
      },
      { ...rateHeadersOf(window, d, {}), 'retry-after': String(d.resetSeconds) },
    );
  }
  return tightest === undefined || d.remaining < tightest.decision.remaining ? { window, decision: d } : tightest;
};
