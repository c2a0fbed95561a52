/** @module Every handler of the manifest, built once from the plugin's services. */
import type { Handlers } from '@switchboard/sdk';
import type { operations } from '../generated/openapi.js';
import { catalogueHandlers } from './catalogue.js';
import { type Deps, makeCtx } from './context.js';
import { firewallHandlers } from './firewall.js';
import { instanceHandlers } from './instances.js';
import { keyPairHandlers } from './key-pairs.js';
import { operationHandlers } from './operations.js';
import { snapshotHandlers } from './snapshots.js';
import { tagHandlers } from './tags.js';

export const dpaasHandlers = (deps: Deps): Handlers<operations> => {
  const ctx = makeCtx(deps);
  return {
    ...catalogueHandlers(ctx),
    ...instanceHandlers(ctx),
    ...firewallHandlers(ctx),
    ...snapshotHandlers(ctx),
    ...keyPairHandlers(ctx),
    ...tagHandlers(ctx),
    ...operationHandlers(ctx),
  };
};
