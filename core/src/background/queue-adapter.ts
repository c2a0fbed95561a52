/** @module What every queue backend implements: the embedded one (database) and RabbitMQ. */
import type { PublishOptions, PublishResult, QueueMessage, WorkerDefinition } from '@switchboard/sdk';

/** A worker ready to consume: its physical queue (`<asset id>.<name>`) and `handle` bound to the plugin's services. */
export interface RegisteredWorker {
  assetId: string;
  /** The physical queue name. */
  queue: string;
  // biome-ignore lint/suspicious/noExplicitAny: any payload and deps; `handle` below is already bound to them.
  definition: WorkerDefinition<any, any>;
  handle: (message: QueueMessage) => Promise<void>;
}

export interface DeadLetter {
  id: string;
  queue: string;
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
  reason: string;
  failedAt: Date | null;
}

export interface QueueDepth {
  queue: string;
  /** Waiting to be delivered (including delayed and retrying ones where the backend can tell). */
  ready: number;
  /** Delivered, not yet acknowledged. */
  inFlight: number;
  dead: number;
}

export interface QueueAdapter {
  readonly kind: 'embedded' | 'rabbitmq';
  /** Whether a broker connection is up now (for `/readyz`); absent for the embedded queue, which is the database. */
  connected?(): boolean;
  /** Resolves once the message is durable (committed, or confirmed by the broker). `queue` is the physical name. */
  publish(queue: string, payload: unknown, options: PublishOptions): Promise<PublishResult>;
  /** Starts consuming for these workers. */
  start(workers: RegisteredWorker[]): Promise<void>;
  /** Graceful drain: stop taking messages, let the current ones finish (up to the drain time), release the rest. */
  stop(): Promise<void>;
  depths(queues: string[]): Promise<QueueDepth[]>;
  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** Puts a dead letter back on its queue with a fresh attempt count; resolves to it, or null when there is none. */
  replay(queue: string, id: string): Promise<DeadLetter | null>;
  /** Deletes a dead letter; resolves to what it was, or null when there is none. */
  drop(queue: string, id: string): Promise<DeadLetter | null>;
}

/** The reason recorded for a failed delivery. */
export const reasonOf = (err: unknown): string => {
  const e = err as { name?: string; message?: string; code?: string };
  const text = e?.message ?? String(err);
  return (e?.code ? `${e.code}: ${text}` : text).slice(0, 2000);
};
