/** @module CloudStack VM states to neutral ones, and back for list filters (reference: "Mapping to a neutral model"). */
import type { InstanceState } from '../driver/instance.js';

const TO_NEUTRAL: Record<string, InstanceState> = {
  Starting: 'pending',
  Migrating: 'pending',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
  Shutdown: 'stopped',
  Expunging: 'deleting',
  Destroyed: 'deleted',
  Error: 'error',
  Unknown: 'error',
};

export const toNeutralState = (state: string): InstanceState => TO_NEUTRAL[state] ?? 'error';

/**
 * The CloudStack state to filter on for a neutral one. `listVirtualMachines` takes a single state, so `pending`
 * asks for Starting (Migrating VMs are rare and short), and `error` for Error.
 */
export const FROM_NEUTRAL: Record<InstanceState, string> = {
  pending: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  deleting: 'Expunging',
  deleted: 'Destroyed',
  error: 'Error',
};
