/** @module The in-process event bus; each plugin gets a view that prefixes what it emits with its asset id. */
import type { EventBus, EventListener, Logger, PlatformEvent } from '@switchboard/sdk';

/** The platform-wide bus. Listeners run in subscription order; one that throws is logged and skipped. */
export class PlatformEventBus {
  private readonly listeners = new Map<string, Set<EventListener>>();

  constructor(private readonly log: Logger) {}

  async publish(event: PlatformEvent): Promise<void> {
    const targets = [...(this.listeners.get(event.type) ?? []), ...(this.listeners.get('*') ?? [])];
    for (const listener of targets) {
      try {
        await listener(event);
      } catch (err) {
        this.log.error({ err, event: event.type, source: event.source }, 'event listener failed');
      }
    }
  }

  subscribe(type: string, listener: EventListener): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The view one plugin receives. */
  scoped(assetId: string): EventBus {
    return {
      emit: (name, payload) => this.publish({ type: `${assetId}.${name}`, payload, source: assetId, at: new Date() }),
      on: (type, listener) => this.subscribe(type, listener as EventListener),
    };
  }
}
