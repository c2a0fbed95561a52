/** @module The queue contract: publish with an idempotency key; messages as a worker receives them. */

/** How a message is published. */
export interface PublishOptions {
  /**
   * Identifies the message for its whole life. Publishing the same key again to the same queue queues nothing:
   * `publish` resolves `duplicate: true` with the first message's id — on every adapter, for as long as the key is
   * remembered (7 days: after the message was handled on the embedded queue, after it was published on RabbitMQ).
   * The worker receives the key too, so its effects can be made idempotent: delivery is at least once, and a publish
   * that failed (broker unreachable, no confirm) may have reached the queue before its caller retried it.
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
