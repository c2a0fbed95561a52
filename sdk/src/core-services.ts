/** @module The services every plugin may declare in `deps`. */

import type { QueueService } from './queue.js';
import { createServiceRef, type ServiceRef } from './service-ref.js';
import type { Database } from './services/database.js';
import type { EventBus } from './services/event-bus.js';
import type { HttpClient } from './services/http-client.js';
import type { Logger } from './services/logger.js';
import type { Metrics } from './services/metrics.js';

/** A plugin's configuration slice, validated against `info.x-switchboard.config` and frozen. */
export type PluginConfig = Readonly<Record<string, unknown>>;

/** Identity of the plugin a service is scoped to. */
export interface PluginInfo {
  id: string;
  title: string;
  version: string;
  basePath: string;
}

/**
 * The core's services. Each is scoped to the plugin that declares it: the logger is tagged with the asset id, the
 * config is the plugin's slice, events are prefixed with the asset id.
 *
 * @example
 * deps: { log: coreServices.logger, db: coreServices.database, config: coreServices.config.as<NotesConfig>() }
 */
export const coreServices = {
  logger: createServiceRef<Logger>('core.logger'),
  database: createServiceRef<Database>('core.database'),
  config: {
    ...createServiceRef<PluginConfig>('core.config'),
    /** The same service, typed as your config shape. */
    as: <T>(): ServiceRef<Readonly<T>> => createServiceRef<Readonly<T>>('core.config'),
  },
  http: createServiceRef<HttpClient>('core.http'),
  events: createServiceRef<EventBus>('core.events'),
  plugin: createServiceRef<PluginInfo>('core.plugin'),
  /** The plugin's queues (names prefixed with the asset id by the core). */
  queue: createServiceRef<QueueService>('core.queue'),
  /** The plugin's Prometheus metrics, served on `/metrics` (names prefixed `switchboard_<asset id>_`). */
  metrics: createServiceRef<Metrics>('core.metrics'),
} as const;
