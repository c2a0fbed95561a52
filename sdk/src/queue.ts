/** @module The queue contract: publish with an idempotency key; messages as a worker receives them. */

/** How a message is published. */
export interface PublishOptions {
  /**
   * Identifies the message for its whole life: publishing the same key twice to the same queue is accepted once by
   * the embedded queue, and every adapter hands it to the worker so its effects can be made idempotent.
   */
  idempotencyKey: string;
  /** Deliver no sooner than this many milliseconds from now. */
  delayMs?: number;
}

/** What `publish` resolves to once the message is durably accepted (committed, or confirmed by the broker). */
export interface PublishResult {
  /** The message id (what dead-letter listings show). */
  id: string;
  /** True when the key was already accepted on that queue and nothing new was queued. */
  duplicate: boolean;
}

/**
 * A plugin's queues. Names are the plugin's own (`'deliveries'`); the core prefixes them with the asset id, so two
 * plugins never share a queue by accident.
 *
 * @example
 * await queue.publish('deliveries', { sendId }, { idempotencyKey: `send-${sendId}` });
 */
export interface QueueService {
  publish<P>(queue: string, payload: P, options: PublishOptions): Promise<PublishResult>;
}

/** One delivery of a message to a worker. At-least-once: the same message may arrive again after a crash. */
export interface QueueMessage<P = unknown> {
  id: string;
  /** The queue name as the plugin wrote it (without the asset prefix). */
  queue: string;
  payload: P;
  idempotencyKey: string;
  /** 1 on the first delivery, then 2, 3... up to `retry.attempts`. */
  attempt: number;
  /** Aborted when the platform shuts down and the drain deadline passes. */
  signal: AbortSignal;
}
