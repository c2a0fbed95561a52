/**
 * @module CSRF protection for the UIs' forms. The token is derived from the session cookie (a per-session token that
 * needs no storage: whoever can read it could already read the cookie), or before sign-in from a random pre-session
 * cookie (double submit, so sign-in and sign-up forms cannot be posted from another site either). Every POST must
 * carry it in the `_csrf` field; anything else answers 403.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomToken, sameDigest, sha256 } from '../access/secrets.js';
import { type CookieScope, overTls, readCookie } from './session-cookie.js';
import type { WebEnv } from './web-env.js';

export const CSRF_FIELD = '_csrf';
const PRE_SESSION = 'sb_csrf';

/** The form token for a cookie secret: a digest, so the page never shows the secret itself. */
export const csrfTokenFor = (secret: string): string => sha256(`switchboard-csrf:${secret}`);

/** Sets `csrfToken` for the views and refuses any POST without the matching token. */
export const csrf = (session: CookieScope, forbidden: MiddlewareHandler<WebEnv>): MiddlewareHandler<WebEnv> =>
  async function csrfCheck(c, next) {
    let secret = readCookie(c, session) ?? getCookie(c, PRE_SESSION);
    if (!secret && c.req.method === 'GET') {
      secret = randomToken(32);
      setCookie(c, PRE_SESSION, secret, { path: session.path, httpOnly: true, sameSite: 'Lax', secure: overTls(c) });
    }
    const expected = secret ? csrfTokenFor(secret) : '';
    c.set('csrfToken', expected);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const sent = form[CSRF_FIELD];
      if (!expected || typeof sent !== 'string' || !/^[0-9a-f]{64}$/.test(sent) || !sameDigest(sent, expected)) {
        return forbidden(c, next);
      }
    }
    await next();
  };
