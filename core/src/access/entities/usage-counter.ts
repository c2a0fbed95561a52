/** @module Metered calls per app, asset, operation, status class and hour; replicas add to it in batches. */
import { defineEntity, p } from '@mikro-orm/core';

export const UsageCounter = defineEntity({
  name: 'UsageCounter',
  tableName: 'sb_usage',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(32),
    assetId: p.string().length(32),
    operationId: p.string().length(100),
    statusClass: p.string().length(3),
    hour: p.datetime(0),
    count: p.integer(),
  },
  uniques: [{ properties: ['appId', 'assetId', 'operationId', 'statusClass', 'hour'] }],
});
