/** @module Whether an asset is enabled, globally (`appId` = '*') or for one app. No row means enabled. */
import { defineEntity, p } from '@mikro-orm/core';

export const GLOBAL = '*';

export const AssetToggle = defineEntity({
  name: 'AssetToggle',
  tableName: 'sb_asset_toggle',
  properties: {
    id: p.integer().primary().autoincrement(),
    assetId: p.string().length(32),
    appId: p.string().length(32),
    enabled: p.boolean(),
    updatedAt: p.datetime(3),
  },
  uniques: [{ properties: ['assetId', 'appId'] }],
});
