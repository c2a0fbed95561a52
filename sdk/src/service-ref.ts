/** @module Service references: typed, data-only handles a plugin names in `deps` and the core resolves. */

/**
 * A reference to a service the core provides. It carries the service's type only at compile time; at run time it
 * is just an id the core looks up in the plugin's own DI container.
 *
 * @example
 * const deps = { log: coreServices.logger, db: coreServices.database };
 */
export interface ServiceRef<T> {
  readonly id: string;
  /** Phantom field: never set, only there so `T` survives in the type. */
  readonly $type?: T;
}

/** Creates a service reference. Core service ids start with `core.`. */
export const createServiceRef = <T>(id: string): ServiceRef<T> => ({ id });

/** Deps as a plugin declares them: a name → service reference map. */
export type DepsMap = Record<string, ServiceRef<unknown>>;

/** The resolved services a plugin receives for the deps it declared. */
export type ServicesOf<D extends DepsMap> = { [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : never };
