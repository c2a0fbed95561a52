/** @module An organization: a B2B partner (business) or a B2C developer (individual). Apps belong to one. */
import { defineEntity, p } from '@mikro-orm/core';

export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'sb_organization',
  properties: {
    id: p.string().length(32).primary(),
    name: p.string().length(200),
    kind: p.string().length(16),
    createdAt: p.datetime(3),
  },
});
