/** @module The root pino logger, with credentials redacted wherever they appear in a log object. */
import { type DestinationStream, type Logger, pino } from 'pino';
import { requestScope } from './request-scope.js';

/**
 * Keys that hold credentials. pino's redaction needs paths, so each key is listed at the depths we log objects at
 * (top level, one and two levels down, and inside `headers`).
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'clientSecret',
  'privateKey',
  'databaseUrl',
];

const redactPaths = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? key : `.${key}`;
  return [key, `*${dot}`, `*.*${dot}`, `headers${dot}`, `req.headers${dot}`];
});

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** Creates the root logger; plugins get children tagged with `asset`. */
export const createLogger = ({ level, destination }: LoggerOptions): Logger =>
  pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const reqId = requestScope.getStore();
        return reqId === undefined ? {} : { reqId };
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
