/** @module What the CloudStack driver's parts share: mapped calls, VM lookups and operation handles. */
import { notFound } from '../driver/driver-error.js';
import type { Operation, OperationResult } from '../driver/operation.js';
import { type Backoff, DEFAULT_BACKOFF, pollOperation } from '../driver/poll-operation.js';
import type { CloudStackClient, Json, Params } from './cloudstack-client.js';
import { type CallSubject, mapCloudStackError } from './map-error.js';

export interface CloudStackDriverTuning {
  /** Hypervisor for registered templates (default KVM). */
  hypervisor?: string;
  /** OS type for templates when the caller names none and none can be derived; else the first "Other Linux" one. */
  defaultOsTypeId?: string;
  /** Polling of async jobs (default 250 ms growing ×1.5 to 5 s). */
  backoff?: Backoff;
  /** How long internal waits (e.g. tagging a new instance) may take (default 60 s). */
  internalWaitMs?: number;
}

export interface CloudStackContext {
  client: CloudStackClient;
  tuning: Required<Omit<CloudStackDriverTuning, 'defaultOsTypeId'>> & { defaultOsTypeId?: string };
  call(command: string, params?: Params, subject?: CallSubject): Promise<Json>;
  list<T = Json>(command: string, itemKey: string, params?: Params, subject?: CallSubject): Promise<{ items: T[]; count: number }>;
  listAll<T = Json>(command: string, itemKey: string, params?: Params): Promise<T[]>;
  /** The raw VM record, or not-found. */
  vm(id: string): Promise<Json>;
  /** An async command's `{ jobid, id }` as a pending operation. */
  pending(answer: Json, resourceId?: string): Operation;
  /** An operation that finished without a job (idempotent no-ops, sync commands). */
  done(result: OperationResult, resourceId?: string): Operation;
  /** Waits for a job the driver started for itself. */
  settle(op: Operation): Promise<OperationResult>;
  /** Set by the operations part: reads a job. */
  getOperation(jobId: string): Promise<Operation>;
}

/** Operations that ended without a provider job get ids the driver answers itself, statelessly: `done:<type>:<id>`. */
export const DONE_PREFIX = 'done:';

export const createCloudStackContext = (client: CloudStackClient, tuning: CloudStackDriverTuning): CloudStackContext => {
  const call = async (command: string, params?: Params, subject?: CallSubject) => {
    try {
      return await client.call(command, params);
    } catch (e) {
      throw mapCloudStackError(e, subject);
    }
  };
  const ctx: CloudStackContext = {
    client,
    tuning: {
      hypervisor: tuning.hypervisor ?? 'KVM',
      backoff: tuning.backoff ?? DEFAULT_BACKOFF,
      internalWaitMs: tuning.internalWaitMs ?? 60_000,
      defaultOsTypeId: tuning.defaultOsTypeId,
    },
    call,
    list: async (command, itemKey, params, subject) => {
      try {
        return await client.list(command, itemKey, params);
      } catch (e) {
        throw mapCloudStackError(e, subject);
      }
    },
    listAll: async (command, itemKey, params) => {
      try {
        return await client.listAll(command, itemKey, params);
      } catch (e) {
        throw mapCloudStackError(e);
      }
    },
    vm: async (id) => {
      const { items } = await ctx.list('listVirtualMachines', 'virtualmachine', { id }, { what: 'instance', id });
      if (!items[0]) throw notFound('instance', id, { provider: 'cloudstack' });
      return items[0];
    },
    pending: (answer, resourceId) => ({
      jobId: String(answer.jobid),
      status: 'pending',
      ...((resourceId ?? answer.id) ? { resourceId: String(resourceId ?? answer.id) } : {}),
    }),
    done: (result, resourceId) => {
      const id = result.type === 'none' ? (resourceId ?? '') : resourceId;
      return { jobId: `${DONE_PREFIX}${result.type}:${id ?? ''}`, status: 'succeeded', ...(id ? { resourceId: id } : {}), result };
    },
    settle: (op) =>
      pollOperation(op, (jobId) => ctx.getOperation(jobId), { timeoutMs: ctx.tuning.internalWaitMs, backoff: ctx.tuning.backoff }),
    getOperation: () => {
      throw new Error('getOperation is wired by createCloudStackDriver');
    },
  };
  return ctx;
};
