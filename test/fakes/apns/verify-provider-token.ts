/** @module The APNs provider-token check: an ES256 JWT whose `kid` names a registered key and whose `iss` is that key's team. */
import { type KeyObject, verify } from 'node:crypto';

export interface ProviderTokenClaims {
  keyId: string;
  teamId: string;
  /** Issued-at, seconds since the epoch; APNs refuses tokens older than an hour. */
  iat: number;
}

/**
 * Answers the claims, or undefined for anything APNs would call InvalidProviderToken (the age is the caller's
 * check, because a verified token is cached while it ages).
 */
export const verifyProviderToken = (
  jwt: string,
  keys: ReadonlyMap<string, { teamId: string; publicKey: KeyObject }>,
): ProviderTokenClaims | undefined => {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string; kid?: string };
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as { iss?: string; iat?: number };
    if (header.alg !== 'ES256' || typeof header.kid !== 'string') return undefined;
    const key = keys.get(header.kid);
    if (!key || claims.iss !== key.teamId || typeof claims.iat !== 'number') return undefined;
    // JWS ES256 signatures are r||s (IEEE P1363), not DER.
    const signature = Buffer.from(parts[2], 'base64url');
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature))
      return undefined;
    // A token from the future means a broken clock or a forgery.
    if (claims.iat > Date.now() / 1000 + 300) return undefined;
    return { keyId: header.kid, teamId: key.teamId, iat: claims.iat };
  } catch {
    return undefined;
  }
};
