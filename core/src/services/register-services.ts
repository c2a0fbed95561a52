/**
 * @module Registers the core's services in the platform's DI container. Each service is a factory keyed by its
 * SDK service-ref id and resolved from the plugin's child container, so the instance is scoped to that plugin.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Logger, PluginConfig, PluginInfo } from '@switchboard/sdk';
import { coreServices } from '@switchboard/sdk';
import { type DependencyContainer, instancePerContainerCachingFactory } from 'tsyringe';
import type { QueueAdapter } from '../background/queue-adapter.js';
import { scopedQueue } from '../background/scoped-queue.js';
import type { PlatformMetrics } from '../metrics/platform-metrics.js';
import type { PlatformEventBus } from './event-bus.js';
import { createHttpClient } from './http-client.js';

/** What the core knows of the plugin a child container belongs to. */
export interface PluginScope {
  info: PluginInfo;
  config: PluginConfig;
  httpTimeoutMs: number;
}

export const PLUGIN_SCOPE = Symbol('PluginScope');

export interface CoreServiceDeps {
  log: Logger;
  events: PlatformEventBus;
  /** Null until the database is up; resolving `core.database` before then is a bug. */
  orm: () => MikroORM;
  /** The queue adapter (embedded or RabbitMQ); each plugin sees its own prefixed queues. */
  queue: () => QueueAdapter;
  /** The platform's Prometheus registry; each plugin gets metrics prefixed with its asset id. */
  metrics: PlatformMetrics;
}

/** Registers every core service factory in `root`. */
export const registerCoreServices = (root: DependencyContainer, deps: CoreServiceDeps): void => {
  const scope = (c: DependencyContainer) => c.resolve<PluginScope>(PLUGIN_SCOPE);
  const perPlugin = <T>(id: string, make: (s: PluginScope, c: DependencyContainer) => T) =>
    root.register(id, { useFactory: instancePerContainerCachingFactory((c) => make(scope(c), c)) });

  perPlugin(coreServices.logger.id, (s) => deps.log.child({ asset: s.info.id }));
  perPlugin(coreServices.plugin.id, (s) => s.info);
  perPlugin(coreServices.config.id, (s) => s.config);
  perPlugin(coreServices.events.id, (s) => deps.events.scoped(s.info.id));
  perPlugin(coreServices.http.id, (s, c) =>
    createHttpClient({ assetId: s.info.id, timeoutMs: s.httpTimeoutMs, log: c.resolve<Logger>(coreServices.logger.id) }),
  );
  // The global EntityManager resolves to the request's fork inside RequestContext (see activate-plugin.ts).
  perPlugin(coreServices.database.id, () => deps.orm().em);
  perPlugin(coreServices.queue.id, (s) => scopedQueue(s.info.id, deps.queue));
  perPlugin(coreServices.metrics.id, (s) => deps.metrics.forAsset(s.info.id));
};
