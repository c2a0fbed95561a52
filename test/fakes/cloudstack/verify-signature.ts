/**
 * @module The server side of CloudStack's signature check, after ApiServer.verifyRequest. Written independently of
 * the driver's signer (byte by byte, as java.net.URLEncoder works) so that a shared mistake cannot pass both.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const KEEP = /[A-Za-z0-9.\-*_]/;

/** `URLEncoder.encode(value, "UTF-8").replaceAll("\\+", "%20")`. */
export const javaUrlEncode = (value: string): string => {
  let out = '';
  for (const ch of value) {
    if (KEEP.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.replaceAll('+', '%20');
};

/** The signature the server computes from the parameters as received (names as sent, first value of each). */
export const serverSignature = (params: Map<string, string>, secretKey: string): string => {
  const names = [...params.keys()].filter((n) => n.toLowerCase() !== 'signature');
  // Java's Collections.sort on strings: UTF-16 code units, case-sensitive.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const unsigned = names.map((n) => `${n}=${javaUrlEncode(params.get(n) ?? '')}`).join('&');
  return createHmac('sha1', Buffer.from(secretKey, 'utf8')).update(Buffer.from(unsigned.toLowerCase(), 'utf8')).digest('base64');
};

/** `DateUtil.parseTZDateString`: `yyyy-MM-dd'T'HH:mm:ssZ`, the zone as +HHMM. */
export const parseExpires = (value: string): number | undefined => {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})([+-]\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}${m[2]}:${m[3]}`);
  return Number.isNaN(t) ? undefined : t;
};

export type VerifyResult = { ok: true } | { ok: false; why: string };

/** Every reason the server refuses a request before running it; all answer the same 401 to the client. */
export const verifyRequest = (params: Map<string, string>, keys: { apiKey: string; secretKey: string }, now = Date.now()): VerifyResult => {
  const get = (name: string) => [...params.entries()].find(([k]) => k.toLowerCase() === name)?.[1];
  const signature = get('signature');
  const apiKey = get('apikey');
  if (!signature || !apiKey) return { ok: false, why: 'missing signature or apiKey' };
  if (get('signatureversion') === '3') {
    const expires = get('expires');
    if (!expires) return { ok: false, why: 'signatureVersion 3 without expires' };
    const at = parseExpires(expires);
    if (at === undefined) return { ok: false, why: `unparseable expires ${expires}` };
    if (at < now) return { ok: false, why: 'expired' };
  }
  if (apiKey !== keys.apiKey) return { ok: false, why: 'unknown apiKey' };
  const expected = Buffer.from(serverSignature(params, keys.secretKey));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true } : { ok: false, why: 'signature mismatch' };
};
