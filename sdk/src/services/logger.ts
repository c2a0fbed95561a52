/** @module The logger contract: pino-compatible, already tagged with the asset id. */

/** Call as `log.info('message')` or `log.info({ field }, 'message')`. */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** A structured logger scoped to one plugin (every line carries `asset`) and, inside a request, to its request id. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose lines also carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}
