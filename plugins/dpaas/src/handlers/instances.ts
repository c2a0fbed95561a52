/**
 * @module Instances: create (202, idempotent with a key, within the plan's limits), list with filters and a cursor,
 * get, and the lifecycle actions, each answered 202 with an operation.
 */
import type { Database } from '@switchboard/sdk';
import { driverErrorReason } from '../driver/driver-error.js';
import type { InstanceState } from '../driver/instance.js';
import type { Operation as DriverOperation } from '../driver/operation.js';
import { Instance, type InstanceRow } from '../entities/instance.js';
import { InstanceEvent } from '../entities/instance-event.js';
import { Operation, type OperationType } from '../entities/operation.js';
import { Tag } from '../entities/tag.js';
import { decodeCursor, encodeCursor, newInstanceId, requestHash } from '../service/ids.js';
import { recordEvent, refreshFromProvider, setState } from '../service/instance-record.js';
import { attach, failureOutcome, newOperationRow, settleFor, settleMany } from '../service/operations.js';
import { type Usage, withinQuota } from '../service/quotas.js';
import { eventView, instanceView } from '../service/views.js';
import { actionable, type Ctx, inOurTerms, invalid, isUniqueViolation, ownInstance, type Part, replay } from './context.js';
import { resolveLaunchRefs } from './launch-refs.js';

type InstanceHandlers = Part<
  | 'createInstance'
  | 'listInstances'
  | 'getInstance'
  | 'startInstance'
  | 'stopInstance'
  | 'rebootInstance'
  | 'resizeInstance'
  | 'destroyInstance'
  | 'recoverInstance'
  | 'listInstanceEvents'
>;

interface Action {
  appId: string | null;
  limits: Readonly<Record<string, number>>;
  id: string;
  type: OperationType;
  input?: Record<string, unknown>;
  call: (providerId: string) => Promise<DriverOperation>;
  /** The plan usage the action adds, checked under the app's lock. */
  quota?: (row: InstanceRow) => Usage;
  /** Taken under the same lock, so the next check counts it: the row as it will be once the action is done. */
  reserve?: (tx: Database, row: InstanceRow) => void;
  /** The state the instance passes through while the job runs (stop → stopping). */
  transitional?: (row: InstanceRow) => InstanceState | null;
}

