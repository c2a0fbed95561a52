/**
 * @module The CloudStack compute driver: the neutral driver over CloudStack's HTTP API, with credentials per
 * deployment from configuration.
 */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { createCloudStackCatalogue } from './cloudstack-catalogue.js';
import { type CloudStackClientOptions, createCloudStackClient } from './cloudstack-client.js';
import { type CloudStackDriverTuning, createCloudStackContext } from './cloudstack-context.js';
import { createCloudStackFirewall } from './cloudstack-firewall.js';
import { createCloudStackInstances } from './cloudstack-instances.js';
import { createCloudStackKeyPairs } from './cloudstack-key-pairs.js';
import { createCloudStackOperations } from './cloudstack-operations.js';
import { createCloudStackSnapshots } from './cloudstack-snapshots.js';
import { createCloudStackTags } from './cloudstack-tags.js';

export type CloudStackDriverOptions = CloudStackClientOptions & CloudStackDriverTuning;

/**
 * @example
 * const driver = createCloudStackDriver({ endpoint: 'https://cloud.example.com/client/api', apiKey, secretKey });
 * const op = await driver.startInstance(id);           // { jobId, status: 'pending' } → answer 202
 * const result = await driver.waitForOperation(op);    // or poll driver.getOperation(op.jobId)
 */
export const createCloudStackDriver = (options: CloudStackDriverOptions): ComputeDriver => {
  const { hypervisor, defaultOsTypeId, backoff, internalWaitMs, ...clientOptions } = options;
  const ctx = createCloudStackContext(createCloudStackClient(clientOptions), { hypervisor, defaultOsTypeId, backoff, internalWaitMs });
  const operations = createCloudStackOperations(ctx);
  const catalogue = createCloudStackCatalogue(ctx);
  const instances = createCloudStackInstances(ctx);
  return {
    name: 'cloudstack',
    ...catalogue,
    ...instances,
    ...createCloudStackFirewall(ctx),
    ...createCloudStackSnapshots(ctx, operations.volumeOwner),
    ...createCloudStackKeyPairs(ctx),
    ...createCloudStackTags(ctx, (ref) => (ref.type === 'instance' ? instances.getInstance(ref.id) : catalogue.getTemplate(ref.id))),
    getOperation: operations.getOperation,
    waitForOperation: operations.waitForOperation,
    close: async () => {},
  };
};
