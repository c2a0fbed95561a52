/** @module The push asset: wiring only. Handlers, entities, the worker, the job and the migration live in their own files. */
import { coreServices, definePlugin } from '@switchboard/sdk';
import { PushChunk } from './entities/chunk.js';
import { PushCredential } from './entities/credential.js';
import { PushDevice } from './entities/device.js';
import { PushRecipient } from './entities/recipient.js';
import { PushSend } from './entities/send.js';
import { PushWebhook } from './entities/webhook.js';
import type { operations } from './generated/openapi.js';
import { pushHandlers } from './handlers/index.js';
import { releaseDueChunks } from './jobs/release-due-chunks.js';
import { CreatePushTables } from './migrations/create-push-tables.js';
import type { PushConfig } from './push-config.js';
import { closeRuntime, runtimeFor } from './runtime.js';
import { startReplicaTrace } from './sends/accept-trace.js';
import { drainAfterAccept } from './sends/after-accept.js';
import { deliverChunk } from './workers/deliver-chunk.js';
import { deliverWebhook } from './workers/deliver-webhook.js';

export type { PushConfig } from './push-config.js';

let stopTrace = () => {};

export default definePlugin<operations>()({
  manifest: new URL('../openapi.yaml', import.meta.url),
  entities: [PushCredential, PushDevice, PushSend, PushRecipient, PushChunk, PushWebhook],
  migrations: [{ name: '001-create-push-tables', class: CreatePushTables }],
  jobs: [releaseDueChunks],
  workers: [deliverChunk, deliverWebhook],
  deps: {
    db: coreServices.database,
    log: coreServices.logger,
    config: coreServices.config.as<PushConfig>(),
    queue: coreServices.queue,
  },
  handlers: pushHandlers,
  // Fails the asset's start in production without an encryption key, rather than at the first upload.
  start: ({ config, log, db }) => {
    runtimeFor(config, log);
    stopTrace = startReplicaTrace(db, log);
  },
  stop: async ({ config }) => {
    stopTrace();
    // Publishes of sends accepted just before the shutdown (their outbox is committed either way).
    await drainAfterAccept();
    await closeRuntime(config);
  },
});
