/**
 * @module Running the snapshot policies that are due: each takes a snapshot of its instance (under the app's
 * `snapshots` limit, as last seen on its requests) and keeps its newest `retention` snapshots, deleting older ones.
 */
import { isDomainError } from '@switchboard/sdk';
import { Instance } from '../entities/instance.js';
import { Operation } from '../entities/operation.js';
import { Snapshot, type SnapshotRow } from '../entities/snapshot.js';
import { SnapshotPolicy, type SnapshotPolicyRow } from '../entities/snapshot-policy.js';
import { attach, newOperationRow, type OpsDeps, settleMany } from './operations.js';
import { storedLimits } from './quotas.js';
import { nextRunAfter } from './schedule.js';
import { defaultSnapshotName, takeSnapshot } from './take-snapshot.js';

/** Policies handled per run; the rest are still due at the next run. */
const DUE_BATCH = 200;

export interface PolicyRunSummary {
  due: number;
  taken: number;
  failed: number;
  pruned: number;
}

/** Starts deleting a snapshot; its row says `deleting` until the operation ends. */
export const startSnapshotDelete = async (deps: OpsDeps, snap: SnapshotRow): Promise<void> => {
  const { db, driver } = deps;
  const op = newOperationRow(db, { appId: snap.appId ?? null, type: 'snapshot.delete', resourceType: 'snapshot', resourceId: snap.id });
  await db.flush();
  try {
    const outcome = await driver.deleteSnapshot({ type: snap.type, id: snap.id });
    Object.assign(snap, { state: 'deleting', updatedAt: new Date() });
    await attach(deps, op, outcome);
  } catch (e) {
    await db.nativeDelete(Operation, { id: op.id });
    throw e;
  }
};

/** Deletes the policy's ready snapshots beyond its newest `retention` (ones still being made count, and wait). */
export const prune = async (deps: OpsDeps, policy: SnapshotPolicyRow): Promise<number> => {
  const kept = await deps.db.find(
    Snapshot,
    { policyId: policy.id, state: { $in: ['creating', 'ready'] } },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
  let pruned = 0;
  for (const snap of kept.slice(policy.retention)) {
    if (snap.state !== 'ready') continue;
    try {
      await startSnapshotDelete(deps, snap);
      pruned++;
    } catch (err) {
      deps.log.warn({ err, snapshotId: snap.id, policyId: policy.id }, 'could not prune a snapshot');
    }
  }
  return pruned;
};

export const runSnapshotPolicies = async (deps: OpsDeps, { now = new Date(), signal }: { now?: Date; signal?: AbortSignal } = {}) => {
  const { db, log } = deps;
  // Snapshots the last runs started are usually done by now: settle them so pruning sees them ready.
  const pending = await db.find(
    Operation,
    { status: 'pending', type: { $in: ['snapshot.create', 'snapshot.delete'] } },
    { orderBy: { seq: 'asc' }, limit: 500 },
  );
  await settleMany(deps, pending);

  const due = await db.find(SnapshotPolicy, { nextRunAt: { $lte: now } }, { orderBy: { nextRunAt: 'asc' }, limit: DUE_BATCH });
  const summary: PolicyRunSummary = { due: due.length, taken: 0, failed: 0, pruned: 0 };
  for (const policy of due) {
    if (signal?.aborted) break;
    // Advanced first: a failing instance must not make the policy due again at every run.
    Object.assign(policy, { lastRunAt: now, nextRunAt: nextRunAfter(policy, now), updatedAt: now });
    const inst = await db.findOne(Instance, { id: policy.instanceId });
    try {
      if (!inst || inst.removedAt) policy.lastError = 'INSTANCE_GONE: the instance no longer exists';
      else if (inst.state !== 'running' && inst.state !== 'stopped') policy.lastError = `INVALID_STATE: the instance was ${inst.state}`;
      else {
        await takeSnapshot(deps, {
          appId: policy.appId ?? null,
          limits: await storedLimits(db, policy.appId ?? null),
          instance: inst,
          type: policy.type,
          name: defaultSnapshotName(inst.name, now, policy.frequency),
          policyId: policy.id,
        });
        policy.lastError = null;
        summary.taken++;
      }
    } catch (e) {
      policy.lastError = (isDomainError(e) ? `${e.code}: ${e.message}` : String(e)).slice(0, 500);
    }
    if (policy.lastError) summary.failed++;
    summary.pruned += await prune(deps, policy);
    await db.flush();
  }
  if (due.length) log.info(summary, 'snapshot policies ran');
  return summary;
};
