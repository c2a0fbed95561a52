/** @module The event bus contract: in-process domain events between plugins and the core. */

/** One delivered event. `type` is fully qualified: `<asset id>.<name>`. */
export interface PlatformEvent<T = unknown> {
  type: string;
  payload: T;
  /** The asset that emitted it. */
  source: string;
  at: Date;
}

export type EventListener<T = unknown> = (event: PlatformEvent<T>) => void | Promise<void>;

/**
 * Events a plugin emits are named `<asset id>.<name>` automatically; a plugin listens by full name, so it can
 * follow another asset's events. A listener that throws is logged and never breaks the emitter.
 */
export interface EventBus {
  /** Emits `<asset id>.<name>` and resolves when every listener has run. */
  emit<T>(name: string, payload: T): Promise<void>;
  /** Subscribes to a fully qualified type (`notes.note.created`) or `*`; returns the unsubscribe function. */
  on<T = unknown>(type: string, listener: EventListener<T>): () => void;
}
