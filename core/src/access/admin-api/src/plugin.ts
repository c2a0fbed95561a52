/**
 * @module The admin API, built as a plugin of the core: its manifest is validated, typed and merged into
 * `/openapi.json` like any asset's, but it sits behind operator authentication instead of app keys.
 */
import { coreServices, createServiceRef, definePlugin } from '@switchboard/sdk';
import type { BackgroundAdmin } from '../../../background/background-admin.js';
import type { PartnerRegistry } from '../../../partners/partner-registry.js';
import type { Access } from '../../create-access.js';
import type { operations } from './generated/openapi.js';
import { adminHandlers } from './handlers.js';

/** The access layer, as the core's own plugins receive it. Not part of the public SDK. */
export const accessRef = createServiceRef<Access>('core.access');

/** The loaded assets, as the admin API lists them. */
export const assetsRef = createServiceRef<() => { id: string; title: string; basePath: string }[]>('core.assets');

/** Jobs, queues and dead letters, as operators act on them. */
export const backgroundRef = createServiceRef<BackgroundAdmin>('core.background');

/** Partner assets, as operators list, upload, replace, remove and switch them. */
export const partnersRef = createServiceRef<PartnerRegistry>('core.partners');

export default definePlugin<operations>()({
  manifest: new URL('../openapi.yaml', import.meta.url),
  deps: { access: accessRef, assets: assetsRef, background: backgroundRef, partners: partnersRef, db: coreServices.database },
  handlers: adminHandlers,
});
