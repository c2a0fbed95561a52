/** @module An app's subscription to an asset under a plan: pending → active → suspended → cancelled. */
import { defineEntity, p } from '@mikro-orm/core';

export const SUBSCRIPTION_STATUSES = ['pending', 'active', 'suspended', 'cancelled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const Subscription = defineEntity({
  name: 'Subscription',
  tableName: 'sb_subscription',
  properties: {
    id: p.string().length(32).primary(),
    appId: p.string().length(32).index(),
    assetId: p.string().length(32),
    planId: p.string().length(32),
    status: p.string().length(16),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
  uniques: [{ properties: ['appId', 'assetId'] }],
});
