/**
 * @module Headers on every console and portal page: nothing cached (a page may show a key once), a content security
 * policy allowing only our own script and stylesheet (no inline script, so injected markup cannot run), and no
 * framing (clickjacking the on/off switches).
 */
import type { MiddlewareHandler } from 'hono';

const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const pageHeaders = (): MiddlewareHandler =>
  async function pageHeaders(c, next) {
    await next();
    if (!c.req.path.includes('/assets/')) c.header('cache-control', 'no-store');
    c.header('content-security-policy', POLICY);
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    c.header('x-content-type-options', 'nosniff');
  };
