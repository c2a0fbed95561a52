/** @module The developer self-service API, a plugin of the core behind developer sessions. */
import { coreServices, definePlugin } from '@switchboard/sdk';
import { accessRef } from '../../admin-api/src/plugin.js';
import type { operations } from './generated/openapi.js';
import { developerHandlers } from './handlers.js';

export default definePlugin<operations>()({
  manifest: new URL('../openapi.yaml', import.meta.url),
  deps: { access: accessRef, db: coreServices.database },
  handlers: developerHandlers,
});
