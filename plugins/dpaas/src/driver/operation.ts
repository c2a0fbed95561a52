/**
 * @module Long operations as pollable handles: a driver starts the work and returns at once; the API layer answers
 * 202 with an operation resource and polls `getOperation(jobId)` (from any replica: the handle is plain data).
 */
import type { Template } from './catalogue.js';
import type { DriverErrorReason } from './driver-error.js';
import type { FirewallRule } from './firewall.js';
import type { Instance } from './instance.js';
import type { Snapshot } from './snapshot.js';

export type OperationStatus = 'pending' | 'succeeded' | 'failed';

/** What a finished operation produced. */
export type OperationResult =
  | { type: 'instance'; instance: Instance }
  | { type: 'template'; template: Template }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'firewall-rule'; rule: FirewallRule }
  | { type: 'none' };

export interface OperationError {
  reason: DriverErrorReason;
  /** The stable code, as `driverError` would set it. */
  code: string;
  message: string;
  providerCode?: number;
}

export interface Operation {
  /** The job to poll with `getOperation`. Operations that finish at once get one too, so callers need no special case. */
  jobId: string;
  status: OperationStatus;
  /** The resource the operation creates or acts on, when known (a new instance's id comes back at once). */
  resourceId?: string;
  /** Set once succeeded. */
  result?: OperationResult;
  /** Set once failed. */
  error?: OperationError;
}

export interface WaitOptions {
  /** Give up after this long (the job itself goes on); default 10 minutes. */
  timeoutMs?: number;
}
