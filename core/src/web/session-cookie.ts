/**
 * @module The browser session cookie: `HttpOnly` (scripts never see it), `SameSite=Lax` (not sent on cross-site
 * POSTs), `Secure` when the request came over TLS — directly or through a proxy that says so with
 * `X-Forwarded-Proto: https` — and scoped to the UI's path so the console and the portal never see each other's.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** Whether the browser reached us over TLS. Trusting the proxy's header can only add `Secure`, never remove it. */
export const overTls = (c: Context): boolean => {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
};

export interface CookieScope {
  /** Cookie name, e.g. `sb_portal`. */
  name: string;
  /** The UI's mount path, e.g. `/portal`. */
  path: string;
}

export const readCookie = (c: Context, scope: CookieScope): string | undefined => getCookie(c, scope.name);

export const writeCookie = (c: Context, scope: CookieScope, value: string, maxAgeSeconds?: number): void =>
  setCookie(c, scope.name, value, {
    path: scope.path,
    httpOnly: true,
    sameSite: 'Lax',
    secure: overTls(c),
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
  });

export const clearCookie = (c: Context, scope: CookieScope): void => {
  deleteCookie(c, scope.name, { path: scope.path, httpOnly: true, sameSite: 'Lax', secure: overTls(c) });
};
