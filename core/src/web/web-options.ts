/** @module What the console and the portal are built from: the same services the admin and developer APIs use. */
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@switchboard/sdk';
import type { Access } from '../access/create-access.js';
import type { BackgroundAdmin } from '../background/background-admin.js';
import type { PartnerRegistry } from '../partners/partner-registry.js';

export interface WebOptions {
  orm: MikroORM;
  access: Access;
  background: BackgroundAdmin;
  log: Logger;
  /** The loaded assets (id, title, base path). */
  assets: () => { id: string; title: string; basePath: string }[];
  /** The served OpenAPI document (without assets disabled for everyone). */
  documentJson: () => string;
  /** Partner assets, listed, uploaded, removed and switched on the console's Partners page. */
  partners?: PartnerRegistry;
  /** Sign-in and sign-up attempts per minute and client address (the developer API's setting). */
  authAttemptsPerMinute: number;
}
