/** @module The app's firewall groups. The provider's names are prefixed with the app, since one account serves every app. */
import { defineEntity, p } from '@switchboard/sdk';

export const FirewallGroup = defineEntity({
  name: 'DpaasFirewallGroup',
  tableName: 'dpaas_firewall_group',
  properties: {
    id: p.string().length(64).primary(),
    appId: p.string().length(64).nullable(),
    name: p.string().length(63),
    providerName: p.string().length(160),
    description: p.string().length(255),
    createdAt: p.datetime(3),
  },
});

export type FirewallGroupRow = InstanceType<typeof FirewallGroup.class>;
