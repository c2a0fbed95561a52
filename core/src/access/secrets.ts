/**
 * @module Identifiers, API keys, session tokens and password hashes. Keys and tokens are random (190 bits), shown
 * once and stored as SHA-256; passwords are low-entropy, so they get scrypt. Comparisons are constant-time.
 */
import { createHash, hash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` random base62 characters (rejection sampling, so every character is equally likely). */
export const randomToken = (n: number): string => {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += ALPHABET[byte % 62];
    }
  }
  return out;
};

/** A public id such as `app_3kT9…`: recognisable by its prefix, unguessable. */
export const newId = (prefix: string): string => `${prefix}_${randomToken(20)}`;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** SHA-256 of a secret as bytes, for `digestMatches` (one call, no hex round trip: this runs on every keyed call). */
export const sha256Bytes = (text: string): Buffer => hash('sha256', text, 'buffer');

/** Whether `secret` hashes to `expected` (digest bytes), compared in constant time. */
export const digestMatches = (secret: string, expected: Buffer): boolean => {
  const actual = sha256Bytes(secret);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

/** Compares two hex digests in constant time. */
export const sameDigest = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** API keys look like `sbk_<key id>_<secret>`: the prefix says what it is, the id finds the row. */
const KEY_PATTERN = /^sbk_([0-9A-Za-z]{16})_([0-9A-Za-z]{32})$/;

export interface NewApiKey {
  id: string;
  /** The whole key, shown once. */
  key: string;
  secretHash: string;
}

export const generateApiKey = (): NewApiKey => {
  const id = randomToken(16);
  const secret = randomToken(32);
  return { id, key: `sbk_${id}_${secret}`, secretHash: sha256(secret) };
};

/** Splits a presented key; null when it is not shaped like one of ours. */
export const parseApiKey = (presented: string): { id: string; secret: string } | null => {
  const m = KEY_PATTERN.exec(presented);
  return m ? { id: m[1], secret: m[2] } : null;
};

/** Session and admin tokens: `sbs_<secret>` / `sba_<secret>`; looked up by their hash. */
export const generateToken = (prefix: 'sbs' | 'sba'): { token: string; hash: string } => {
  const token = `${prefix}_${randomToken(40)}`;
  return { token, hash: sha256(token) };
};

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** `scrypt$N$r$p$salt$hash`, all parameters stored so they can be raised later. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16);
  const hash = await scrypt(password.normalize('NFC'), salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
};

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
};
