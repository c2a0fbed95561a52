/**
 * @module The browser front doors: the operator console (`/console`) and the developer portal (`/portal`),
 * server-rendered with Hono JSX over the same services as the admin and developer APIs.
 *
 * @example
 * const web = webRoutes({ orm, access, background: background.admin, log, assets, documentJson, authAttemptsPerMinute: 10 });
 * for (const { path, routes } of web) app.route(path, routes);
 */
import type { Hono } from 'hono';
import { consoleRoutes } from './console/console-routes.js';
import { portalRoutes } from './portal/portal-routes.js';
import type { WebEnv } from './web-env.js';
import type { WebOptions } from './web-options.js';

export type { WebOptions } from './web-options.js';

export interface WebMount {
  path: string;
  routes: Hono<WebEnv>;
}

export const webRoutes = (options: WebOptions): WebMount[] => [
  { path: '/console', routes: consoleRoutes(options) },
  { path: '/portal', routes: portalRoutes(options) },
];
