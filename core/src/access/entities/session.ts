/** @module A sign-in session of a developer or an operator; only the token's hash is stored. */
import { defineEntity, p } from '@mikro-orm/core';

export const Session = defineEntity({
  name: 'Session',
  tableName: 'sb_session',
  properties: {
    id: p.string().length(32).primary(),
    tokenHash: p.string().length(64).unique().hidden(),
    subjectType: p.string().length(16),
    subjectId: p.string().length(32).index(),
    createdAt: p.datetime(3),
    expiresAt: p.datetime(3),
    revokedAt: p.datetime(3).nullable(),
  },
});
