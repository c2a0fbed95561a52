/**
 * @module Turns what firebase-admin reports for one message into a delivery result. The FCM v1 error code (the
 * `FcmError` detail of the response) is more precise than firebase-admin's own code, so it is read first.
 */

import { parseRetryAfter } from './parse-retry-after.js';
import type { DeliveryOutcome } from './push-transport.js';

interface FirebaseLikeError {
  code?: string;
  message?: string;
  httpResponse?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
  cause?: unknown;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

/** The `{ error: { status, details } }` envelope of an FCM v1 error response, when there is one. */
const envelopeOf = (e: FirebaseLikeError): { status?: string; message?: string; details?: unknown[] } | undefined => {
  const data = e.httpResponse?.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as { status?: string; message?: string; details?: unknown[] }) : undefined;
};

const fcmErrorCode = (e: FirebaseLikeError): string | undefined => {
  const envelope = envelopeOf(e);
  for (const d of envelope?.details ?? []) {
    const detail = d as { '@type'?: string; errorCode?: string };
    if (detail['@type'] === FCM_ERROR_TYPE && typeof detail.errorCode === 'string') return detail.errorCode;
  }
  return envelope?.status;
};

/** INVALID_ARGUMENT covers both a malformed payload and a malformed token; only the latter may retire the token. */
const isInvalidToken = (e: FirebaseLikeError): boolean => {
  const envelope = envelopeOf(e);
  for (const d of envelope?.details ?? []) {
    const detail = d as { '@type'?: string; fieldViolations?: { field?: string }[] };
    if (detail['@type'] === BAD_REQUEST_TYPE && detail.fieldViolations?.some((v) => v.field === 'message.token')) return true;
  }
  return /registration token is not a valid FCM registration token/i.test(envelope?.message ?? '');
};

const NETWORK_CODES = new Set(['app/network-error', 'app/network-timeout', 'messaging/unknown-error', 'app/unknown-error']);

/** Errors reaching the token endpoint are worth retrying; a refused grant (wrong or revoked key) is not. */
const isCredentialRefusal = (e: FirebaseLikeError): boolean => {
  const text = `${e.message ?? ''} ${String((e.cause as { message?: unknown })?.message ?? '')}`;
  // The last alternatives are OpenSSL's words for a private key that does not parse (google-auth-library signs locally).
  return /invalid_grant|invalid_client|unauthorized_client|account not found|invalid jwt|DECODER routines|PEM routines|asn1/i.test(text);
};

/**
 * @example
 * classifyFcmError(sendResponse.error) // { status: 'unregistered', reason: 'UNREGISTERED', httpStatus: 404, ... }
 */
export const classifyFcmError = (error: unknown, nowMs = Date.now()): DeliveryOutcome => {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as FirebaseLikeError;
  const httpStatus = e.httpResponse?.status;
  const detail = (envelopeOf(e)?.message ?? e.message ?? '').slice(0, 500);
  const retryAfterMs = parseRetryAfter(e.httpResponse?.headers?.['retry-after'], nowMs);
  const base = { httpStatus, detail };
  const retry = (reason: string): DeliveryOutcome => ({
    status: 'retryable',
    reason,
    ...base,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

  switch (fcmErrorCode(e)) {
    case 'UNREGISTERED':
    case 'NOT_FOUND':
      return { status: 'unregistered', reason: 'UNREGISTERED', ...base };
    case 'INVALID_ARGUMENT':
      return isInvalidToken(e)
        ? { status: 'unregistered', reason: 'INVALID_TOKEN', ...base }
        : { status: 'permanent', reason: 'INVALID_ARGUMENT', ...base };
    // The token belongs to another Firebase project. Not retired: a wrongly uploaded service account would
    // otherwise retire every token of the app.
    case 'SENDER_ID_MISMATCH':
    case 'PERMISSION_DENIED':
      return { status: 'permanent', reason: 'SENDER_ID_MISMATCH', ...base };
    case 'THIRD_PARTY_AUTH_ERROR':
    case 'APNS_AUTH_ERROR':
      return { status: 'permanent', reason: 'THIRD_PARTY_AUTH_ERROR', ...base };
    case 'UNAUTHENTICATED':
      return { status: 'permanent', reason: 'UNAUTHENTICATED', ...base };
    case 'QUOTA_EXCEEDED':
    case 'RESOURCE_EXHAUSTED':
      return retry('QUOTA_EXCEEDED');
    case 'UNAVAILABLE':
      return retry('UNAVAILABLE');
    case 'INTERNAL':
      return retry('INTERNAL');
  }

  if (httpStatus !== undefined) {
    if (httpStatus === 429) return retry('QUOTA_EXCEEDED');
    if (httpStatus >= 500) return retry(httpStatus === 503 ? 'UNAVAILABLE' : 'INTERNAL');
    if (httpStatus === 404) return { status: 'unregistered', reason: 'UNREGISTERED', ...base };
    return { status: 'permanent', reason: httpStatus === 401 || httpStatus === 403 ? 'UNAUTHENTICATED' : `HTTP_${httpStatus}`, ...base };
  }
  switch (e.code) {
    case 'messaging/registration-token-not-registered':
      return { status: 'unregistered', reason: 'UNREGISTERED', ...base };
    case 'messaging/invalid-registration-token':
      return { status: 'unregistered', reason: 'INVALID_TOKEN', ...base };
    case 'app/network-timeout':
      return retry('TIMEOUT');
    case 'app/invalid-credential':
      return isCredentialRefusal(e) ? { status: 'permanent', reason: 'INVALID_CREDENTIALS', ...base } : retry('CREDENTIALS_UNREACHABLE');
  }
  // firebase-admin validates a message before sending it; those errors carry no response at all.
  if (e.code === 'messaging/invalid-payload' || e.code === 'messaging/invalid-argument' || e.code?.startsWith('messaging/invalid')) {
    return { status: 'permanent', reason: 'INVALID_PAYLOAD', ...base };
  }
  if (e.code === undefined || NETWORK_CODES.has(e.code)) return retry('CONNECTION_ERROR');
  return {
    status: 'permanent',
    reason: e.code
      .replace(/^[a-z]+\//, '')
      .toUpperCase()
      .replace(/-/g, '_'),
    ...base,
  };
};
