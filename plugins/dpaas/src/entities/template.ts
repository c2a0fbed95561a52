/** @module The app's own templates (ids are the provider's); public templates come from the provider's catalogue. */
import { defineEntity, p } from '@switchboard/sdk';
import type { TemplateStatus } from '../driver/catalogue.js';

export const Template = defineEntity({
  name: 'DpaasTemplate',
  tableName: 'dpaas_template',
  properties: {
    id: p.string().length(64).primary(),
    appId: p.string().length(64).nullable(),
    name: p.string().length(255),
    description: p.string().length(1024),
    zoneId: p.string().length(64).nullable(),
    osTypeId: p.string().length(64).nullable(),
    status: p.string().length(16).$type<TemplateStatus>(),
    sizeBytes: p.bigint('number').nullable(),
    tags: p.json<Record<string, string>>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});

export type TemplateRow = InstanceType<typeof Template.class>;
