/** @module Public ids, the provider-side names of per-app resources, list cursors and request fingerprints. */
import { createHash, randomBytes } from 'node:crypto';
import { InputError } from '@switchboard/sdk';

/** `i-` and 17 hex digits, like EC2's: also a valid host name, so it doubles as the instance's name at the provider. */
export const newInstanceId = (): string => `i-${randomBytes(9).toString('hex').slice(0, 17)}`;

export const newOperationId = (): string => `op-${randomBytes(10).toString('hex')}`;

/** The key of an app's account row; anonymous callers (ACCESS_CONTROL=off) share one. */
export const appKeyOf = (appId: string | null): string => appId ?? '-';

/**
 * The provider's name for an app's key pair or firewall group. One provider account serves every app, and the
 * provider wants those names unique per account: the app id keeps two apps' `default` apart.
 */
export const providerName = (appId: string | null, name: string): string => `sb-${appId ?? 'anonymous'}-${name}`;

/** An opaque cursor over a sequence column. */
export const encodeCursor = (seq: number): string => Buffer.from(`s${seq}`).toString('base64url');

export const decodeCursor = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return undefined;
  const m = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new InputError('the cursor is not one this API gave out', { code: 'INVALID_CURSOR', details: { pointer: '/query/cursor' } });
  return Number(m[1]);
};

/** Keys sorted at every level, so the same request serializes the same whatever order the client wrote it in. */
const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;

/** What an idempotency key is bound to: the action and its input. */
export const requestHash = (action: string, input: unknown): string =>
  createHash('sha256')
    .update(action)
    .update('\0')
    .update(JSON.stringify(canonical(input)))
    .digest('hex');