export const instanceHandlers = (ctx: Ctx): InstanceHandlers => {
  const { db, driver, ops, log } = ctx;

  /** Records the operation, asks the provider, and answers 202; a refused action leaves no operation behind. */
  const act = async (a: Action) => {
    let row = await ownInstance(db, a.appId, a.id);
    await settleFor(ops, a.appId, [a.id]);
    const providerId = actionable(row);
    const newOp = (tx: Database) =>
      newOperationRow(tx, { appId: a.appId, type: a.type, resourceType: 'instance', resourceId: a.id, input: a.input });
    let opId: string;
    const before = { state: row.state, vcpus: row.vcpus, memoryMb: row.memoryMb };
    if (a.quota) {
      const add = a.quota(row);
      opId = await withinQuota(db, a.appId, a.limits, add, async (tx) => {
        const locked = await tx.findOneOrFail(Instance, { id: a.id });
        a.reserve?.(tx, locked);
        return newOp(tx).id;
      });
      row = (await db.refresh(row)) ?? row;
    } else {
      opId = newOp(db).id;
      await db.flush();
    }
    const op = await db.findOneOrFail(Operation, { id: opId });
    let outcome: DriverOperation;
    try {
      outcome = await a.call(providerId);
    } catch (e) {
      await db.nativeDelete(Operation, { id: opId });
      // Undo the reservation: nothing happened at the provider.
      if (a.reserve) {
        setState(db, row, before.state, 'api', `${a.type} refused`);
        Object.assign(row, { vcpus: before.vcpus, memoryMb: before.memoryMb });
        await db.flush();
      }
      throw inOurTerms(e, providerId, a.id);
    }
    const next = outcome.status === 'pending' ? a.transitional?.(row) : null;
    if (next) setState(db, row, next, 'api', `${a.type} accepted (operation ${op.id})`);
    await attach(ops, op, outcome);
    return ctx.accepted(op);
  };

  const offeringOf = async (offeringId: string, pointer: string) => {
    const offering = (await ctx.provider.offerings()).find((o) => o.id === offeringId);
    if (!offering) throw invalid(pointer, `offering '${offeringId}' does not exist`);
    return offering;
  };

  return {
    createInstance: async ({ body, headers, caller }) => {
      const appId = caller.appId;
      const key = headers['idempotency-key'];
      const hash = requestHash('instance.create', body);
      if (key) {
        const prior = await db.findOne(Operation, { appId, idempotencyKey: key });
        if (prior) return replay(ctx, prior, hash);
      }
      const offering = await offeringOf(body.offeringId, '/body/offeringId');
      const refs = await resolveLaunchRefs(ctx, appId, body);
      const id = newInstanceId();
      const now = new Date();
      let opId: string;
      try {
        opId = await withinQuota(
          db,
          appId,
          caller.limits,
          { instances: 1, vcpus: offering.vcpus, memoryMb: offering.memoryMb },
          async (tx) => {
            const row = tx.create(Instance, {
              id,
              appId,
              providerId: null,
              name: body.name,
              state: 'pending',
              zoneId: body.zoneId,
              templateId: body.templateId,
              offeringId: offering.id,
              vcpus: offering.vcpus,
              memoryMb: offering.memoryMb,
              ipAddress: null,
              keyPair: body.keyPair ?? null,
              firewallGroupIds: refs.firewallGroupIds,
              tags: { ...body.tags },
              createdAt: now,
              updatedAt: now,
              removedAt: null,
            });
            for (const [k, v] of Object.entries(body.tags ?? {}))
              tx.create(Tag, { appId, resourceType: 'instance', resourceId: id, tagKey: k, tagValue: v });
            recordEvent(tx, row, 'created', 'api', { to: 'pending', detail: `created as ${body.name}` }, now);
            return newOperationRow(tx, {
              appId,
              type: 'instance.create',
              resourceType: 'instance',
              resourceId: id,
              idempotency: key ? { key, hash } : undefined,
            }).id;
          },
        );
      } catch (e) {
        // Two retries raced: the other one holds the key now.
        if (key && isUniqueViolation(e)) {
          const prior = await db.findOne(Operation, { appId, idempotencyKey: key });
          if (prior) return replay(ctx, prior, hash);
        }
        throw e;
      }
      const op = await db.findOneOrFail(Operation, { id: opId });
      const row = await db.findOneOrFail(Instance, { id });
      let outcome: DriverOperation;
      try {
        outcome = await driver.createInstance({
          // The platform's id is the host name: unique across every app sharing the provider account.
          name: id,
          displayName: body.name,
          zoneId: body.zoneId,
          offeringId: offering.id,
          templateId: body.templateId,
          keyPair: refs.providerKeyPair,
          firewallGroupIds: refs.firewallGroupIds,
          userData: body.userData,
          tags: body.tags,
          start: body.start,
        });
      } catch (e) {
        if (driverErrorReason(e) === 'timeout') {
          // The provider may have made it anyway: keep the row (its name at the provider is the id) for the
          // state-sync job to adopt or mark as error, and end the operation with the timeout.
          await attach(ops, op, failureOutcome(e));
          throw e;
        }
        // Refused before anything was made: forget the instance and free the idempotency key for a corrected retry.
        await db.nativeDelete(Operation, { id: opId });
        await db.nativeDelete(Tag, { resourceType: 'instance', resourceId: id });
        await db.nativeDelete(InstanceEvent, { instanceId: id });
        await db.nativeDelete(Instance, { id });
        throw e;
      }
      row.providerId = outcome.resourceId ?? null;
      await attach(ops, op, outcome);
      log.info({ instanceId: id, operationId: op.id }, 'instance creation accepted');
      return ctx.accepted(op);
    },

    listInstances: async ({ query, caller }) => {
      const appId = caller.appId;
      const where: Record<string, unknown> = { appId };
      if (query.state) where.state = query.state;
      if (query.zoneId) where.zoneId = query.zoneId;
      if (query.name) where.name = query.name;
      const before = decodeCursor(query.cursor);
      if (before !== undefined) where.seq = { $lt: before };
      let ids: Set<string> | undefined;
      for (const filter of query.tag ?? []) {
        const eq = filter.indexOf('=');
        const tagKey = eq < 0 ? filter : filter.slice(0, eq);
        const rows = await db.find(
          Tag,
          { appId, resourceType: 'instance', tagKey, ...(eq < 0 ? {} : { tagValue: filter.slice(eq + 1) }) },
          { fields: ['resourceId'] },
        );
        const found = new Set(rows.map((t) => t.resourceId));
        ids = ids ? new Set([...ids].filter((i) => found.has(i))) : found;
      }
      if (ids) where.id = { $in: [...ids] };
      const limit = query.limit ?? 20;
      // The app's oldest pending instance work is refreshed first, so a list (even one filtered by state) shows
      // finished jobs without waiting for the sync job.
      await settleMany(
        ops,
        await db.find(Operation, { appId, status: 'pending', resourceType: 'instance' }, { orderBy: { seq: 'asc' }, limit: 10 }),
      );
      const rows = ids?.size === 0 ? [] : await db.find(Instance, where, { orderBy: { seq: 'desc' }, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        status: 200,
        body: { items: page.map(instanceView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null },
      };
    },

    getInstance: async ({ params, caller }) => {
      const row = await ownInstance(db, caller.appId, params.instanceId);
      await settleFor(ops, caller.appId, [row.id]);
      // Being expunged with no job left to watch: ask the provider whether it is gone yet.
      if (row.state === 'deleting' && !(await db.count(Operation, { resourceId: row.id, status: 'pending' }))) {
        await refreshFromProvider(db, driver, row, 'api', 'expunged as requested');
        await db.flush();
      }
      return { status: 200, body: instanceView(row) };
    },

    startInstance: async ({ params, caller }) =>
      act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.start',
        call: (pid) => driver.startInstance(pid),
        transitional: () => 'pending',
      }),

    stopInstance: async ({ params, body, caller }) =>
      act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.stop',
        input: { force: body?.force ?? false },
        call: (pid) => driver.stopInstance(pid, { force: body?.force ?? false }),
        transitional: () => 'stopping',
      }),

    rebootInstance: async ({ params, caller }) =>
      act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.reboot',
        call: (pid) => driver.rebootInstance(pid),
      }),

    resizeInstance: async ({ params, body, caller }) => {
      const offering = await offeringOf(body.offeringId, '/body/offeringId');
      return act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.resize',
        input: { offeringId: offering.id },
        call: (pid) => driver.resizeInstance(pid, offering.id),
        quota: (row) => ({
          vcpus: Math.max(0, offering.vcpus - row.vcpus),
          memoryMb: Math.max(0, offering.memoryMb - row.memoryMb),
        }),
        // The new size counts from now; a refusal or failure puts the provider's size back.
        reserve: (_tx, row) => Object.assign(row, { vcpus: offering.vcpus, memoryMb: offering.memoryMb }),
      });
    },

    destroyInstance: async ({ params, query, caller }) =>
      act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.destroy',
        input: { expunge: query.expunge ?? false },
        call: (pid) => driver.destroyInstance(pid, { expunge: query.expunge ?? false }),
        // A running instance is stopped first, inside the same job.
        transitional: (row) => (row.state === 'running' ? 'stopping' : query.expunge ? 'deleting' : null),
      }),

    recoverInstance: async ({ params, caller }) =>
      act({
        appId: caller.appId,
        limits: caller.limits,
        id: params.instanceId,
        type: 'instance.recover',
        call: (pid) => driver.recoverInstance(pid),
        // Recovered, it holds its resources again.
        quota: (row) => (row.state === 'deleted' ? { instances: 1, vcpus: row.vcpus, memoryMb: row.memoryMb } : {}),
        reserve: (tx, row) => {
          if (row.state === 'deleted') setState(tx, row, 'pending', 'api', 'recover requested');
        },
      }),

    listInstanceEvents: async ({ params, query, caller }) => {
      const row = await ownInstance(db, caller.appId, params.instanceId);
      const before = decodeCursor(query.cursor);
      const limit = query.limit ?? 20;
      const events = await db.find(
        InstanceEvent,
        { instanceId: row.id, ...(before === undefined ? {} : { seq: { $lt: before } }) },
        { orderBy: { seq: 'desc' }, limit: limit + 1 },
      );
      const page = events.slice(0, limit);
      return {
        status: 200,
        body: { items: page.map(eventView), nextCursor: events.length > limit ? encodeCursor(page[page.length - 1].seq) : null },
      };
    },
  };
};
