/** @module What every handler file shares: services, the driver, owned-resource lookups, and the 202 answer. */
import {
  ConflictError,
  type Database,
  type Handlers,
  InputError,
  isDomainError,
  type Logger,
  type Metrics,
  NotFoundError,
  type PluginInfo,
} from '@switchboard/sdk';
import type { DpaasConfig } from '../config.js';
import type { ComputeDriver } from '../driver/compute-driver.js';
import type { Operation as DriverOperation } from '../driver/operation.js';
import { Instance, type InstanceRow } from '../entities/instance.js';
import { Operation, type OperationRow } from '../entities/operation.js';
import type { operations } from '../generated/openapi.js';
import { type Provider, providerFor } from '../provider.js';
import { attach, type NewOperation, newOperationRow, type OpsDeps, settle } from '../service/operations.js';
import { operationView } from '../service/views.js';

/** What the plugin declares in `deps`. */
export interface Deps {
  db: Database;
  log: Logger;
  config: Readonly<DpaasConfig>;
  plugin: PluginInfo;
  metrics: Metrics;
}

export type Part<K extends keyof operations> = Pick<Handlers<operations>, K>;

export interface Ctx extends Deps {
  provider: Provider;
  driver: ComputeDriver;
  ops: OpsDeps;
  /** The 202 answer for an operation: its resource, and where to poll it. */
  accepted(
    op: OperationRow,
    headers?: Record<string, string>,
  ): { status: 202; body: ReturnType<typeof operationView>; headers: Record<string, string> };
}

export const makeCtx = (deps: Deps): Ctx => {
  const provider = providerFor(deps.config, deps.metrics);
  return {
    ...deps,
    provider,
    driver: provider.driver,
    ops: { db: deps.db, driver: provider.driver, log: deps.log },
    accepted: (op, headers = {}) => ({
      status: 202,
      body: operationView(op),
      headers: { location: `${deps.plugin.basePath}/operations/${op.id}`, ...headers },
    }),
  };
};

/** A 400 about one field of the request, with its JSON pointer (as the core's validation answers). */
export const invalid = (pointer: string, message: string): InputError =>
  new InputError(message, { code: 'INVALID_PARAMETER', details: { pointer } });

/** True for the database's refusal of a duplicate key, whatever the dialect. */
export const isUniqueViolation = (e: unknown): boolean => e instanceof Error && e.name === 'UniqueConstraintViolationException';

/** The app's instance, or 404 (another app's instance is as absent as one that never existed). */
export const ownInstance = async (db: Database, appId: string | null, id: string): Promise<InstanceRow> => {
  const row = await db.findOne(Instance, { id, appId });
  if (!row) throw new NotFoundError('instance', id);
  return row;
};

/** An instance the provider has, so an action can go to it. */
export const actionable = (row: InstanceRow): string => {
  if (row.removedAt) throw new ConflictError(`instance '${row.id}' no longer exists at the provider`, { code: 'INVALID_STATE' });
  if (!row.providerId) throw new ConflictError(`instance '${row.id}' is still being created`, { code: 'INVALID_STATE' });
  return row.providerId;
};

/** Driver messages name the provider's id; the app knows the instance by the platform's. */
export const inOurTerms = (e: unknown, providerId: string, id: string): unknown => {
  if (isDomainError(e) && e.message.includes(providerId)) e.message = e.message.split(providerId).join(id);
  return e;
};

/** Answers a retry of an idempotent create with the first request's operation, or refuses a key reused otherwise. */
export const replay = async (ctx: Ctx, prior: OperationRow, hash: string) => {
  if (prior.requestHash !== hash)
    throw new ConflictError('this Idempotency-Key was used for a different request', { code: 'IDEMPOTENCY_KEY_REUSED' });
  if (prior.status === 'pending' && !prior.jobId)
    throw new ConflictError('a request with this Idempotency-Key is still being processed; retry in a moment', {
      code: 'IDEMPOTENCY_KEY_IN_USE',
    });
  try {
    await settle(ctx.ops, prior);
  } catch (err) {
    ctx.log.warn({ err, operationId: prior.id }, 'could not refresh a replayed operation');
  }
  return ctx.accepted(prior, { 'idempotent-replayed': 'true' });
};

/**
 * Records an operation, asks the provider, attaches its job and answers 202. A refusal removes the record and is
 * thrown (the core maps it); `recorded` may name a row already written (e.g. under the quota lock).
 */
export const runOperation = async (
  ctx: Ctx,
  spec: NewOperation | { recorded: string },
  call: () => Promise<DriverOperation>,
  beforeAttach?: (op: OperationRow, outcome: DriverOperation) => void | Promise<void>,
) => {
  let id: string;
  if ('recorded' in spec) id = spec.recorded;
  else {
    id = newOperationRow(ctx.db, spec).id;
    await ctx.db.flush();
  }
  const op = await ctx.db.findOneOrFail(Operation, { id });
  let outcome: DriverOperation;
  try {
    outcome = await call();
  } catch (e) {
    await ctx.db.nativeDelete(Operation, { id });
    throw e;
  }
  await beforeAttach?.(op, outcome);
  await attach(ctx.ops, op, outcome);
  return ctx.accepted(op);
};
