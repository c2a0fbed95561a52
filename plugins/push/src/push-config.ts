/** @module The push asset's config slice, as `info.x-switchboard.config` declares it (defaults applied by the core). */
import type { LoopbackEndpoint } from './providers/index.js';

export interface PushConfig {
  encryptionKey?: string;
  simulator: 'auto' | 'always' | 'never';
  chunkSize: number;
  /** Devices per INSERT … SELECT of a recipient snapshot. */
  snapshotBatchSize: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  fcmEndpoint?: LoopbackEndpoint;
  apnsEndpoint?: LoopbackEndpoint;
}
