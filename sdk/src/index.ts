/** @module @switchboard/sdk: everything a plugin imports. Contracts only; the core implements them. */
export { defineEntity, p } from '@mikro-orm/core';
export { Migration } from '@mikro-orm/migrations';
/** Raw SQL fragments for migrations (Kysely's `sql` tag), e.g. a column type the schema builder does not name. */
export { sql } from 'kysely';
export { coreServices, type PluginConfig, type PluginInfo } from './core-services.js';
export {
  definePlugin,
  isPluginDefinition,
  PLUGIN_BRAND,
  type PluginDefinition,
  type PluginMigration,
  type PluginSpec,
} from './define-plugin.js';
export * from './errors.js';
export {
  type Duration,
  defineJob,
  defineWorker,
  JOB_BRAND,
  type JobContext,
  type JobDefinition,
  type JobSchedule,
  type JobSpec,
  type RetryPolicy,
  WORKER_BRAND,
  type WorkerDefinition,
  type WorkerSpec,
} from './jobs.js';
export type * from './operation-types.js';
export type { PublishOptions, PublishResult, QueueMessage, QueueService } from './queue.js';
export { createServiceRef, type DepsMap, type ServiceRef, type ServicesOf } from './service-ref.js';
export type { Database } from './services/database.js';
export type { EventBus, EventListener, PlatformEvent } from './services/event-bus.js';
export type { HttpClient, HttpRequestInit } from './services/http-client.js';
export type { LogFn, Logger } from './services/logger.js';
export type { MetricCounter, MetricGauge, MetricHistogram, MetricLabels, MetricOptions, Metrics } from './services/metrics.js';
