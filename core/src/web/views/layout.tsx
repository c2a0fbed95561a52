/** @jsxImportSource hono/jsx */
/**
 * @module The page frame shared by the console and the portal: a skip link, a labelled navigation, one `<main>`,
 * the viewport meta for phones, and our own stylesheet and script (served from this folder).
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export interface NavLink {
  href: string;
  label: string;
}

export interface LayoutProps {
  /** Page title, also the `<h1>`. */
  title: string;
  /** The UI's name and mount path, e.g. `Developer portal` at `/portal`. */
  ui: { name: string; base: string };
  nav: NavLink[];
  /** Which nav link is the current page (its href). */
  current?: string;
  /** Who is signed in, and the sign-out form. */
  account?: Child;
  children?: Child;
}

export const Layout = ({ title, ui, nav, current, account, children }: LayoutProps) => (
  <>
    {/* Raw: a text child would be escaped, and without a doctype browsers render in quirks mode. */}
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${ui.name} · Switchboard`}</title>
        <link rel="stylesheet" href={`${ui.base}/assets/web.css`} />
        <script src={`${ui.base}/assets/web.js`} defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={ui.base}>
            Switchboard <span>{ui.name}</span>
          </a>
          {nav.length > 0 && (
            <nav aria-label={ui.name}>
              <ul>
                {nav.map((link) => (
                  <li>
                    <a href={link.href} aria-current={link.href === current ? 'page' : undefined}>
                      {link.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {account}
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  </>
);
