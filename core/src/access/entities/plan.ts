/** @module A plan of an asset: rate limits, a monthly quota, and whether subscribing needs an operator's approval. */
import { defineEntity, p } from '@mikro-orm/core';

export const Plan = defineEntity({
  name: 'Plan',
  tableName: 'sb_plan',
  properties: {
    id: p.string().length(32).primary(),
    assetId: p.string().length(32).index(),
    name: p.string().length(100),
    perSecond: p.integer().nullable(),
    perMinute: p.integer().nullable(),
    monthlyQuota: p.integer().nullable(),
    /** Limits the asset enforces itself (instances, vCPUs, …), by name; handlers see them as `caller.limits`. */
    limits: p.json<Record<string, number>>().nullable(),
    requiresApproval: p.boolean(),
    createdAt: p.datetime(3),
  },
  uniques: [{ properties: ['assetId', 'name'] }],
});
