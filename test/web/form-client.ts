/**
 * A browser without a browser for the plain HTTP tests: keeps cookies per path (the console's and the portal's
 * pre-session cookies share a name), posts forms URL-encoded, follows nothing, and reads the CSRF field of a page.
 */
import type { Hono } from 'hono';

export interface Cookie {
  name: string;
  value: string;
  path: string;
  attributes: string[];
}

export const parseSetCookie = (line: string): Cookie => {
  const [pair, ...attributes] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
  return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), path, attributes };
};

export const csrfOf = (html: string): string => {
  const m = /name="_csrf" value="([0-9a-f]{64})"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1];
};

export class FormClient {
  readonly jar = new Map<string, Cookie>();
  /** Every Set-Cookie line seen, for the flag assertions. */
  readonly setCookies: string[] = [];

  constructor(
    private readonly app: Hono,
    private readonly origin = 'http://localhost',
  ) {}

  private cookieHeader(path: string): string {
    return [...this.jar.values()]
      .filter((c) => path === c.path || path.startsWith(`${c.path}/`))
      .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
      .join('; ');
  }

  private keep(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const cookie = parseSetCookie(line);
      const key = `${cookie.path}|${cookie.name}`;
      if (cookie.value === '' || cookie.attributes.some((a) => /^max-age=0$/i.test(a))) this.jar.delete(key);
      else this.jar.set(key, cookie);
    }
    return res;
  }

  cookie(path: string, name: string): string | undefined {
    return this.jar.get(`${path}|${name}`)?.value;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = this.cookieHeader(path);
    return this.keep(await this.app.request(`${this.origin}${path}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } }));
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = this.cookieHeader(path);
    return this.keep(
      await this.app.request(`${this.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers, ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** GETs a page and returns it with its CSRF token. */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string }> {
    const res = await this.get(path);
    const html = await res.text();
    return { res, html, csrf: csrfOf(html) };
  }
}
