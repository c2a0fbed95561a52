/**
 * @module CloudStack request signing, byte for byte as the management server verifies it
 * (ApiServer.verifyRequest: sorted names, Java URLEncoder values, lower-cased, HMAC-SHA1, base64).
 */
import { createHmac } from 'node:crypto';

/** The characters `encodeURIComponent` leaves alone but Java's `URLEncoder` encodes (it keeps only `A-Za-z0-9.-*_`). */
const JAVA_EXTRA = /[!'()~]/g;

/**
 * Encodes a parameter value the way the server does before it signs: `URLEncoder.encode(v, "UTF-8")` with `+` as
 * `%20`. Also right for the wire, since the servlet decodes `%20` back to a space.
 * @example encodeValue("it's a/b") // "it%27s%20a%2Fb"
 */
export const encodeValue = (value: string): string =>
  encodeURIComponent(value).replace(JAVA_EXTRA, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The signature of a request: every parameter but `signature`, sorted by name as sent (case-sensitive, UTF-16 order
 * like Java's `Collections.sort`), joined as `name=ENC(value)`, lower-cased, HMAC-SHA1 with the secret key, base64.
 * The caller URL-encodes the result when it puts it on the wire (`+`, `/`, `=`).
 * @example signRequest({ apiKey: 'foo', command: 'listVirtualMachines', listall: 'true', response: 'json' }, 'bar')
 * // "B0d6hBsZTcFVCiioSxzwKA9Pke8="
 */
export function signRequest(params: Record<string, string>, secretKey: string): string {
  const names = Object.keys(params)
    .filter((name) => name.toLowerCase() !== 'signature')
    .sort();
  const unsigned = names.map((name) => `${name}=${encodeValue(params[name])}`).join('&');
  return createHmac('sha1', secretKey).update(unsigned.toLowerCase(), 'utf8').digest('base64');
}
