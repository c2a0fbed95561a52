/** @module The portal's name, mount path, cookie and navigation, shared by its routes and pages. */
import type { NavLink } from '../views/layout.js';

export const PORTAL = { name: 'Developer portal', base: '/portal' } as const;
export const PORTAL_COOKIE = { name: 'sb_portal', path: '/portal' } as const;

export const PORTAL_NAV: NavLink[] = [
  { href: '/portal', label: 'Apps' },
  { href: '/portal/apis', label: 'APIs' },
  { href: '/docs', label: 'Interactive docs' },
];
