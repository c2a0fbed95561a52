/**
 * @module The Hono application: the front door (request id, scope, body limit, access log) → routes; every error
 * and every unmatched request ends as problem+json (404, or 405 with `Allow` when another method would match).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '@switchboard/sdk';
import { type Context, Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { docsRoutes } from '../openapi/docs-page.js';
import type { ActivePlugin } from '../plugins/activate-plugin.js';
import type { WebMount } from '../web/index.js';
import { ensureRequestId, type FrontDoor } from './front-door.js';
import { mapError } from './map-error.js';
import { problemResponse } from './problem.js';
import './context.js';

export interface AppOptions {
  log: Logger;
  /** Request id, scope, body limit and access log: operation routes have it built in (see activate-plugin.ts). */
  door: FrontDoor;
  plugins: ActivePlugin[];
  /** The merged OpenAPI document, serialized once. */
  documentJson: () => string;
  /** Answers whether the platform can serve (database reachable). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** The operator console and the developer portal (core/src/web), when the access layer is on. */
  web?: WebMount[];
  /**
   * Assets added while the platform runs (uploaded partner documents), tried only when no route matched: the
   * static routes' hot path does not change. Undefined when the path is none of theirs.
   */
  runtimeAssets?: (c: Context) => Promise<Response> | undefined;
  /** `/metrics` (Prometheus), unless METRICS=off; behind a bearer token when METRICS_TOKEN is set. */
  metrics?: { render: () => Promise<{ contentType: string; body: string }>; token: string | null };
}

/** Builds the application. */
export const createApp = ({ log, door, plugins, documentJson, ready, web = [], metrics, runtimeAssets }: AppOptions): Hono => {
  const app = new Hono();
  // Not `app.use('*')`: operation routes wrap the door into their one handler (one frame less per call).
  for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/*']) app.use(path, door.middleware);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const r = await ready();
    return c.json({ status: r.ok ? 'ready' : 'not ready', checks: r.checks }, r.ok ? 200 : 503);
  });
  if (metrics) {
    app.use('/metrics', door.middleware);
    const expected = metrics.token ? Buffer.from(`Bearer ${metrics.token}`) : null;
    app.get('/metrics', async (c) => {
      if (expected) {
        const given = Buffer.from(c.req.header('authorization') ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return problemResponse(
            c,
            { status: 401, code: 'METRICS_TOKEN_INVALID', title: 'Unauthorized', detail: 'Send Authorization: Bearer <METRICS_TOKEN>.' },
            { 'www-authenticate': 'Bearer realm="metrics"' },
          );
        }
      }
      const { contentType, body } = await metrics.render();
      return c.body(body, 200, { 'content-type': contentType });
    });
  }
  app.get('/openapi.json', (c) => c.body(documentJson(), 200, { 'content-type': 'application/json; charset=utf-8' }));
  app.route('/docs', docsRoutes());
  for (const plugin of plugins) app.route(plugin.prepared.meta.basePath, plugin.routes);
  for (const { path, routes } of web) {
    for (const p of [path, `${path}/*`]) app.use(p, door.middleware);
    app.route(path, routes);
  }

  answerProblems(app, log, runtimeAssets);
  return app;
};

/**
 * An app serving one asset's routes under its base path, answering unmatched requests and errors as the platform
 * does: what an asset added at runtime is served by (see `runtimeAssets`).
 */
export const mountAsset = (log: Logger, basePath: string, routes: Hono): Hono => {
  const app = new Hono();
  app.route(basePath, routes);
  answerProblems(app, log);
  return app;
};

/** 404, or 405 with `Allow` when another method would match (after `fallback` declined), and errors: problem+json. */
const answerProblems = (app: Hono, log: Logger, fallback?: (c: Context) => Promise<Response> | undefined) => {
  const allowedMethods = methodsByPath(app);
  app.notFound((c) => {
    const routed = fallback?.(c);
    if (routed) return routed;
    ensureRequestId(c);
    const methods = allowedMethods(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      return problemResponse(
        c,
        {
          status: 405,
          code: 'METHOD_NOT_ALLOWED',
          title: 'Method Not Allowed',
          detail: `${c.req.method} is not allowed here; use ${methods.join(', ')}.`,
        },
        { allow: methods.join(', ') },
      );
    }
    return problemResponse(c, {
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not Found',
      detail: `No route for ${c.req.method} ${c.req.path}.`,
    });
  });
  let lastOutageLog = 0;
  app.onError((err, c) => {
    const reqId = ensureRequestId(c);
    const { problem, headers, internal } = mapError(err);
    // Logged outside the request's scope (the error left it): name the request id explicitly.
    if (internal) log.error({ err, reqId, method: c.req.method, path: c.req.path }, 'request failed');
    else if (problem.code === 'DATABASE_UNAVAILABLE' && Date.now() - lastOutageLog > 5000) {
      // Once per five seconds, not once per request: an outage must not flood the log.
      lastOutageLog = Date.now();
      log.warn({ reqId, code: (err as { code?: string }).code }, 'the database is unreachable; answering 503');
    }
    return problemResponse(c, problem, headers);
  });
};

/**
 * The methods each route path answers, looked up only for unmatched requests (a 404 or a 405 is decided there, so
 * matched requests pay nothing). Built on first use, after every route is registered.
 */
const methodsByPath = (app: Hono): ((path: string) => string[]) => {
  let router: TrieRouter<string[]> | undefined;
  return (path) => {
    if (!router) {
      const byPath = new Map<string, Set<string>>();
      for (const route of app.routes) {
        if (route.method === 'ALL' || route.method === 'HEAD') continue;
        const methods = byPath.get(route.path) ?? new Set<string>();
        methods.add(route.method);
        if (route.method === 'GET') methods.add('HEAD');
        byPath.set(route.path, methods);
      }
      router = new TrieRouter<string[]>();
      for (const [p, methods] of byPath) router.add('ALL', p, [...methods]);
    }
    const found = new Set<string>();
    for (const [methods] of router.match('ALL', path)[0]) for (const m of methods) found.add(m);
    return [...found];
  };
};
