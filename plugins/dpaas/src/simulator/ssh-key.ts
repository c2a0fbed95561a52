/** @module SSH key material for simulated providers: new RSA pairs, OpenSSH public keys, MD5 fingerprints as CloudStack shows them. */
import { createHash, generateKeyPairSync } from 'node:crypto';

const KEY_TYPES = ['ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

const sshString = (b: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};
/** SSH mpints are signed: a leading 1 bit needs a zero byte in front. */
const mpint = (b: Buffer) => sshString(b[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b);

/** `aa:bb:...`, the MD5 of the public key blob. */
export const fingerprintOf = (blob: Buffer): string =>
  createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');

/** A new RSA pair: the private key as PEM, the public key as an OpenSSH line. */
export const generateSshKeyPair = (comment: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e as string, 'base64url')),
    mpint(Buffer.from(jwk.n as string, 'base64url')),
  ]);
  return {
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    fingerprint: fingerprintOf(blob),
  };
};

/** The fingerprint of an OpenSSH public key line, or undefined when it is not one. */
export const parseSshPublicKey = (line: string): { type: string; fingerprint: string } | undefined => {
  const [type, data] = line.trim().split(/\s+/);
  if (!type || !data || !KEY_TYPES.includes(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined;
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4 + type.length) return undefined;
  const len = blob.readUInt32BE(0);
  if (len !== type.length || blob.subarray(4, 4 + len).toString() !== type) return undefined;
  return { type, fingerprint: fingerprintOf(blob) };
};
