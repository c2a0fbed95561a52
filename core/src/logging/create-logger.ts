/** @module The root pino logger, with credentials redacted wherever they appear in a log object. */
import { type DestinationStream, type Logger, pino } from 'pino';
import { censorSecrets } from './censor-secrets.js';
import { requestScope } from './request-scope.js';

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
      formatters: { log: censorSecrets },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const reqId = requestScope.getStore();
        return reqId === undefined ? {} : { reqId };
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
