/**
 * @module Checks every driver makes before it calls its provider, so a bad request fails the same way (and as early)
 * whichever driver serves it.
 */
import { driverError } from './driver-error.js';
import type { FirewallRuleInput } from './firewall.js';
import { MAX_PAGE_SIZE, type PageRequest } from './page.js';

/** CloudStack's `vm.userdata.max.length`: the base64 text, not the decoded bytes. */
export const MAX_USER_DATA_BASE64 = 32_768;

const HOST_NAME = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const IPV4_CIDR = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(?:3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(?:12[0-8]|1[01]\d|\d?\d)$/;

const bad = (message: string) => driverError('bad-parameter', message);

export const checkInstanceName = (name: string): void => {
  if (!HOST_NAME.test(name))
    throw bad(`instance name '${name}' is not a host name: use letters, digits and hyphens, 1-63 characters, starting with a letter`);
};

/** Base64 of the user data, refused when the provider would refuse it. */
export const encodeUserData = (text: string): string => {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  if (encoded.length > MAX_USER_DATA_BASE64)
    throw bad(`user data is ${encoded.length} characters once base64-encoded; the limit is ${MAX_USER_DATA_BASE64}`);
  return encoded;
};

const isPort = (n: number | undefined): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
const isIcmp = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= -1 && n <= 255);

export const checkFirewallRule = (rule: FirewallRuleInput): void => {
  if (!['tcp', 'udp', 'icmp', 'all'].includes(rule.protocol)) throw bad(`protocol '${rule.protocol}' is not one of tcp, udp, icmp, all`);
  if (!IPV4_CIDR.test(rule.cidr) && !IPV6_CIDR.test(rule.cidr)) throw bad(`'${rule.cidr}' is not a CIDR`);
  if (rule.protocol === 'tcp' || rule.protocol === 'udp') {
    if (!isPort(rule.startPort) || !isPort(rule.endPort)) throw bad('tcp and udp rules need startPort and endPort between 1 and 65535');
    if (rule.startPort > rule.endPort) throw bad(`port range ${rule.startPort}-${rule.endPort} is inverted`);
  } else if (rule.startPort !== undefined || rule.endPort !== undefined) {
    throw bad(`ports apply to tcp and udp only, not ${rule.protocol}`);
  }
  if (
    rule.protocol === 'icmp' ? !isIcmp(rule.icmpType) || !isIcmp(rule.icmpCode) : rule.icmpType !== undefined || rule.icmpCode !== undefined
  )
    throw bad('icmpType and icmpCode apply to icmp only, between -1 and 255');
};

export const checkPage = (page: PageRequest): void => {
  if (!Number.isInteger(page.page) || page.page < 1) throw bad('page starts at 1');
  if (!Number.isInteger(page.pageSize) || page.pageSize < 1 || page.pageSize > MAX_PAGE_SIZE)
    throw bad(`page size is between 1 and ${MAX_PAGE_SIZE}`);
};

export const checkName = (what: string, name: string, max = 255): void => {
  if (name.trim() === '' || name.length > max) throw bad(`${what} name must be 1-${max} characters`);
};
