/** @module The simulator's in-memory provider state, and what its parts share. */
import type { Template } from '../driver/catalogue.js';
import { driverError, notFound } from '../driver/driver-error.js';
import type { FirewallGroup } from '../driver/firewall.js';
import type { Instance } from '../driver/instance.js';
import type { Snapshot } from '../driver/snapshot.js';
import type { SimulatorJobs } from './simulator-jobs.js';

export interface SimulatorFailures {
  /** Share (0–1) of instance creations that fail for lack of capacity. */
  capacityErrorRate?: number;
  /** Zones (by id or name) where every creation fails for lack of capacity, to rehearse a zone outage. */
  failingZones?: string[];
}

export interface SimulatorLimits {
  /** Most instances the account may have that are not deleted or in error; null for no limit. */
  instances?: number | null;
}

export interface SimInstance extends Instance {
  rootVolumeId: string;
  /** Set by each destroy (without expunge): the expunge due `expungeDelayMs` later runs only if it is still the last. */
  expungeToken?: number;
}

export interface SimTemplate extends Template {
  /** Made by this account (deletable), rather than provided. */
  own: boolean;
  tags: Record<string, string>;
}

export interface SimState {
  instances: Map<string, SimInstance>;
  templates: Map<string, SimTemplate>;
  groups: Map<string, FirewallGroup>;
  snapshots: Map<string, Snapshot>;
  keyPairs: Map<string, { name: string; fingerprint: string }>;
  failures: SimulatorFailures;
  limits: SimulatorLimits;
  nextIp: number;
  /** How long a destroyed instance stays recoverable before the simulator expunges it, ms. */
  expungeDelayMs: number;
}

export interface SimContext {
  state: SimState;
  jobs: SimulatorJobs;
  random: () => number;
  /** The live record, or not-found. */
  instance(id: string): SimInstance;
  /** A copy for the caller, without the simulator's bookkeeping. */
  view(instance: SimInstance): Instance;
}

export const createSimContext = (state: SimState, jobs: SimulatorJobs, random: () => number): SimContext => ({
  state,
  jobs,
  random,
  instance: (id) => {
    const found = state.instances.get(id);
    if (!found) throw notFound('instance', id, { provider: 'simulator' });
    return found;
  },
  view: ({ rootVolumeId: _, expungeToken: __, ...instance }) => structuredClone(instance),
});

export const wrongState = (instance: Instance, action: string, needs: string) =>
  driverError('invalid-state', `instance '${instance.id}' is ${instance.state}; ${action} needs it ${needs}`);
