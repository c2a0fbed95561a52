/** @module The neutral SSH key pairs, named per account. */

export interface KeyPair {
  name: string;
  /** MD5 of the public key blob, colon-separated hex (what CloudStack shows). */
  fingerprint: string;
}

/** Returned once, by create: nothing stores the private key afterwards. */
export interface CreatedKeyPair extends KeyPair {
  privateKey: string;
}
