/** @module `GET /docs`: an interactive API reference (Swagger UI) served from the swagger-ui-dist package, no CDN. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: true });
});`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>`;

/** The docs routes. Files are read on first use and kept in memory: the bundle is ~1.5 MB. */
export const docsRoutes = (): Hono => {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, string>();
  const app = new Hono();
  app.get('/', (c) => c.html(PAGE));
  // One route for every asset, init.js included: a static route beside `:file` would push the whole app off
  // Hono's RegExpRouter onto the slower TrieRouter (measured: ~10% fewer requests/s on every route).
  app.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    if (file === 'init.js') return c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' });
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let text = cache.get(file);
    if (text === undefined) {
      text = readFileSync(join(dir, file), 'utf8');
      cache.set(file, text);
    }
    return c.body(text, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return app;
};
