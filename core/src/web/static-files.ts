/**
 * @module The UIs' stylesheet and script, served by the core from `static/` (no CDN: the console must work on a
 * network with no way out). Read once at start; a short list of names, so nothing else on disk is reachable.
 */
import { readFileSync } from 'node:fs';
import type { Handler } from 'hono';

const TYPES: Record<string, string> = {
  'web.css': 'text/css; charset=utf-8',
  'web.js': 'text/javascript; charset=utf-8',
};

export const staticFiles = (): Handler => {
  const files = new Map(Object.keys(TYPES).map((name) => [name, readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8')]));
  return function webAsset(c) {
    const name = c.req.param('file') ?? '';
    const text = files.get(name);
    if (text === undefined) return c.notFound();
    return c.body(text, 200, { 'content-type': TYPES[name], 'cache-control': 'public, max-age=300' });
  };
};
