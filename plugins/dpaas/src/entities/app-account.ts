/**
 * @module One row per app that used the asset: the row whose lock serializes the app's quota checks across replicas,
 * and the plan limits last seen on its requests (jobs run without a caller, so they read them here).
 */
import { defineEntity, p } from '@switchboard/sdk';

export const AppAccount = defineEntity({
  name: 'DpaasAppAccount',
  tableName: 'dpaas_app',
  properties: {
    /** The app id, or `-` for anonymous callers (ACCESS_CONTROL=off). */
    appKey: p.string().length(64).primary(),
    limits: p.json<Record<string, number>>(),
    lockedAt: p.datetime(3),
  },
});

export type AppAccountRow = InstanceType<typeof AppAccount.class>;
