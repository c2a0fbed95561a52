/** @module One change, as the audit log records it: who, when, what, and the state before and after. */
import { defineEntity, p } from '@mikro-orm/core';

export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'sb_audit',
  properties: {
    id: p.integer().primary().autoincrement(),
    at: p.datetime(3).index(),
    actorType: p.string().length(16),
    actorId: p.string().length(32),
    action: p.string().length(64),
    targetType: p.string().length(32),
    targetId: p.string().length(64),
    before: p.json<unknown>().nullable(),
    after: p.json<unknown>().nullable(),
  },
});
