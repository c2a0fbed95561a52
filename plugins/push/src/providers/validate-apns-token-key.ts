/** @module Checks an uploaded APNs token key (.p8 and its ids) before it is stored, so a bad one fails at upload. */
import { createPrivateKey } from 'node:crypto';
import type { ApnsTokenKey } from './credentials.js';
import { isRecord, ProblemList } from './problem-list.js';

export const APNS_CREDENTIALS_INVALID = 'APNS_CREDENTIALS_INVALID';

/** Apple key ids and team ids are 10 upper-case alphanumerics. */
const APPLE_ID = /^[A-Z0-9]{10}$/;
/** Reverse-DNS bundle id: at least two dot-separated parts of letters, digits and hyphens. */
const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * Input: `{ key, keyId, teamId, bundleId, production }` where `key` is the .p8 text. Throws InputError
 * `APNS_CREDENTIALS_INVALID` with `details.pointer` (under `at`) and `details.errors`; the key is never echoed.
 *
 * @example
 * const key = validateApnsTokenKey({ key: p8Text, keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', bundleId: 'com.example.app', production: true }, '/apns');
 */
export const validateApnsTokenKey = (input: unknown, at = ''): ApnsTokenKey => {
  const problems = new ProblemList(at);
  if (!isRecord(input)) {
    problems.add('', 'must be an object with key, keyId, teamId, bundleId and production');
    return problems.fail(APNS_CREDENTIALS_INVALID, 'The APNs key is invalid');
  }
  const { key, keyId, teamId, bundleId, production } = input;
  if (typeof key !== 'string' || !key.includes('-----BEGIN')) {
    problems.add('/key', 'must be the text of the .p8 file (a PEM private key)');
  } else {
    try {
      const parsed = createPrivateKey(key);
      const curve = parsed.asymmetricKeyDetails?.namedCurve;
      if (parsed.asymmetricKeyType !== 'ec' || curve !== 'prime256v1')
        problems.add('/key', 'must be an EC P-256 private key (APNs signs with ES256)');
    } catch {
      problems.add('/key', 'does not parse as a PEM private key');
    }
  }
  if (typeof keyId !== 'string' || !APPLE_ID.test(keyId)) problems.add('/keyId', 'must be the 10-character key id');
  if (typeof teamId !== 'string' || !APPLE_ID.test(teamId)) problems.add('/teamId', 'must be the 10-character team id');
  if (typeof bundleId !== 'string' || !BUNDLE_ID.test(bundleId) || bundleId.length > 155)
    problems.add('/bundleId', 'must be the app bundle id, e.g. com.example.app');
  if (typeof production !== 'boolean') problems.add('/production', 'must be true (api.push.apple.com) or false (sandbox)');
  problems.throwIfAny(APNS_CREDENTIALS_INVALID, 'The APNs key is invalid');
  return {
    key: key as string,
    keyId: keyId as string,
    teamId: teamId as string,
    bundleId: bundleId as string,
    production: production as boolean,
  };
};
