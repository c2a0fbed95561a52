/** @module An operator account with a role; operators authenticate with an admin token (stored hashed). */
import { defineEntity, p } from '@mikro-orm/core';

export const OPERATOR_ROLES = ['admin', 'operator', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const Operator = defineEntity({
  name: 'Operator',
  tableName: 'sb_operator',
  properties: {
    id: p.string().length(32).primary(),
    email: p.string().length(254).unique(),
    name: p.string().length(200),
    role: p.string().length(16),
    tokenHash: p.string().length(64).unique().hidden(),
    createdAt: p.datetime(3),
    disabledAt: p.datetime(3).nullable(),
  },
});
