/**
 * @module Which upstream hosts a partner asset may reach: public addresses only, unless PARTNER_ALLOWED_HOSTS names
 * the host, the address or its range. Checked on the URL at load and on every DNS answer at connect time (the
 * `lookup` of each upstream connection), so a name that later resolves to 127.0.0.1 or 169.254.169.254 is refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry), the cloud metadata address included. */
const PRIVATE_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/** IPv6 ranges inside global unicast 2000::/3 that are still not public (everything outside 2000::/3 is not). */
const PRIVATE_V6: [string, number][] = [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address, relayed who knows where
];

const privateV4 = new BlockList();
for (const [net, prefix] of PRIVATE_V4) privateV4.addSubnet(net, prefix, 'ipv4');
const privateV6 = new BlockList();
for (const [net, prefix] of PRIVATE_V6) privateV6.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit words of an IPv6 address (zone dropped, a dotted IPv4 tail converted); null if malformed. */
const v6Words = (address: string): number[] | null => {
  let a = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const b = dotted[1].split('.').map(Number);
    a = `${a.slice(0, -dotted[1].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail, extra] = a.split('::');
  if (extra !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const words = [...h, ...Array(Math.max(fill, 0)).fill('0'), ...t].map((w) => Number.parseInt(w, 16));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : null;
};

const v4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * Whether an IP address is publicly routable. IPv4-mapped (`::ffff:127.0.0.1`, `::ffff:7f00:1`) and NAT64
 * (`64:ff9b::/96`) addresses are judged by the IPv4 address they carry.
 */
export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return !privateV4.check(address, 'ipv4');
  if (family !== 6) return false;
  const w = v6Words(address);
  if (!w) return false;
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && w[5] === 0xffff) return isPublicAddress(v4Of(w[6], w[7]));
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return isPublicAddress(v4Of(w[6], w[7]));
  return (w[0] & 0xe000) === 0x2000 && !privateV6.check(address, 'ipv6');
};

/** An entry of PARTNER_ALLOWED_HOSTS: a host name, an IP address or a CIDR range. */
export const isAllowedHostEntry = (entry: string): boolean => {
  const [ip, prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  if (prefix !== undefined) {
    const family = isIP(ip);
    const n = Number(prefix);
    return family !== 0 && /^\d+$/.test(prefix) && n <= (family === 4 ? 32 : 128);
  }
  return isIP(ip) !== 0 || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry);
};

export interface HostGuard {
  /** Why `hostname` (a URL's, brackets and all) may not be reached, or undefined: literal addresses only. */
  refusal(hostname: string): string | undefined;
  /** `dns.lookup` that only answers addresses the asset may reach; its error has code `SB_NOT_ALLOWED`. */
  lookup: LookupFunction;
}

/** The error a refused DNS answer fails the connection with. */
export const NOT_ALLOWED = 'SB_NOT_ALLOWED';

/**
 * Builds the guard for a list of allowed host names, addresses and CIDRs (validated by the config loader; a bad
 * entry here throws).
 *
 * @example
 * const guard = hostGuard(['127.0.0.1', 'partner.internal']);
 * guard.refusal('169.254.169.254'); // 'a link-local, private or otherwise non-public address …'
 */
export const hostGuard = (allowed: readonly string[] = []): HostGuard => {
  const names = new Set<string>();
  const ranges = new BlockList();
  for (const raw of allowed) {
    const entry = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (!isAllowedHostEntry(entry)) throw new Error(`not a host name, IP address or CIDR: ${JSON.stringify(raw)}`);
    const [ip, prefix] = entry.split('/');
    const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    if (prefix !== undefined) ranges.addSubnet(ip, Number(prefix), family);
    else if (isIP(ip)) ranges.addAddress(ip, family);
    else names.add(entry.toLowerCase().replace(/\.$/, ''));
  }
  const addressAllowed = (address: string) => {
    const family = isIP(address);
    return isPublicAddress(address) || (family !== 0 && ranges.check(address, family === 4 ? 'ipv4' : 'ipv6'));
  };
  const nameAllowed = (hostname: string) => names.has(hostname.toLowerCase().replace(/\.$/, ''));
  const refused = (hostname: string) =>
    Object.assign(new Error(`${hostname} resolves to no address the platform may reach (PARTNER_ALLOWED_HOSTS)`), {
      code: NOT_ALLOWED,
    });

  return {
    refusal(hostname) {
      const host = hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) === 0 || nameAllowed(host) || addressAllowed(host)) return undefined;
      return `${host} is a loopback, private, link-local or otherwise non-public address: add it to PARTNER_ALLOWED_HOSTS to reach it`;
    },
    lookup(hostname, options, callback) {
      // Always every address, then only the allowed ones: `localhost` may answer ::1 first and 127.0.0.1 second.
      dnsLookup(hostname, { ...options, all: true }, (err, answers: LookupAddress[]) => {
        if (err) return (callback as (e: Error) => void)(err);
        const usable = nameAllowed(hostname) ? answers : answers.filter((a) => addressAllowed(a.address));
        if (usable.length === 0) return (callback as (e: Error) => void)(refused(hostname));
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0].address, usable[0].family);
      });
    },
  };
};
