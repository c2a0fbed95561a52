/**
 * @module Operations: recorded before the provider is called (so a crash leaves a trace and an idempotency key is
 * claimed first), attached to the provider's job, and settled — refreshed from the driver until they end, then their
 * effect applied once. Settling can happen on any replica, from a poll, a read or the state-sync job: a conditional
 * update (`status = pending`) decides which one applies the effect.
 */
import type { Database, Logger } from '@switchboard/sdk';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { DRIVER_ERROR_CODES, driverErrorReason } from '../driver/driver-error.js';
import type { Operation as DriverOperation } from '../driver/operation.js';
import { Operation, type OperationRow, type OperationType, type ResourceType } from '../entities/operation.js';
import { applyEffect } from './effects.js';
import { newOperationId } from './ids.js';

/** A row whose provider call never returned (the process died mid-call) is given up after this long. */
export const INTERRUPTED_AFTER_MS = 5 * 60_000;

export interface OpsDeps {
  db: Database;
  driver: ComputeDriver;
  log: Logger;
}

export interface NewOperation {
  appId: string | null;
  type: OperationType;
  resourceType: ResourceType;
  resourceId: string | null;
  input?: Record<string, unknown>;
  idempotency?: { key: string; hash: string };
}

/** A new pending operation in `db`'s unit of work (flushed by the caller). */
export const newOperationRow = (db: Database, o: NewOperation): OperationRow => {
  const now = new Date();
  return db.create(Operation, {
    id: newOperationId(),
    appId: o.appId,
    type: o.type,
    status: 'pending',
    jobId: null,
    resourceType: o.resourceType,
    resourceId: o.resourceId,
    input: o.input ?? null,
    idempotencyKey: o.idempotency?.key ?? null,
    requestHash: o.idempotency?.hash ?? null,
    errorCode: null,
    errorReason: null,
    errorMessage: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
  });
};

/** Ends the operation with this outcome, if nobody ended it first; only the one that ends it applies the effect. */
const finish = async (deps: OpsDeps, row: OperationRow, outcome: DriverOperation): Promise<void> => {
  const { db } = deps;
  const now = new Date();
  const failed = outcome.status === 'failed';
  const change = {
    status: outcome.status,
    errorCode: failed ? (outcome.error?.code ?? 'PROVIDER_ERROR') : null,
    errorReason: failed ? (outcome.error?.reason ?? 'provider') : null,
    errorMessage: failed ? (outcome.error?.message ?? 'the operation failed').slice(0, 1000) : null,
    completedAt: now,
    updatedAt: now,
  };
  const claimed = await db.nativeUpdate(Operation, { id: row.id, status: 'pending' }, change);
  if (claimed !== 1) {
    await db.refresh(row);
    return;
  }
  // The row object stands for the database row again; flushing it later writes nothing new.
  Object.assign(row, change);
  try {
    await applyEffect(deps, row, outcome);
  } catch (err) {
    // The outcome is recorded; the resource row catches up at the next read or sync.
    deps.log.warn({ err, operationId: row.id, type: row.type }, 'applying an operation’s effect failed');
  }
};

/** Records the provider's job on the row; an operation the provider finished at once is ended now. */
export const attach = async (deps: OpsDeps, row: OperationRow, outcome: DriverOperation): Promise<void> => {
  row.jobId = outcome.jobId;
  // Instances keep the platform's id; everything else is named by the provider.
  if (!row.resourceId && outcome.resourceId && row.resourceType !== 'instance') row.resourceId = outcome.resourceId;
  row.updatedAt = new Date();
  await deps.db.flush();
  if (outcome.status !== 'pending') await finish(deps, row, outcome);
};

/** Refreshes a pending operation from the provider; ends it when the provider's job ended. */
export const settle = async (deps: OpsDeps, row: OperationRow): Promise<void> => {
  if (row.status !== 'pending') return;
  if (!row.jobId) {
    if (Date.now() - row.createdAt.getTime() > INTERRUPTED_AFTER_MS)
      await finish(deps, row, {
        jobId: '',
        status: 'failed',
        error: { reason: 'provider', code: 'OPERATION_INTERRUPTED', message: 'the platform stopped before the provider answered' },
      });
    return;
  }
  let outcome: DriverOperation;
  try {
    outcome = await deps.driver.getOperation(row.jobId);
  } catch (e) {
    // The provider forgot the job (CloudStack expires job results; the simulator restarted): the outcome is unknown,
    // so the resource is re-read by the effect.
    if (driverErrorReason(e) === 'not-found')
      return finish(deps, row, {
        jobId: row.jobId,
        status: 'failed',
        error: { reason: 'not-found', code: 'OPERATION_LOST', message: 'the provider no longer knows this job; the resource was re-read' },
      });
    throw e;
  }
  if (outcome.status !== 'pending') await finish(deps, row, outcome);
};

/** Settles several, a few at a time; one failing does not stop the others. Returns how many ended. */
export const settleMany = async (deps: OpsDeps, rows: OperationRow[], concurrency = 8): Promise<number> => {
  let ended = 0;
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      try {
        await settle(deps, row);
        if (row.status !== 'pending') ended++;
      } catch (err) {
        deps.log.warn({ err, operationId: row.id }, 'could not refresh an operation');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  return ended;
};

/** Settles the app's pending operations on these resources (a read sees a finished job's effect at once). */
export const settleFor = async (deps: OpsDeps, appId: string | null, resourceIds: string[], limit = 20): Promise<void> => {
  if (!resourceIds.length) return;
  const pending = await deps.db.find(
    Operation,
    { appId, status: 'pending', resourceId: { $in: resourceIds } },
    { orderBy: { seq: 'asc' }, limit },
  );
  await settleMany(deps, pending);
};

/** The failure a driver error would have been, as an operation outcome (for work refused after the record). */
export const failureOutcome = (e: unknown, jobId = ''): DriverOperation => {
  const reason = driverErrorReason(e) ?? 'provider';
  return {
    jobId,
    status: 'failed',
    error: { reason, code: DRIVER_ERROR_CODES[reason], message: e instanceof Error ? e.message : String(e) },
  };
};
