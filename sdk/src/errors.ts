/**
 * @module Domain errors a plugin throws. They say what went wrong, not which HTTP status it is: only the core maps
 * them to problem+json (see core/src/http/map-error.ts).
 */

/** Extra detail for a domain error. `code` is the stable machine-readable code clients match on. */
export interface DomainErrorOptions {
  code?: string;
  /** JSON-safe details shown to the caller. Never put secrets here. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The base of every error the core knows how to present. `kind` selects the HTTP mapping. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, defaultCode: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
    this.details = options.details;
  }
}

export type DomainErrorKind =
  | 'input'
  | 'not-found'
  | 'conflict'
  | 'not-allowed'
  | 'unauthenticated'
  | 'unavailable'
  | 'too-many-requests'
  | 'upstream'
  | 'upstream-timeout';

/** The request is well-formed but its content is not acceptable (beyond what the manifest's schemas check). */
export class InputError extends DomainError {
  readonly kind = 'input';
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'INVALID_INPUT', options);
  }
}

/** A named thing does not exist (or the caller may not know it exists). */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
  constructor(what: string, id?: string | number, options?: DomainErrorOptions) {
    super(id === undefined ? `${what} not found` : `${what} '${id}' not found`, 'NOT_FOUND', options);
  }
}

/** The request conflicts with the current state (duplicate, wrong state for the transition, version mismatch). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'CONFLICT', options);
  }
}

/** The caller is known but may not do this. */
export class NotAllowedError extends DomainError {
  readonly kind = 'not-allowed';
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'NOT_ALLOWED', options);
  }
}

/** The caller did not prove who they are. */
export class AuthenticationError extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'UNAUTHENTICATED', options);
  }
}

/** A dependency is down or the service is paused; the caller may retry later. */
export class ServiceUnavailableError extends DomainError {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: DomainErrorOptions & { retryAfterSeconds?: number }) {
    super(message, 'SERVICE_UNAVAILABLE', options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The caller exceeded a limit the plugin enforces itself. */
export class TooManyRequestsError extends DomainError {
  readonly kind = 'too-many-requests';
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: DomainErrorOptions & { retryAfterSeconds?: number }) {
    super(message, 'TOO_MANY_REQUESTS', options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** An upstream the plugin called answered badly or could not be reached. */
export class UpstreamError extends DomainError {
  readonly kind = 'upstream';
  readonly status?: number;
  constructor(message: string, options?: DomainErrorOptions & { status?: number }) {
    super(message, 'UPSTREAM_ERROR', options);
    this.status = options?.status;
  }
}

/** An upstream the plugin called did not answer within its deadline. */
export class UpstreamTimeoutError extends DomainError {
  readonly kind = 'upstream-timeout';
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'UPSTREAM_TIMEOUT', options);
  }
}

/** True for any SDK domain error, even one from another copy of the SDK package. */
export const isDomainError = (e: unknown): e is DomainError =>
  e instanceof DomainError ||
  (e instanceof Error && typeof (e as { kind?: unknown }).kind === 'string' && typeof (e as { code?: unknown }).code === 'string');
