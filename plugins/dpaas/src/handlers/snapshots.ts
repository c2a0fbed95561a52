/** @module Snapshots (volume and whole-instance) and the snapshot policies that take and prune them on a schedule. */
import { ConflictError, NotFoundError } from '@switchboard/sdk';
import { Operation } from '../entities/operation.js';
import { Snapshot, type SnapshotRow } from '../entities/snapshot.js';
import { type PolicyFrequency, SnapshotPolicy } from '../entities/snapshot-policy.js';
import { requestHash } from '../service/ids.js';
import { settleFor, settleMany } from '../service/operations.js';
import { nextRunAfter } from '../service/schedule.js';
import { takeSnapshot } from '../service/take-snapshot.js';
import { policyView, snapshotView } from '../service/views.js';
import { type Ctx, inOurTerms, isUniqueViolation, ownInstance, type Part, replay, runOperation } from './context.js';

type SnapshotHandlers = Part<
  | 'createSnapshot'
  | 'listSnapshots'
  | 'getSnapshot'
  | 'deleteSnapshot'
  | 'revertSnapshot'
  | 'listSnapshotPolicies'
  | 'putSnapshotPolicy'
  | 'deleteSnapshotPolicy'
>;

/** Lists show at most this many snapshots; policies keep at most 100 each. */
const LIST_CAP = 500;

export const snapshotHandlers = (ctx: Ctx): SnapshotHandlers => {
  const { db, driver, ops } = ctx;

  const ownSnapshot = async (appId: string | null, id: string) => {
    const row = await db.findOne(Snapshot, { id, appId });
    if (!row) throw new NotFoundError('snapshot', id);
    return row;
  };

  /** The policy frequency of each snapshot a policy took, for the view. */
  const policiesOf = async (rows: SnapshotRow[]) => {
    const ids = [...new Set(rows.map((r) => r.policyId).filter((p): p is number => typeof p === 'number'))];
    if (!ids.length) return new Map<number, PolicyFrequency>();
    return new Map((await db.find(SnapshotPolicy, { id: { $in: ids } })).map((p) => [p.id, p.frequency]));
  };

  return {
    createSnapshot: async ({ body, headers, caller }) => {
      const appId = caller.appId;
      const key = headers['idempotency-key'];
      const hash = requestHash('snapshot.create', body);
      if (key) {
        const prior = await db.findOne(Operation, { appId, idempotencyKey: key });
        if (prior) return replay(ctx, prior, hash);
      }
      const inst = await ownInstance(db, appId, body.instanceId);
      try {
        const op = await takeSnapshot(ops, {
          appId,
          limits: caller.limits,
          instance: inst,
          type: body.type ?? 'volume',
          name: body.name,
          idempotency: key ? { key, hash } : undefined,
        });
        return ctx.accepted(op);
      } catch (e) {
        if (key && isUniqueViolation(e)) {
          const prior = await db.findOne(Operation, { appId, idempotencyKey: key });
          if (prior) return replay(ctx, prior, hash);
        }
        throw inst.providerId ? inOurTerms(e, inst.providerId, inst.id) : e;
      }
    },

    listSnapshots: async ({ query, caller }) => {
      // The app's oldest pending snapshot work first, so a list shows finished jobs without waiting for the sync job.
      const pending = await db.find(
        Operation,
        { appId: caller.appId, status: 'pending', resourceType: 'snapshot' },
        { orderBy: { seq: 'asc' }, limit: 10 },
      );
      await settleMany(ops, pending);
      const where: Record<string, unknown> = { appId: caller.appId };
      if (query.instanceId) where.instanceId = query.instanceId;
      if (query.type) where.type = query.type;
      const rows = await db.find(Snapshot, where, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: LIST_CAP });
      const policies = await policiesOf(rows);
      return { status: 200, body: { items: rows.map((r) => snapshotView(r, policies)) } };
    },

    getSnapshot: async ({ params, caller }) => {
      await settleFor(ops, caller.appId, [params.snapshotId]);
      const row = await ownSnapshot(caller.appId, params.snapshotId);
      return { status: 200, body: snapshotView(row, await policiesOf([row])) };
    },

    deleteSnapshot: async ({ params, caller }) => {
      const row = await ownSnapshot(caller.appId, params.snapshotId);
      if (row.state === 'deleting') throw new ConflictError(`snapshot '${row.id}' is already being deleted`, { code: 'INVALID_STATE' });
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'snapshot.delete', resourceType: 'snapshot', resourceId: row.id },
        () => driver.deleteSnapshot({ type: row.type, id: row.id }),
        () => {
          Object.assign(row, { state: 'deleting', updatedAt: new Date() });
        },
      );
    },

    revertSnapshot: async ({ params, caller }) => {
      const row = await ownSnapshot(caller.appId, params.snapshotId);
      if (!row.instanceId) throw new ConflictError(`the instance of snapshot '${row.id}' no longer exists`, { code: 'INVALID_STATE' });
      const inst = await ownInstance(db, caller.appId, row.instanceId);
      return runOperation(
        ctx,
        {
          appId: caller.appId,
          type: 'snapshot.revert',
          resourceType: 'snapshot',
          resourceId: row.id,
          input: { instanceId: inst.id },
        },
        () => driver.revertSnapshot({ type: row.type, id: row.id }),
      ).catch((e) => {
        throw inst.providerId ? inOurTerms(e, inst.providerId, inst.id) : e;
      });
    },

    listSnapshotPolicies: async ({ params, caller }) => {
      const inst = await ownInstance(db, caller.appId, params.instanceId);
      const rows = await db.find(SnapshotPolicy, { instanceId: inst.id }, { orderBy: { id: 'asc' } });
      return { status: 200, body: { items: rows.map(policyView) } };
    },

    putSnapshotPolicy: async ({ params, body, caller }) => {
      const inst = await ownInstance(db, caller.appId, params.instanceId);
      if (inst.removedAt) throw new ConflictError(`instance '${inst.id}' no longer exists at the provider`, { code: 'INVALID_STATE' });
      const now = new Date();
      const slot = {
        frequency: params.frequency,
        minute: body.minute ?? 0,
        hour: body.hour ?? 0,
        dayOfWeek: body.dayOfWeek ?? 0,
      };
      const fields = {
        ...slot,
        retention: body.retention,
        type: body.type ?? 'volume',
        nextRunAt: nextRunAfter(slot, now),
        updatedAt: now,
      };
      let row = await db.findOne(SnapshotPolicy, { instanceId: inst.id, frequency: params.frequency });
      if (row) Object.assign(row, fields, { lastError: null });
      else
        row = db.create(SnapshotPolicy, {
          appId: caller.appId,
          instanceId: inst.id,
          ...fields,
          lastRunAt: null,
          lastError: null,
          createdAt: now,
        });
      await db.flush();
      return { status: 200, body: policyView(row) };
    },

    deleteSnapshotPolicy: async ({ params, caller }) => {
      const inst = await ownInstance(db, caller.appId, params.instanceId);
      const row = await db.findOne(SnapshotPolicy, { instanceId: inst.id, frequency: params.frequency });
      if (!row) throw new NotFoundError('snapshot policy', `${inst.id}/${params.frequency}`);
      await db.remove(row).flush();
      return { status: 204 };
    },
  };
};
