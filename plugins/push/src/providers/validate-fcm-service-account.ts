/** @module Checks an uploaded FCM service account JSON before it is stored, so a bad one fails at upload, not at send. */
import { createPrivateKey } from 'node:crypto';
import { InputError } from '@switchboard/sdk';
import type { FcmServiceAccount } from './credentials.js';
import { isRecord, ProblemList } from './problem-list.js';

export const FCM_CREDENTIALS_INVALID = 'FCM_CREDENTIALS_INVALID';

/** Google Cloud project ids: 6–30 characters, lower-case letters, digits and hyphens, starting with a letter. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Accepts the JSON text or the parsed object. Throws InputError `FCM_CREDENTIALS_INVALID` with `details.pointer`
 * (under `at`) and `details.errors` listing every problem; secrets are never echoed.
 *
 * @example
 * const sa = validateFcmServiceAccount(await file.text(), '/fcm/serviceAccount');
 */
export const validateFcmServiceAccount = (input: unknown, at = ''): FcmServiceAccount => {
  let json = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch {
      throw new InputError('The FCM service account is not valid JSON', {
        code: FCM_CREDENTIALS_INVALID,
        details: { pointer: at || '/', errors: [{ pointer: at || '/', message: 'is not valid JSON' }] },
      });
    }
  }
  const problems = new ProblemList(at);
  if (!isRecord(json)) {
    problems.add('', 'must be a service account JSON object');
    return problems.fail(FCM_CREDENTIALS_INVALID, 'The FCM service account is invalid');
  }
  if (json.type !== 'service_account')
    problems.add('/type', 'must be "service_account" (download a key for a service account, not an OAuth client)');
  if (typeof json.project_id !== 'string' || !PROJECT_ID.test(json.project_id))
    problems.add('/project_id', 'must be a Google Cloud project id');
  if (typeof json.client_email !== 'string' || !EMAIL.test(json.client_email))
    problems.add('/client_email', 'must be the service account e-mail');
  if (json.private_key_id !== undefined && typeof json.private_key_id !== 'string') problems.add('/private_key_id', 'must be a string');
  if (typeof json.private_key !== 'string' || !json.private_key.includes('-----BEGIN')) {
    problems.add('/private_key', 'must be a PEM-encoded private key');
  } else {
    try {
      const key = createPrivateKey(json.private_key);
      if (key.asymmetricKeyType !== 'rsa')
        problems.add('/private_key', 'must be an RSA private key (Google signs service account tokens with RS256)');
    } catch {
      problems.add('/private_key', 'does not parse as a PEM private key');
    }
  }
  problems.throwIfAny(FCM_CREDENTIALS_INVALID, 'The FCM service account is invalid');
  return {
    projectId: json.project_id as string,
    clientEmail: json.client_email as string,
    privateKey: json.private_key as string,
    ...(typeof json.private_key_id === 'string' ? { privateKeyId: json.private_key_id } : {}),
  };
};
