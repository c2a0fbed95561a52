/**
 * @module Taking a snapshot of one of an app's instances under its `snapshots` limit: for a request and for a policy
 * run alike. The operation is recorded under the app's lock, so it counts before the provider has named the snapshot.
 */
import { ConflictError } from '@switchboard/sdk';
import type { Operation as DriverOperation } from '../driver/operation.js';
import type { SnapshotType } from '../driver/snapshot.js';
import type { InstanceRow } from '../entities/instance.js';
import { Operation, type OperationRow } from '../entities/operation.js';
import { Snapshot } from '../entities/snapshot.js';
import { attach, newOperationRow, type OpsDeps } from './operations.js';
import { withinQuota } from './quotas.js';

export interface TakeSnapshot {
  appId: string | null;
  limits: Readonly<Record<string, number>>;
  instance: InstanceRow;
  type: SnapshotType;
  name?: string;
  policyId?: number;
  idempotency?: { key: string; hash: string };
}

/** `web-1-20261125T100000`: what a snapshot is called when nobody named it. */
export const defaultSnapshotName = (instanceName: string, at = new Date(), infix = '') =>
  `${instanceName}${infix ? `-${infix}` : ''}-${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;

/** Records, asks the provider, attaches; returns the operation. A refusal leaves no operation and is thrown. */
export const takeSnapshot = async (deps: OpsDeps, t: TakeSnapshot): Promise<OperationRow> => {
  const { db, driver } = deps;
  const inst = t.instance;
  if (inst.removedAt || !inst.providerId)
    throw new ConflictError(`instance '${inst.id}' is ${inst.removedAt ? 'gone' : 'still being created'}`, { code: 'INVALID_STATE' });
  const providerId = inst.providerId;
  const name = t.name ?? defaultSnapshotName(inst.name);
  const recorded = await withinQuota(
    db,
    t.appId,
    t.limits,
    { snapshots: 1 },
    (tx) =>
      newOperationRow(tx, {
        appId: t.appId,
        type: 'snapshot.create',
        resourceType: 'snapshot',
        resourceId: null,
        input: { instanceId: inst.id, type: t.type, ...(t.policyId ? { policyId: t.policyId } : {}) },
        idempotency: t.idempotency,
      }).id,
  );
  const op = await db.findOneOrFail(Operation, { id: recorded });
  let outcome: DriverOperation;
  try {
    outcome = await driver.createSnapshot({ instanceId: providerId, type: t.type, name });
  } catch (e) {
    await db.nativeDelete(Operation, { id: recorded });
    throw e;
  }
  if (outcome.resourceId) {
    const now = new Date();
    db.create(Snapshot, {
      id: outcome.resourceId,
      appId: t.appId,
      type: t.type,
      instanceId: inst.id,
      name,
      state: 'creating',
      policyId: t.policyId ?? null,
      createdAt: now,
      updatedAt: now,
    });
  }
  await attach(deps, op, outcome);
  return op;
};
