/**
 * @module An app's API key. The key is `sbk_<id>_<secret>`: the id finds the row, the secret is compared in constant
 * time against its SHA-256 (the secret has 190 bits of entropy, so a slow hash adds nothing but latency).
 */
import { defineEntity, p } from '@mikro-orm/core';

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'sb_api_key',
  properties: {
    id: p.string().length(32).primary(),
    appId: p.string().length(32).index(),
    name: p.string().length(200),
    secretHash: p.string().length(64).hidden(),
    scopes: p.json<string[]>(),
    createdAt: p.datetime(3),
    expiresAt: p.datetime(3).nullable(),
    revokedAt: p.datetime(3).nullable(),
    lastUsedAt: p.datetime(3).nullable(),
  },
});
