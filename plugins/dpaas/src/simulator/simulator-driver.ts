/**
 * @module The simulator compute driver, the embedded default: the CloudStack driver's behaviour (state machine,
 * idempotent no-ops, conflicts, async operations) over in-memory state, with realistic delays and failure injection.
 * State lives in this process only: a restart starts from an empty account.
 */
import type { ComputeDriver } from '../driver/compute-driver.js';
import type { InstanceState } from '../driver/instance.js';
import { type Backoff, pollOperation } from '../driver/poll-operation.js';
import { SIMULATOR_TEMPLATES } from './simulator-catalogue.js';
import { createSimulatorFirewall, defaultFirewallGroup } from './simulator-firewall.js';
import { createSimulatorInstances, setState } from './simulator-instances.js';
import { createSimulatorJobs } from './simulator-jobs.js';
import { createSimulatorKeyPairs } from './simulator-key-pairs.js';
import { createSimulatorSnapshots } from './simulator-snapshots.js';
import { createSimContext, type SimState, type SimulatorFailures, type SimulatorLimits } from './simulator-state.js';
import { createSimulatorTags } from './simulator-tags.js';
import { createSimulatorTemplates } from './simulator-templates.js';

export type { SimulatorFailures, SimulatorLimits } from './simulator-state.js';

export interface SimulatorOptions {
  /** How long async operations take, uniformly between the two (default 500–2000 ms, like a small CloudStack). */
  delays?: { minMs: number; maxMs: number };
  failures?: SimulatorFailures;
  limits?: SimulatorLimits;
  /** Polling of `waitForOperation` (default 100 ms growing ×1.5 to 1 s). */
  backoff?: Backoff;
  /** For reproducible failure injection. */
  random?: () => number;
  /**
   * How long a destroyed (not expunged) instance stays recoverable before the simulator expunges it, ms; default one
   * day, CloudStack's `expunge.delay`.
   */
  expungeDelayMs?: number;
  /** How long a finished job stays readable with `getOperation`, ms (default 5 minutes), and how many at most (10,000). */
  jobRetentionMs?: number;
  maxFinishedJobs?: number;
}

export const DEFAULT_EXPUNGE_DELAY_MS = 86_400_000;

/** Knobs for tests, demos and operators: what a provider's admin could do behind the platform's back. */
export interface SimulatorControl {
  setFailures(failures: SimulatorFailures): void;
  setLimits(limits: SimulatorLimits): void;
  /** Out-of-band: the instance changes state without the platform asking (for the state-sync job). */
  setInstanceState(id: string, state: InstanceState): void;
  /** Out-of-band: the instance disappears. */
  removeInstance(id: string): void;
  /** What the simulator holds in memory: instances, jobs pending and finished, timers (to show they stay bounded). */
  sizes(): { instances: number; pendingJobs: number; finishedJobs: number; timers: number; snapshots: number };
}

export interface SimulatorDriver extends ComputeDriver {
  readonly control: SimulatorControl;
}

/**
 * @example
 * const driver = createSimulatorDriver({ delays: { minMs: 5, maxMs: 20 } });
 * const op = await driver.createInstance({ name: 'web-1', zoneId, offeringId, templateId });
 * const { instance } = (await driver.waitForOperation(op)) as { type: 'instance'; instance: Instance };
 */
export const createSimulatorDriver = ({
  delays = { minMs: 500, maxMs: 2000 },
  failures = {},
  limits = {},
  backoff = { initialMs: Math.max(10, delays.minMs / 2), maxMs: 1000, factor: 1.5 },
  random = Math.random,
  expungeDelayMs = DEFAULT_EXPUNGE_DELAY_MS,
  jobRetentionMs,
  maxFinishedJobs,
}: SimulatorOptions = {}): SimulatorDriver => {
  const state: SimState = {
    instances: new Map(),
    templates: new Map(SIMULATOR_TEMPLATES.map((t) => [t.id, { ...t, own: false, tags: {} }])),
    groups: new Map(),
    snapshots: new Map(),
    keyPairs: new Map(),
    failures: { ...failures },
    limits: { ...limits },
    nextIp: 10,
    expungeDelayMs,
  };
  const group = defaultFirewallGroup();
  state.groups.set(group.id, group);
  const jobs = createSimulatorJobs(() => delays.minMs + random() * Math.max(0, delays.maxMs - delays.minMs), {
    retentionMs: jobRetentionMs,
    maxFinished: maxFinishedJobs,
  });
  const ctx = createSimContext(state, jobs, random);

  const getOperation = async (jobId: string) => jobs.get(jobId);
  return {
    name: 'simulator',
    ...createSimulatorTemplates(ctx),
    ...createSimulatorInstances(ctx),
    ...createSimulatorFirewall(ctx),
    ...createSimulatorSnapshots(ctx),
    ...createSimulatorKeyPairs(ctx),
    ...createSimulatorTags(ctx),
    getOperation,
    waitForOperation: async (operation, { timeoutMs } = {}) =>
      pollOperation(typeof operation === 'string' ? jobs.get(operation) : operation, getOperation, { timeoutMs, backoff }),
    close: async () => jobs.close(),
    control: {
      setFailures: (f) => {
        state.failures = { ...f };
      },
      setLimits: (l) => {
        state.limits = { ...l };
      },
      setInstanceState: (id, s) => {
        setState(ctx.instance(id), s);
      },
      removeInstance: (id) => {
        ctx.instance(id);
        state.instances.delete(id);
      },
      sizes: () => {
        const j = jobs.size();
        return {
          instances: state.instances.size,
          pendingJobs: j.pending,
          finishedJobs: j.finished,
          timers: j.timers,
          snapshots: state.snapshots.size,
        };
      },
    },
  };
};
