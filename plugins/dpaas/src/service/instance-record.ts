/**
 * @module Keeping an instance's row in line with the provider, and its history: every visible change is an event,
 * marked `api` when it follows the app's own request and `provider` when the state-sync job found it.
 */
import type { Database } from '@switchboard/sdk';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverErrorReason } from '../driver/driver-error.js';
import type { InstanceState, Instance as ProviderInstance } from '../driver/instance.js';
import type { InstanceRow } from '../entities/instance.js';
import { InstanceEvent, type InstanceEventSource, type InstanceEventType } from '../entities/instance-event.js';

/** States that hold resources, and so count against the plan's instances, vcpus and memoryMb (as CloudStack counts). */
export const COUNTED_STATES: readonly InstanceState[] = ['pending', 'running', 'stopping', 'stopped'];

export const recordEvent = (
  db: Database,
  row: InstanceRow,
  type: InstanceEventType,
  source: InstanceEventSource,
  change: { from?: InstanceState | null; to?: InstanceState | null; detail: string },
  at = new Date(),
): void => {
  db.create(InstanceEvent, {
    instanceId: row.id,
    appId: row.appId ?? null,
    type,
    source,
    fromState: change.from ?? null,
    toState: change.to ?? null,
    detail: change.detail.slice(0, 500),
    at,
  });
};

/** Moves the row to a state the platform expects (e.g. `stopping` once a stop is accepted). */
export const setState = (
  db: Database,
  row: InstanceRow,
  state: InstanceState,
  source: InstanceEventSource,
  detail: string,
  at = new Date(),
) => {
  if (row.state === state) return;
  recordEvent(db, row, 'state-changed', source, { from: row.state, to: state, detail }, at);
  row.state = state;
  row.updatedAt = at;
};

const sameGroups = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/** Whether the provider's view differs from the row in anything the API shows (the cheap test before a write). */
export const differs = (row: InstanceRow, p: ProviderInstance): boolean =>
  Boolean(row.removedAt) ||
  row.state !== p.state ||
  row.offeringId !== p.offeringId ||
  row.vcpus !== p.vcpus ||
  row.memoryMb !== p.memoryMb ||
  (row.ipAddress ?? null) !== p.ipAddress ||
  !sameGroups(row.firewallGroupIds, p.firewallGroupIds);

/**
 * Copies what the provider says into the row. Returns whether anything the API shows changed. The caller flushes.
 */
export const applyProviderInstance = (
  db: Database,
  row: InstanceRow,
  p: ProviderInstance,
  source: InstanceEventSource,
  detail: string,
  at = new Date(),
): boolean => {
  let changed = false;
  if (row.removedAt) {
    // Listed again after we had it as gone (a provider outage hid it): it is back.
    row.removedAt = null;
    changed = true;
  }
  if (row.state !== p.state) {
    recordEvent(db, row, 'state-changed', source, { from: row.state, to: p.state, detail }, at);
    row.state = p.state;
    changed = true;
  }
  if (row.offeringId !== p.offeringId || row.vcpus !== p.vcpus || row.memoryMb !== p.memoryMb) {
    recordEvent(
      db,
      row,
      'resized',
      source,
      {
        detail: `offering ${row.offeringId} (${row.vcpus} vCPU, ${row.memoryMb} MB) → ${p.offeringId} (${p.vcpus} vCPU, ${p.memoryMb} MB)`,
      },
      at,
    );
    Object.assign(row, { offeringId: p.offeringId, vcpus: p.vcpus, memoryMb: p.memoryMb });
    changed = true;
  }
  if ((row.ipAddress ?? null) !== p.ipAddress) {
    row.ipAddress = p.ipAddress;
    changed = true;
  }
  if (!sameGroups(row.firewallGroupIds, p.firewallGroupIds)) {
    row.firewallGroupIds = [...p.firewallGroupIds].sort();
    changed = true;
  }
  if (changed) row.updatedAt = at;
  return changed;
};

/** The provider no longer has it: expunged, by the app's request or behind the platform's back. */
export const markRemoved = (db: Database, row: InstanceRow, source: InstanceEventSource, detail: string, at = new Date()): void => {
  if (row.removedAt) return;
  recordEvent(db, row, 'removed', source, { from: row.state, to: 'deleted', detail }, at);
  Object.assign(row, { state: 'deleted', removedAt: at, updatedAt: at });
};

/** Reads the instance from the provider into its row (after a failed job, or to see an expunge through). */
export const refreshFromProvider = async (
  db: Database,
  driver: ComputeDriver,
  row: InstanceRow,
  source: InstanceEventSource,
  detail: string,
): Promise<void> => {
  if (!row.providerId || row.removedAt) return;
  try {
    applyProviderInstance(db, row, await driver.getInstance(row.providerId), source, detail);
  } catch (e) {
    if (driverErrorReason(e) !== 'not-found') throw e;
    markRemoved(db, row, source, detail);
  }
};
