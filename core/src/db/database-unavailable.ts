/**
 * @module Tells a lost database from a bug. While the database is down (restarting, failing over, unreachable),
 * calls that need it answer 503 `DATABASE_UNAVAILABLE` with a Retry-After at once, instead of a 500 that reads like
 * a defect; the pool reconnects by itself when the database is back.
 */

/** Driver codes of a connection that could not be made or was lost (mysql2, the mariadb connector, Node). */
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_GET_CONNECTION_TIMEOUT',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_CONNECTION_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
]);

/** Whether `err` (or an error it wraps) says the database cannot be reached now. */
export const isDatabaseUnavailable = (err: unknown): boolean => {
  let e = err as { name?: string; code?: unknown; fatal?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    // MikroORM's wrapper for connection failures; mysql2 marks connection-level errors fatal.
    if (e.name === 'ConnectionException') return true;
    if (
      typeof e.code === 'string' &&
      CONNECTION_CODES.has(e.code) &&
      (e.fatal === true || e.code.startsWith('ER_') || e.code.startsWith('PROTOCOL_') || e.code === 'SQLITE_BUSY')
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
};
