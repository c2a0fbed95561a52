/**
 * @module Reconciling the platform's instances with the provider: one paged listing of everything the provider has,
 * compared with the rows a batch at a time. A difference nobody asked for (a state change, a resize, an instance gone)
 * is written to the row and recorded as an event with source `provider`. Rows busy with an operation, or changed since
 * the listing began, are left to their operation: the listing may be older than they are.
 */
import type { Instance as ProviderInstance } from '../driver/instance.js';
import { Instance, type InstanceRow } from '../entities/instance.js';
import { Operation } from '../entities/operation.js';
import { applyProviderInstance, differs, markRemoved, setState } from './instance-record.js';
import { INTERRUPTED_AFTER_MS, type OpsDeps, settleMany } from './operations.js';

/** Rows read per batch: bounded memory whatever the fleet's size. */
const BATCH = 1000;
/** Finished operations are kept this long, then deleted (and their idempotency keys with them). */
export const OPERATION_RETENTION_MS = 30 * 24 * 3_600_000;

export interface SyncSummary {
  /** Pending operations refreshed first, and how many of them had ended. */
  settled: { checked: number; ended: number };
  /** Instances the provider listed. */
  providerInstances: number;
  /** Rows compared with the provider. */
  checked: number;
  /** Rows changed outside the platform (state or size). */
  changed: number;
  /** Rows whose instance the provider no longer has. */
  removed: number;
  /** Rows whose creation was interrupted, matched to the provider's instance by name. */
  adopted: number;
  /** Provider instances no row knows (made outside the platform): counted, never touched. */
  unmanaged: number;
  /** Finished operations past retention, deleted. */
  purgedOperations: number;
  durationMs: number;
  /** Where the time went: refreshing operations, listing the provider, comparing and writing rows. */
  phasesMs: { settle: number; list: number; compare: number };
}

const aborted = (signal?: AbortSignal) => {
  if (signal?.aborted) throw signal.reason ?? new Error('state sync aborted');
};

export const syncInstances = async (
  { db, driver, log }: OpsDeps,
  { settleBatch = 500, signal, now = () => new Date() }: { settleBatch?: number; signal?: AbortSignal; now?: () => Date } = {},
): Promise<SyncSummary> => {
  const t0 = performance.now();
  const started = now();
  const deps = { db, driver, log };

  const pending = await db.find(Operation, { status: 'pending' }, { orderBy: { seq: 'asc' }, limit: settleBatch });
  const ended = await settleMany(deps, pending);
  aborted(signal);
  db.clear();
  const t1 = performance.now();

  const busyRows = await db.find(Operation, { status: 'pending', resourceType: 'instance' }, { fields: ['resourceId'] });
  const busy = new Set(busyRows.map((o) => o.resourceId));
  db.clear();

  const listed = new Map<string, ProviderInstance>();
  for await (const instance of driver.iterateInstances()) {
    listed.set(instance.id, instance);
    if (listed.size % 5000 === 0) aborted(signal);
  }
  const providerInstances = listed.size;
  const t2 = performance.now();

  let checked = 0;
  let changed = 0;
  let removed = 0;
  const unnamed: InstanceRow[] = [];
  for (let after = 0; ; ) {
    aborted(signal);
    // Read without the identity map: most rows match the provider, and only the ones that change are merged into the
    // unit of work, so a flush compares a handful of entities rather than the whole batch.
    const rows = await db.find(
      Instance,
      { seq: { $gt: after }, removedAt: null },
      { orderBy: { seq: 'asc' }, limit: BATCH, disableIdentityMap: true },
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].seq;
    for (const row of rows) {
      if (busy.has(row.id) || row.updatedAt > started) {
        if (row.providerId) listed.delete(row.providerId);
        continue;
      }
      if (!row.providerId) {
        unnamed.push(row);
        continue;
      }
      checked++;
      const seen = listed.get(row.providerId);
      if (seen) {
        listed.delete(row.providerId);
        if (!differs(row, seen)) continue;
        const note = `found ${seen.providerState} at the provider (changed outside the platform)`;
        applyProviderInstance(db, db.merge(row), seen, 'provider', note, started);
        changed++;
      } else {
        // An expunge the app asked for ends here; anything else went behind the platform's back.
        const asked = row.state === 'deleting';
        const note = asked ? 'expunged as requested' : 'gone from the provider (removed outside the platform)';
        markRemoved(db, db.merge(row), asked ? 'api' : 'provider', note, started);
        removed++;
      }
    }
    await db.flush();
    db.clear();
  }

  // A creation whose provider call never came back: the provider's instance carries the row's id as its name.
  let adopted = 0;
  if (unnamed.length) {
    const byName = new Map([...listed.values()].map((i) => [i.name, i]));
    for (const row of unnamed) {
      const found = byName.get(row.id);
      const merged = db.merge(row);
      if (found) {
        listed.delete(found.id);
        merged.providerId = found.id;
        applyProviderInstance(db, merged, found, 'provider', 'creation completed at the provider after an interruption', started);
        adopted++;
      } else if (started.getTime() - merged.createdAt.getTime() > INTERRUPTED_AFTER_MS && merged.state !== 'error') {
        setState(db, merged, 'error', 'api', 'creation was interrupted before the provider answered', started);
      }
    }
    await db.flush();
    db.clear();
  }

  const purgedOperations = await db.nativeDelete(Operation, {
    status: { $ne: 'pending' },
    completedAt: { $lt: new Date(started.getTime() - OPERATION_RETENTION_MS) },
  });

  const summary: SyncSummary = {
    settled: { checked: pending.length, ended },
    providerInstances,
    checked,
    changed,
    removed,
    adopted,
    unmanaged: listed.size,
    purgedOperations,
    durationMs: Math.round(performance.now() - t0),
    phasesMs: { settle: Math.round(t1 - t0), list: Math.round(t2 - t1), compare: Math.round(performance.now() - t2) },
  };
  log.info(summary, 'state sync done');
  return summary;
};
