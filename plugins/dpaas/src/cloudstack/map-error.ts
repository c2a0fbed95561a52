/**
 * @module CloudStack error codes (ApiErrorCode.java) to neutral driver errors. Some codes are too broad on their own
 * (530 "internal error" also covers wrong-state refusals), so the wording decides between neighbours.
 */
import type { DomainError } from '@switchboard/sdk';
import { type DriverErrorReason, driverError } from '../driver/driver-error.js';
import { CloudStackApiError } from './cloudstack-api-error.js';

/** Phrases CloudStack uses when the resource is in the wrong state for the action. */
const WRONG_STATE = /\bstate\b|already running|not running|is not in|must be stopped|stop the (?:vm|instance)|please destroy/i;
const TAKEN = /already exists|already in use|duplicate/i;
/** How dispatch reports an id that resolves to nothing (ParamProcessWorker). */
const UNKNOWN_ENTITY = /Invalid parameter (\w+) value=.*entity does not exist/i;

/** The resource a call is about, so an unknown id in its own parameter reads as not-found rather than bad input. */
export interface CallSubject {
  what: string;
  id: string;
  /** The parameter carrying the id (default `id`). */
  param?: string;
}

export const reasonForCode = (code: number, text: string): DriverErrorReason => {
  switch (code) {
    case 401:
      return 'auth';
    case 429:
      return 'rate-limit';
    case 430:
    case 431:
      return WRONG_STATE.test(text) ? 'invalid-state' : TAKEN.test(text) ? 'already-exists' : 'bad-parameter';
    case 432:
      return 'unsupported';
    case 530:
      return WRONG_STATE.test(text) ? 'invalid-state' : 'provider';
    case 531:
      return 'not-permitted';
    case 532:
    case 535:
      return 'limit';
    case 533:
      return 'capacity';
    case 534:
      return 'unavailable';
    case 536:
      return 'in-use';
    case 537:
      return 'already-exists';
    default:
      return code >= 400 && code < 500 ? 'bad-parameter' : 'provider';
  }
};

/** A CloudStack failure as a neutral error; anything else passes through untouched. */
export const mapCloudStackError = (e: unknown, subject?: CallSubject): unknown => {
  if (!(e instanceof CloudStackApiError)) return e;
  const unknown = UNKNOWN_ENTITY.exec(e.errorText);
  if (subject && unknown && unknown[1].toLowerCase() === (subject.param ?? 'id'))
    return driverError('not-found', `${subject.what} '${subject.id}' not found`, { provider: 'cloudstack', providerCode: e.errorCode }, e);
  return toDriverError(e.command, e.errorCode, e.errorText, e);
};

export const toDriverError = (command: string, code: number, text: string, cause?: unknown): DomainError => {
  const reason = reasonForCode(code, text);
  // Auth failures are the platform's configuration, not the caller's: say so without echoing any credential.
  const message = reason === 'auth' ? `CloudStack refused the platform's API credentials (${command})` : text;
  return driverError(reason, message, { provider: 'cloudstack', providerCode: code }, cause);
};
