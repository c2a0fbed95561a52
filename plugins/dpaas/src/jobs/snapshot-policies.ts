/** @module The snapshot-policy job: every minute, once across replicas, takes the due snapshots and prunes old ones. */
import { coreServices, defineJob } from '@switchboard/sdk';
import type { DpaasConfig } from '../config.js';
import { providerFor } from '../provider.js';
import { runSnapshotPolicies } from '../service/snapshot-policies.js';

export const snapshotPolicies = defineJob({
  name: 'snapshot-policies',
  every: '1m',
  timeout: '10m',
  scope: 'global',
  misfire: 'skip',
  deps: { db: coreServices.database, log: coreServices.logger, config: coreServices.config.as<DpaasConfig>() },
  run: async ({ signal }, { db, log, config }) => {
    await runSnapshotPolicies({ db, log, driver: providerFor(config).driver }, { now: new Date(), signal });
  },
});
