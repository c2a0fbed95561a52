/**
 * @module The access gate of one operation, run inside its handler (not as a Hono middleware: another async frame
 * per call cost more than the gate's own checks): key → enabled → subscription → scopes → limits before the plugin's
 * handler, metering after it — whatever the outcome, errors included, once the caller is known.
 */
import type { Context } from 'hono';
import { requestHeader } from '../http/front-door.js';
import type { OperationGate } from '../http/operation-handler.js';
import { addResponseHeader } from '../http/respond.js';
import type { CompiledOperation } from '../validation/compile-operation.js';
import type { Access } from './create-access.js';
import { checkCall, type GateResult } from './gate.js';

const admit = (c: Context, { caller, rateHeaders }: GateResult): void => {
  c.set('caller', caller);
  // Through respond.ts, so they reach success and error answers alike without leaving the fast response path. The
  // object is this call's own: handed over as it is when nothing else added headers yet.
  if (c.get('responseHeaders') === undefined) c.set('responseHeaders', rateHeaders);
  else for (const name in rateHeaders) addResponseHeader(c, name, rateHeaders[name]);
};

export const accessGate = (access: Access, assetId: string, op: CompiledOperation): OperationGate => {
  const scopes = (op.settings.scopes as string[] | undefined) ?? [];
  const target = { assetId, scopes };
  return {
    check(c) {
      const checked = checkCall(access, target, {
        authorization: requestHeader(c, 'authorization'),
        apiKey: requestHeader(c, 'x-api-key'),
      });
      if (checked instanceof Promise) return checked.then((result) => admit(c, result));
      admit(c, checked);
      return undefined;
    },
    done(c, status) {
      access.meter.record(c.get('caller').appId as string, assetId, op.operationId, status);
    },
  };
};
