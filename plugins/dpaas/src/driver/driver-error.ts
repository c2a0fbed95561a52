/**
 * @module Provider errors in neutral terms: every driver throws SDK domain errors (so the core maps them to HTTP)
 * carrying a `reason` that says what went wrong at the provider, the same for every driver.
 */
import {
  ConflictError,
  type DomainError,
  InputError,
  isDomainError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@switchboard/sdk';

export type DriverErrorReason =
  /** The resource is in the wrong state for the transition (reboot a stopped instance). → 409 */
  | 'invalid-state'
  /** A name is taken (key pair, firewall group). → 409 */
  | 'already-exists'
  /** Still used by something else. → 409 */
  | 'in-use'
  /** A parameter is missing, malformed or refers to nothing. → 400 */
  | 'bad-parameter'
  /** The provider does not support this action here. → 400 */
  | 'unsupported'
  /** The resource the call is about does not exist. → 404 */
  | 'not-found'
  /** The provider account's resource limit is reached. → 403 */
  | 'limit'
  /** The provider's API rate limit is reached. → 429 */
  | 'rate-limit'
  /** The provider account may not do this. → 403 */
  | 'not-permitted'
  /** The provider has no room (no host fits). → 503 */
  | 'capacity'
  /** The provider or a resource it needs is unavailable for now. → 503 */
  | 'unavailable'
  /** The provider refused the platform's credentials: a configuration problem, not the caller's. → 502 */
  | 'auth'
  /** The provider did not answer, or a job did not finish, in time. → 504 */
  | 'timeout'
  /** Anything else the provider got wrong. → 502 */
  | 'provider';

/** The stable `code` of each reason, as clients see it in problem+json. */
export const DRIVER_ERROR_CODES: Record<DriverErrorReason, string> = {
  'invalid-state': 'INVALID_STATE',
  'already-exists': 'ALREADY_EXISTS',
  'in-use': 'RESOURCE_IN_USE',
  'bad-parameter': 'INVALID_PARAMETER',
  unsupported: 'UNSUPPORTED_OPERATION',
  'not-found': 'NOT_FOUND',
  limit: 'PROVIDER_LIMIT_EXCEEDED',
  'rate-limit': 'PROVIDER_RATE_LIMITED',
  'not-permitted': 'PROVIDER_NOT_PERMITTED',
  capacity: 'INSUFFICIENT_CAPACITY',
  unavailable: 'PROVIDER_UNAVAILABLE',
  auth: 'PROVIDER_AUTH_FAILED',
  timeout: 'PROVIDER_TIMEOUT',
  provider: 'PROVIDER_ERROR',
};

/** Details every driver error carries. Never a credential. */
export interface DriverErrorDetails extends Record<string, unknown> {
  reason: DriverErrorReason;
  provider?: string;
  /** The provider's own error code (CloudStack's `errorcode`), for operators. */
  providerCode?: number;
  jobId?: string;
}

/**
 * Builds the SDK domain error for a reason, so the core's one mapping turns it into the right status.
 * @example throw driverError('invalid-state', "instance 'i-1' is stopped; reboot needs it running")
 */
export const driverError = (
  reason: DriverErrorReason,
  message: string,
  extra: Omit<DriverErrorDetails, 'reason'> = {},
  cause?: unknown,
): DomainError => {
  const options = { code: DRIVER_ERROR_CODES[reason], details: { reason, ...extra }, cause };
  switch (reason) {
    case 'invalid-state':
    case 'already-exists':
    case 'in-use':
      return new ConflictError(message, options);
    case 'bad-parameter':
    case 'unsupported':
      return new InputError(message, options);
    case 'not-found': {
      const err = new NotFoundError('resource', undefined, options);
      err.message = message;
      return err;
    }
    case 'limit':
    case 'not-permitted':
      return new NotAllowedError(message, options);
    case 'rate-limit':
      return new TooManyRequestsError(message, { ...options, retryAfterSeconds: 1 });
    case 'capacity':
    case 'unavailable':
      return new ServiceUnavailableError(message, { ...options, retryAfterSeconds: 30 });
    case 'timeout':
      return new UpstreamTimeoutError(message, options);
    case 'auth':
    case 'provider':
      return new UpstreamError(message, options);
  }
};

/** The reason of a driver error, or undefined for anything else. */
export const driverErrorReason = (e: unknown): DriverErrorReason | undefined => {
  if (!isDomainError(e)) return undefined;
  const reason = e.details?.reason;
  return typeof reason === 'string' && reason in DRIVER_ERROR_CODES ? (reason as DriverErrorReason) : undefined;
};

/** Shorthand for the common not-found. */
export const notFound = (what: string, id: string, extra: Omit<DriverErrorDetails, 'reason'> = {}): DomainError =>
  driverError('not-found', `${what} '${id}' not found`, extra);
