/** @module An app: what holds API keys and subscriptions. Belongs to one organization. */
import { defineEntity, p } from '@mikro-orm/core';

export const App = defineEntity({
  name: 'App',
  tableName: 'sb_app',
  properties: {
    id: p.string().length(32).primary(),
    orgId: p.string().length(32).index(),
    name: p.string().length(200),
    createdAt: p.datetime(3),
  },
});
