/** @module An instance's history: its state changes, resizes and removal, from the app's requests or found by the sync job. */
import { defineEntity, p } from '@switchboard/sdk';
import type { InstanceState } from '../driver/instance.js';

export type InstanceEventType = 'created' | 'state-changed' | 'resized' | 'removed';
/** `api`: the app's own request; `provider`: changed outside the platform, found by the state-sync job. */
export type InstanceEventSource = 'api' | 'provider';

export const InstanceEvent = defineEntity({
  name: 'DpaasInstanceEvent',
  tableName: 'dpaas_instance_event',
  properties: {
    seq: p.integer().primary().autoincrement(),
    instanceId: p.string().length(20),
    appId: p.string().length(64).nullable(),
    type: p.string().length(16).$type<InstanceEventType>(),
    source: p.string().length(16).$type<InstanceEventSource>(),
    fromState: p.string().length(16).$type<InstanceState>().nullable(),
    toState: p.string().length(16).$type<InstanceState>().nullable(),
    detail: p.string().length(500),
    at: p.datetime(3),
  },
});

export type InstanceEventRow = InstanceType<typeof InstanceEvent.class>;
