/**
 * @module The dPaaS asset: VM instances as a service on CloudStack or the simulator. Wiring only: the manifest, the
 * tables, the two jobs, and the handlers.
 */
import { coreServices, definePlugin } from '@switchboard/sdk';
import type { DpaasConfig } from './config.js';
import { AppAccount } from './entities/app-account.js';
import { FirewallGroup } from './entities/firewall-group.js';
import { Instance } from './entities/instance.js';
import { InstanceEvent } from './entities/instance-event.js';
import { KeyPair } from './entities/key-pair.js';
import { Operation } from './entities/operation.js';
import { Snapshot } from './entities/snapshot.js';
import { SnapshotPolicy } from './entities/snapshot-policy.js';
import { Tag } from './entities/tag.js';
import { Template } from './entities/template.js';
import type { operations } from './generated/openapi.js';
import { dpaasHandlers } from './handlers/index.js';
import { snapshotPolicies } from './jobs/snapshot-policies.js';
import { stateSync } from './jobs/state-sync.js';
import { CreateDpaasTables } from './migrations/create-dpaas-tables.js';
import { closeProvider, providerFor } from './provider.js';

export type { DpaasConfig } from './config.js';

export default definePlugin<operations>()({
  manifest: new URL('../openapi.yaml', import.meta.url),
  entities: [AppAccount, Instance, InstanceEvent, Operation, Snapshot, SnapshotPolicy, Template, FirewallGroup, KeyPair, Tag],
  migrations: [{ name: '001-create-tables', class: CreateDpaasTables }],
  jobs: [stateSync, snapshotPolicies],
  deps: {
    db: coreServices.database,
    log: coreServices.logger,
    config: coreServices.config.as<DpaasConfig>(),
    plugin: coreServices.plugin,
    metrics: coreServices.metrics,
  },
  handlers: dpaasHandlers,
  start: ({ config, log, metrics }) => {
    // Never the credentials: the endpoint is enough to tell deployments apart.
    const { driver } = providerFor(config, metrics);
    log.info(
      { driver: driver.name, endpoint: config.driver === 'cloudstack' ? config.cloudstack?.endpoint : undefined },
      'dpaas driver ready',
    );
  },
  stop: ({ config }) => closeProvider(config),
});
