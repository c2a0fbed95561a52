/** @module The state-sync job: every minute, once across replicas, the platform's instances against the provider. */
import { coreServices, defineJob } from '@switchboard/sdk';
import type { DpaasConfig } from '../config.js';
import { providerFor } from '../provider.js';
import { syncInstances } from '../service/state-sync.js';

export const stateSync = defineJob({
  name: 'state-sync',
  every: '1m',
  timeout: '10m',
  scope: 'global',
  misfire: 'skip',
  deps: { db: coreServices.database, log: coreServices.logger, config: coreServices.config.as<DpaasConfig>() },
  run: async ({ signal }, { db, log, config }) => {
    await syncInstances({ db, log, driver: providerFor(config).driver }, { settleBatch: config.settleBatch ?? 500, signal });
  },
});
