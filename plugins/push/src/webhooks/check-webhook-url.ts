/**
 * @module Which webhook URLs an app may set. In production: https only, and no literal loopback, private or
 * link-local address (the platform must not become a way to reach its own network). Outside production anything
 * http(s) goes, so tests and local receivers work. Host names are not resolved here: DNS that points a public
 * name at a private address is not caught (see docs/assets/push.md).
 */
import { isIP } from 'node:net';
import { InputError } from '@switchboard/sdk';

const PRIVATE_V4 = [
  /^10\./,
  /^127\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^0\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
];

const isPrivateHost = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  if (isIP(h) === 4) return PRIVATE_V4.some((re) => re.test(h));
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith('::ffff:');
  return false;
};

export const checkWebhookUrl = (url: string, production: boolean): void => {
  if (!production) return;
  const u = new URL(url);
  const refuse = (why: string) => {
    throw new InputError(`The webhook URL is refused: ${why}`, { code: 'WEBHOOK_URL_REFUSED', details: { pointer: '/body/url' } });
  };
  if (u.protocol !== 'https:') refuse('it must use https');
  if (isPrivateHost(u.hostname)) refuse('it points at a loopback, private or link-local address');
};
