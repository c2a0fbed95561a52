/** @module Polling operations: a pending one is refreshed from the provider on every read. */
import { NotFoundError } from '@switchboard/sdk';
import { Operation } from '../entities/operation.js';
import { decodeCursor, encodeCursor } from '../service/ids.js';
import { settle, settleMany } from '../service/operations.js';
import { operationView } from '../service/views.js';
import type { Ctx, Part } from './context.js';

export const operationHandlers = (ctx: Ctx): Part<'getOperation' | 'listOperations'> => {
  const { db, ops } = ctx;
  return {
    getOperation: async ({ params, caller }) => {
      const row = await db.findOne(Operation, { id: params.operationId, appId: caller.appId });
      if (!row) throw new NotFoundError('operation', params.operationId);
      await settle(ops, row);
      return { status: 200, body: operationView(row) };
    },

    listOperations: async ({ query, caller }) => {
      const where: Record<string, unknown> = { appId: caller.appId };
      if (query.status) where.status = query.status;
      if (query.resourceId) where.resourceId = query.resourceId;
      const before = decodeCursor(query.cursor);
      if (before !== undefined) where.seq = { $lt: before };
      const limit = query.limit ?? 20;
      const rows = await db.find(Operation, where, { orderBy: { seq: 'desc' }, limit: limit + 1 });
      const page = rows.slice(0, limit);
      await settleMany(ops, page.filter((r) => r.status === 'pending').slice(0, 10));
      return {
        status: 200,
        body: { items: page.map(operationView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null },
      };
    },
  };
};
