/**
 * @module The shared budget of one rate-limit window (`<subscription>:<s|m|q>:<window start>`). Replicas lease
 * slices of it with conditional updates and serve from memory, so no window admits more than its limit.
 */
import { defineEntity, p } from '@mikro-orm/core';

export const RateWindow = defineEntity({
  name: 'RateWindow',
  tableName: 'sb_rate_window',
  properties: {
    key: p.string().length(100).primary(),
    used: p.integer(),
    expiresAt: p.datetime(3).index(),
  },
});
