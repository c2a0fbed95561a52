/** Classification of what the client libraries report when the provider never answered (or answered oddly). */
import { describe, expect, it } from 'vitest';
import { classifyApnsFailure } from '../../plugins/push/src/providers/classify-apns-failure.js';
import { classifyFcmError } from '../../plugins/push/src/providers/classify-fcm-error.js';
import { parseRetryAfter } from '../../plugins/push/src/providers/parse-retry-after.js';

describe('classifyFcmError', () => {
  it('treats network errors and timeouts as retryable', () => {
    expect(classifyFcmError({ code: 'app/network-error', message: 'socket hang up' })).toMatchObject({
      status: 'retryable',
      reason: 'CONNECTION_ERROR',
    });
    expect(classifyFcmError({ code: 'app/network-timeout', message: 'timeout of 15000ms exceeded' })).toMatchObject({
      status: 'retryable',
      reason: 'TIMEOUT',
    });
    expect(classifyFcmError({ code: 'messaging/unknown-error', message: 'Stream failure. Session failures: GOAWAY' })).toMatchObject({
      status: 'retryable',
    });
  });

  it('separates an unreachable token endpoint from a refused grant', () => {
    expect(
      classifyFcmError({
        code: 'app/invalid-credential',
        message: 'failed to fetch a valid Google OAuth2 access token: connect ECONNREFUSED 127.0.0.1:40301',
      }),
    ).toMatchObject({
      status: 'retryable',
      reason: 'CREDENTIALS_UNREACHABLE',
    });
    expect(classifyFcmError({ code: 'app/invalid-credential', message: 'invalid_grant: Invalid JWT Signature.' })).toMatchObject({
      status: 'permanent',
      reason: 'INVALID_CREDENTIALS',
    });
  });

  it('treats firebase-admin refusing a message before sending it as permanent', () => {
    expect(classifyFcmError({ code: 'messaging/invalid-payload', message: 'data must only contain string values' })).toMatchObject({
      status: 'permanent',
      reason: 'INVALID_PAYLOAD',
    });
  });

  it('falls back on the HTTP status when the body is not FCM JSON', () => {
    expect(
      classifyFcmError({ code: 'messaging/unknown-error', httpResponse: { status: 502, headers: { 'retry-after': '3' }, data: '<html>' } }),
    ).toMatchObject({
      status: 'retryable',
      retryAfterMs: 3000,
    });
    expect(
      classifyFcmError({ code: 'messaging/authentication-error', httpResponse: { status: 401, headers: {}, data: 'no' } }),
    ).toMatchObject({ status: 'permanent', reason: 'UNAUTHENTICATED' });
  });
});

describe('classifyApnsFailure', () => {
  it('treats a timeout, a broken session and a swallowed answer as retryable', () => {
    expect(classifyApnsFailure({ device: 'd', error: new Error('apn write timeout') })).toMatchObject({
      status: 'retryable',
      reason: 'TIMEOUT',
    });
    expect(classifyApnsFailure({ device: 'd', error: new Error('client session is either closed or destroyed') })).toMatchObject({
      status: 'retryable',
      reason: 'CONNECTION_ERROR',
    });
    expect(classifyApnsFailure({ device: 'd', status: 500, error: new Error('Error 500, stream ended unexpectedly') })).toMatchObject({
      status: 'retryable',
      httpStatus: 500,
    });
  });

  it('keeps a 410 without a usable timestamp unregistered, without unregisteredAtMs', () => {
    const result = classifyApnsFailure({ device: 'd', status: 410, response: { reason: 'ExpiredToken' } });
    expect(result).toEqual({ status: 'unregistered', reason: 'ExpiredToken', httpStatus: 410, detail: 'ExpiredToken' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(['5'], now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
