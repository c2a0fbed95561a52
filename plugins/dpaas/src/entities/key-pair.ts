/** @module The app's SSH key pairs (public part only). The provider's names are prefixed with the app. */
import { defineEntity, p } from '@switchboard/sdk';

export const KeyPair = defineEntity({
  name: 'DpaasKeyPair',
  tableName: 'dpaas_key_pair',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(64).nullable(),
    name: p.string().length(64),
    providerName: p.string().length(160),
    fingerprint: p.string().length(128),
    createdAt: p.datetime(3),
  },
});

export type KeyPairRow = InstanceType<typeof KeyPair.class>;
