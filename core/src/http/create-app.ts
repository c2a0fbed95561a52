/**
 * @module The Hono application: request id → access log → body limit → routes; every error and every unmatched
 * request ends as problem+json.
 */
import type { Logger } from '@switchboard/sdk';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { requestScope } from '../logging/request-scope.js';
import { docsRoutes } from '../openapi/docs-page.js';
import type { ActivePlugin } from '../plugins/activate-plugin.js';
import { mapError } from './map-error.js';
import { problemResponse } from './problem.js';
import './context.js';

export interface AppOptions {
  log: Logger;
  accessLog: boolean;
  bodyLimitBytes: number;
  plugins: ActivePlugin[];
  /** The merged OpenAPI document, serialized once. */
  documentJson: () => string;
  /** Extra admin routes without a manifest (background work), mounted behind `guard`. */
  adminRoutes?: { path: string; routes: Hono; guard: MiddlewareHandler }[];
  /** Answers whether the platform can serve (database reachable). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
}

/** Builds the application. */
export const createApp = ({ log, accessLog, bodyLimitBytes, plugins, documentJson, ready, adminRoutes = [] }: AppOptions): Hono => {
  const app = new Hono();
  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(async function requestScoped(c, next) {
    await requestScope.run(c.get('requestId'), next);
  });
  if (accessLog) {
    app.use(async function accessLogger(c, next) {
      const started = performance.now();
      await next();
      log.info(
        {
          reqId: c.get('requestId'),
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    });
  }
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          c,
          {
            status: 405,
            code: 'METHOD_NOT_ALLOWED',
            title: 'Method Not Allowed',
            detail: `${c.req.method} is not allowed here; use ${methods.join(', ')}.`,
          },
          { allow: methods.join(', ') },
        ),
    }),
  );
  app.use(
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: (c) =>
        problemResponse(c, {
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          title: 'Content Too Large',
          detail: `The body exceeds the limit of ${bodyLimitBytes} bytes.`,
          limit: bodyLimitBytes,
        }),
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const r = await ready();
    return c.json({ status: r.ok ? 'ready' : 'not ready', checks: r.checks }, r.ok ? 200 : 503);
  });
  app.get('/openapi.json', (c) => c.body(documentJson(), 200, { 'content-type': 'application/json; charset=utf-8' }));
  app.route('/docs', docsRoutes());
  for (const plugin of plugins) app.route(plugin.prepared.meta.basePath, plugin.routes);
  for (const extra of adminRoutes) {
    app.use(`${extra.path}/*`, extra.guard);
    app.route(extra.path, extra.routes);
  }

  app.notFound((c) =>
    problemResponse(c, { status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: `No route for ${c.req.method} ${c.req.path}.` }),
  );
  app.onError((err, c) => {
    const { problem, headers, internal } = mapError(err);
    if (internal) log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return problemResponse(c, problem, headers);
  });
  return app;
};
