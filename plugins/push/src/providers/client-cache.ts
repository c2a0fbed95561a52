/**
 * @module Keeps one provider client per credential set: connections and access tokens are expensive to set up, and
 * an app's chunks arrive one after another. Idle clients are shut down so rotated or deleted credentials do not
 * keep sockets open.
 */
import { createHash } from 'node:crypto';

export interface ClientCacheOptions<V> {
  dispose: (client: V) => Promise<void> | void;
  /** Shut a client down after this long without use. */
  idleMs?: number;
  /** Past this many clients the least recently used idle one goes. */
  maxClients?: number;
}

/** `create` threw: the credentials could not even make a client (e.g. a key that cannot sign). */
export class ClientCreationError extends Error {
  constructor(cause: unknown) {
    super(`could not create a provider client: ${String((cause as Error)?.message ?? cause)}`, { cause });
    this.name = 'ClientCreationError';
  }
}

interface Entry<V> {
  client: V;
  lastUsed: number;
  inFlight: number;
}

/** A stable key for secret material: the hash, so the secret itself is not kept as a map key. */
export const credentialKey = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/**
 * @example
 * const cache = new ClientCache<Provider>({ dispose: (p) => p.shutdown() });
 * const results = await cache.use(credentialKey(key, keyId), () => new Provider(opts), (p) => p.send(note, tokens));
 */
export class ClientCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #options: Required<ClientCacheOptions<V>>;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ClientCacheOptions<V>) {
    this.#options = { dispose: options.dispose, idleMs: options.idleMs ?? 5 * 60_000, maxClients: options.maxClients ?? 200 };
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Runs `fn` with the key's client (made by `create` on first use); the client is not disposed while `fn` runs.
   * A throwing `create` surfaces as {@link ClientCreationError}.
   */
  async use<T>(key: string, create: () => V, fn: (client: V) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (entry) entry.inFlight++;
    else {
      let client: V;
      try {
        client = create();
      } catch (e) {
        throw new ClientCreationError(e);
      }
      entry = { client, lastUsed: Date.now(), inFlight: 1 };
      this.#entries.set(key, entry);
      this.#evictOverflow();
      this.#schedule();
    }
    try {
      return await fn(entry.client);
    } finally {
      entry.inFlight--;
      entry.lastUsed = Date.now();
    }
  }

  async forget(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    await this.#options.dispose(entry.client);
  }

  /** Eviction runs from timers: a client that fails to shut down must not become an unhandled rejection. */
  #drop(key: string): void {
    this.forget(key).catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map((e) => this.#options.dispose(e.client)));
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#evictIdle(), Math.max(1000, Math.min(this.#options.idleMs, 60_000)));
    // The sweep must never keep a process alive on its own.
    this.#timer.unref();
  }

  #evictIdle(): void {
    const now = Date.now();
    for (const [key, e] of this.#entries) {
      if (e.inFlight === 0 && now - e.lastUsed >= this.#options.idleMs) this.#drop(key);
    }
    if (this.#entries.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #evictOverflow(): void {
    if (this.#entries.size <= this.#options.maxClients) return;
    const idle = [...this.#entries].filter(([, e]) => e.inFlight === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key] of idle.slice(0, this.#entries.size - this.#options.maxClients)) this.#drop(key);
  }
}
