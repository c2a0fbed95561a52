/** @module One tag of one of the app's instances or templates: a row each, so lists filter by tag in SQL. */
import { defineEntity, p } from '@switchboard/sdk';
import type { TaggableType } from '../driver/tag.js';

export const Tag = defineEntity({
  name: 'DpaasTag',
  tableName: 'dpaas_tag',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(64).nullable(),
    resourceType: p.string().length(16).$type<TaggableType>(),
    /** The platform's instance id, or the template id. */
    resourceId: p.string().length(64),
    // `key` and `value` are reserved words in MySQL.
    tagKey: p.string().length(128),
    tagValue: p.string().length(255),
  },
});

export type TagRow = InstanceType<typeof Tag.class>;
