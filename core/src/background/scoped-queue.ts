/** @module The queue service a plugin receives: its own queue names, prefixed with its asset id. */
import type { QueueService } from '@switchboard/sdk';
import { InputError } from '@switchboard/sdk';
import type { QueueAdapter } from './queue-adapter.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** `<asset id>.<name>`; throws on a name that could escape the prefix or break broker naming. */
export const physicalQueue = (assetId: string, name: string): string => {
  if (!NAME.test(name) || name.includes('..')) {
    throw new InputError(`invalid queue name '${name}': use letters, digits, '.', '_' or '-' (at most 100)`, {
      code: 'INVALID_QUEUE_NAME',
    });
  }
  return `${assetId}.${name}`;
};

export const scopedQueue = (assetId: string, adapter: () => QueueAdapter): QueueService => ({
  publish: (queue, payload, options) => adapter().publish(physicalQueue(assetId, queue), payload, options),
});
