/**
 * @module A counter per kind of shared state (`access`): every change bumps it, and each replica polls it every
 * second to know when to reload its caches — how a toggle reaches every replica within 2 s.
 */
import { defineEntity, p } from '@mikro-orm/core';

export const StateVersion = defineEntity({
  name: 'StateVersion',
  tableName: 'sb_state_version',
  properties: {
    name: p.string().length(32).primary(),
    version: p.integer(),
  },
});
