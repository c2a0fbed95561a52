/** @module definePlugin: a plugin as data — manifest, entities, migrations, deps, handlers, lifecycle hooks. */
import type { Constructor, EntitySchema } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import type { JobDefinition, WorkerDefinition } from './jobs.js';
import type { Handlers } from './operation-types.js';
import type { DepsMap, ServicesOf } from './service-ref.js';

/** Marks a value as a plugin definition, so the core can reject a module that exports something else. */
export const PLUGIN_BRAND = 'switchboard.plugin/v1';

/** A migration the plugin ships. `name` must be stable: it is what the migrations table records. */
export interface PluginMigration {
  name: string;
  class: Constructor<Migration>;
}

/** What a plugin author writes. */
export interface PluginSpec<Ops, D extends DepsMap> {
  /** The plugin's OpenAPI 3.0/3.1 document (YAML or JSON): a `file:` URL or an absolute path. */
  manifest: URL | string;
  /** The services the plugin needs, as data; each is scoped to this plugin. */
  deps?: D;
  /** MikroORM `defineEntity` schemas; every table name must start with `<asset id>_`. */
  // biome-ignore lint/suspicious/noExplicitAny: MikroORM's schema type is generic in the entity, any entity will do.
  entities?: readonly EntitySchema<any, any>[];
  /** Migrations in the order they apply. */
  migrations?: readonly PluginMigration[];
  /** Scheduled jobs (`defineJob`); each declares its own deps. */
  // biome-ignore lint/suspicious/noExplicitAny: each job carries its own deps type.
  jobs?: readonly JobDefinition<any>[];
  /** Queue workers (`defineWorker`); each declares its own deps. */
  // biome-ignore lint/suspicious/noExplicitAny: each worker carries its own payload and deps types.
  workers?: readonly WorkerDefinition<any, any>[];
  /** Builds one handler per operationId, once, from the resolved services. */
  handlers: (services: ServicesOf<D>) => Handlers<Ops>;
  /** Runs after every plugin loaded and migrations ran, before the server listens. */
  start?: (services: ServicesOf<D>) => Promise<void> | void;
  /** Runs on shutdown after requests drained: release what `start` took. */
  stop?: (services: ServicesOf<D>) => Promise<void> | void;
  /**
   * Asked by `/readyz`: can the asset serve now? Return `true`, or a short reason why not (no secrets: the answer is
   * public). A hook that throws or takes over a second counts as not ready. Absent: ready once started.
   */
  ready?: (services: ServicesOf<D>) => Promise<true | string> | true | string;
}

/** What `definePlugin` returns and the core loads. */
export interface PluginDefinition<Ops = unknown, D extends DepsMap = DepsMap> extends PluginSpec<Ops, D> {
  readonly brand: typeof PLUGIN_BRAND;
}

/**
 * Declares a plugin typed by the operations generated from its manifest. Curried because TypeScript cannot take
 * `Ops` explicitly and still infer the deps' types: the first call fixes the operations, the second infers the rest.
 *
 * @example
 * import type { operations } from './generated/openapi.js';
 * export default definePlugin<operations>()({
 *   manifest: new URL('../openapi.yaml', import.meta.url),
 *   deps: { log: coreServices.logger },
 *   handlers: ({ log }) => ({ getNote: async ({ params }) => ({ status: 200, body: { id: params.id } }) }),
 * });
 */
export const definePlugin =
  <Ops>() =>
  <D extends DepsMap = Record<string, never>>(spec: PluginSpec<Ops, D>): PluginDefinition<Ops, D> => ({
    ...spec,
    brand: PLUGIN_BRAND,
  });

/** True when a module's export is a plugin definition. */
export const isPluginDefinition = (value: unknown): value is PluginDefinition =>
  typeof value === 'object' && value !== null && (value as { brand?: unknown }).brand === PLUGIN_BRAND;
