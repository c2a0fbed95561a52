/** @module A developer's membership of an organization, with a role. */
import { defineEntity, p } from '@mikro-orm/core';

export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'sb_membership',
  properties: {
    id: p.integer().primary().autoincrement(),
    developerId: p.string().length(32).index(),
    orgId: p.string().length(32).index(),
    role: p.string().length(16),
    createdAt: p.datetime(3),
  },
  uniques: [{ properties: ['developerId', 'orgId'] }],
});
