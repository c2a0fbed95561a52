/** @module All push handlers, built once from the plugin's services. */
import type { Database, Handlers, Logger, QueueService } from '@switchboard/sdk';
import type { operations } from '../generated/openapi.js';
import type { PushConfig } from '../push-config.js';
import { runtimeFor } from '../runtime.js';
import { credentialHandlers } from './credential-handlers.js';
import { deviceHandlers } from './device-handlers.js';
import { sendHandlers } from './send-handlers.js';
import { webhookHandlers } from './webhook-handlers.js';

export interface PushDeps {
  db: Database;
  log: Logger;
  config: Readonly<PushConfig>;
  queue: QueueService;
}

export const pushHandlers = ({ db, log, config, queue }: PushDeps): Handlers<operations> => ({
  ...credentialHandlers(db, log, () => runtimeFor(config, log)),
  ...deviceHandlers(db),
  ...sendHandlers(db, log, queue, config),
  ...webhookHandlers(db, () => runtimeFor(config, log)),
});
