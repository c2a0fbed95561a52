/**
 * @module Replaces credentials in a log object before pino serializes it. pino's own `redact` needs one path per
 * depth and costs about 30 µs per line with wildcards (measured, docs/benchmarks.md); this walk costs about 3 µs
 * and catches a secret key at any depth up to MAX_DEPTH, whatever its case.
 */

/** Keys that hold credentials, lower-cased: a key matches whatever its case (`Authorization`, `apiKey`). */
const SECRET_KEYS = new Set(
  [
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'password',
    'passwd',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'apiKey',
    'secret',
    'secretKey',
    'clientSecret',
    'privateKey',
    'private_key',
    'databaseUrl',
    'amqpUrl',
  ].map((k) => k.toLowerCase()),
);

export const CENSORED = '[redacted]';
const MAX_DEPTH = 4;

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Does any key of `obj` (to MAX_DEPTH) name a secret? Most log objects have none, and then nothing is copied. */
const holdsSecret = (obj: Record<string, unknown> | unknown[], depth: number): boolean => {
  if (Array.isArray(obj)) {
    if (depth >= MAX_DEPTH) return false;
    for (const v of obj) if ((isPlain(v) || Array.isArray(v)) && holdsSecret(v, depth + 1)) return true;
    return false;
  }
  for (const k in obj) {
    if (SECRET_KEYS.has(k.toLowerCase())) return true;
    const v = obj[k];
    if (depth < MAX_DEPTH && (isPlain(v) || Array.isArray(v)) && holdsSecret(v, depth + 1)) return true;
  }
  return false;
};

const censorValue = (v: unknown, depth: number): unknown =>
  depth < MAX_DEPTH && (isPlain(v) || Array.isArray(v)) ? censorIn(v, depth + 1) : v;

const censorIn = (obj: Record<string, unknown> | unknown[], depth: number): unknown => {
  if (Array.isArray(obj)) return obj.map((v) => censorValue(v, depth));
  const out: Record<string, unknown> = {};
  for (const k in obj) out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSORED : censorValue(obj[k], depth);
  return out;
};

/** A copy of `obj` with every secret-named value replaced by `[redacted]`; `obj` itself when it holds none. */
export const censorSecrets = (obj: Record<string, unknown>): Record<string, unknown> =>
  holdsSecret(obj, 0) ? (censorIn(obj, 0) as Record<string, unknown>) : obj;
