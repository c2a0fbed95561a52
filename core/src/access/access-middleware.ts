/**
 * @module The per-operation middleware that puts the access gate in front of a plugin's handler and meters the
 * call afterwards (whatever its outcome, errors included, once the caller is known).
 */
import type { MiddlewareHandler } from 'hono';
import type { CompiledOperation } from '../validation/compile-operation.js';
import type { Access } from './create-access.js';
import { checkCall } from './gate.js';

export const accessMiddleware = (access: Access, assetId: string, op: CompiledOperation): MiddlewareHandler => {
  const scopes = (op.settings.scopes as string[] | undefined) ?? [];
  const target = { assetId, scopes };
  return async function accessGate(c, next) {
    const { caller, rateHeaders } = await checkCall(access, target, {
      authorization: c.req.header('authorization'),
      apiKey: c.req.header('x-api-key'),
    });
    c.set('caller', caller);
    for (const [name, value] of Object.entries(rateHeaders)) c.header(name, value);
    try {
      await next();
    } finally {
      access.meter.record(caller.appId as string, assetId, op.operationId, c.res.status);
      // An error answer is built fresh by the error handler: give it the limits the call was counted against too.
      for (const [name, value] of Object.entries(rateHeaders)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  };
};
