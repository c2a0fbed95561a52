/** @module The console's name, mount path, cookie and navigation, shared by its routes and pages. */
import type { NavLink } from '../views/layout.js';

export const CONSOLE = { name: 'Operator console', base: '/console' } as const;
export const CONSOLE_COOKIE = { name: 'sb_console', path: '/console' } as const;

export const CONSOLE_NAV: NavLink[] = [
  { href: '/console', label: 'Assets' },
  { href: '/console/partners', label: 'Partners' },
  { href: '/console/orgs', label: 'Organizations' },
  { href: '/console/usage', label: 'Usage' },
  { href: '/console/jobs', label: 'Jobs' },
  { href: '/console/queues', label: 'Queues' },
  { href: '/console/audit', label: 'Audit log' },
];

/** Who may press buttons: viewers see, operators and admins change (the admin API's `scopes`). */
export const canChange = (role: string): boolean => role === 'operator' || role === 'admin';
