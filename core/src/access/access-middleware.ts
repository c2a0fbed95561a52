/**
 * @module The per-operation middleware that puts the access gate in front of a plugin's handler and meters the
 * call afterwards (whatever its outcome, errors included, once the caller is known).
 */
import type { MiddlewareHandler } from 'hono';
import { requestHeader } from '../http/front-door.js';
import { addResponseHeader } from '../http/respond.js';
import type { CompiledOperation } from '../validation/compile-operation.js';
import type { Access } from './create-access.js';
import { checkCall } from './gate.js';

export const accessMiddleware = (access: Access, assetId: string, op: CompiledOperation): MiddlewareHandler => {
  const scopes = (op.settings.scopes as string[] | undefined) ?? [];
  const target = { assetId, scopes };
  return async function accessGate(c, next) {
    const checked = checkCall(access, target, { authorization: requestHeader(c, 'authorization'), apiKey: requestHeader(c, 'x-api-key') });
    const { caller, rateHeaders } = checked instanceof Promise ? await checked : checked;
    c.set('caller', caller);
    // Through respond.ts, so they reach success and error answers alike without leaving the fast response path.
    for (const name in rateHeaders) addResponseHeader(c, name, rateHeaders[name]);
    try {
      await next();
    } finally {
      access.meter.record(caller.appId as string, assetId, op.operationId, c.res.status);
    }
  };
};
