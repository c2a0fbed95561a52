/**
 * @module Operator authentication for the core's admin API: an operator token (`Bearer sba_…`), a role at least as
 * high as the operation's `x-switchboard.scopes` demands (viewer < operator < admin), and the acting operator
 * made available to the handlers for the audit log. An app key is refused with 403: it is a valid credential, but
 * never for this API.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MikroORM } from '@mikro-orm/core';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from '../http/map-error.js';
import type { CompiledOperation } from '../validation/compile-operation.js';
import type { Actor } from './access-service.js';
import { Operator } from './entities/operator.js';
import { presentedKey } from './gate.js';
import { sha256 } from './secrets.js';

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;
type Role = keyof typeof RANK;

const actorScope = new AsyncLocalStorage<Actor & { role: Role }>();

/** The operator serving the current admin request. */
export const currentActor = (): Actor & { role: Role } => {
  const actor = actorScope.getStore();
  if (!actor) throw new Error('no operator in scope: admin handlers run behind operatorMiddleware');
  return actor;
};

const unauthorized = (detail: string) =>
  new HttpProblem(
    { status: 401, code: 'ADMIN_TOKEN_INVALID', title: 'Unauthorized', detail },
    { 'www-authenticate': 'Bearer realm="switchboard-admin"' },
  );

/** For an admin API operation: the role its `x-switchboard.scopes` names (admin when it names none). */
export const operatorMiddleware = (orm: MikroORM, op: CompiledOperation): MiddlewareHandler => {
  const needed = ((op.settings.scopes as string[] | undefined)?.[0] ?? 'admin') as Role;
  return operatorGuard(orm, () => needed);
};

const operatorGuard = (orm: MikroORM, roleFor: (method: string) => Role): MiddlewareHandler => {
  return async function operatorGate(c, next) {
    const needed = roleFor(c.req.method);
    const token = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (!token) throw unauthorized('Send an operator token as `Authorization: Bearer sba_…`.');
    if (token.startsWith('sbk_')) {
      throw new HttpProblem({ status: 403, code: 'APP_KEY_NOT_ALLOWED', title: 'Forbidden', detail: 'App keys cannot use the admin API.' });
    }
    const operator = await orm.em.fork().findOne(Operator, { tokenHash: sha256(token) });
    if (!operator || operator.disabledAt) throw unauthorized('The operator token is not valid.');
    const role = operator.role as Role;
    if (RANK[role] < RANK[needed]) {
      throw new HttpProblem({
        status: 403,
        code: 'ROLE_REQUIRED',
        title: 'Forbidden',
        detail: `This needs the ${needed} role; you are ${role}.`,
      });
    }
    await actorScope.run({ type: 'operator', id: operator.id, role }, next);
  };
};
