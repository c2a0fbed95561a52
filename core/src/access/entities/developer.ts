/** @module A developer account (self-service sign-up); the password is stored as an scrypt hash. */
import { defineEntity, p } from '@mikro-orm/core';

export const Developer = defineEntity({
  name: 'Developer',
  tableName: 'sb_developer',
  properties: {
    id: p.string().length(32).primary(),
    email: p.string().length(254).unique(),
    name: p.string().length(200),
    passwordHash: p.string().length(200).hidden(),
    createdAt: p.datetime(3),
  },
});
