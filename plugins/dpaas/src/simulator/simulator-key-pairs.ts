/** @module Simulated SSH key pairs: real RSA keys, so a created private key works with ssh tools. */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import { checkName } from '../driver/validate-input.js';
import type { SimContext } from './simulator-state.js';
import { generateSshKeyPair, parseSshPublicKey } from './ssh-key.js';

type KeyPairPart = Pick<ComputeDriver, 'createKeyPair' | 'importKeyPair' | 'listKeyPairs' | 'deleteKeyPair'>;

export const createSimulatorKeyPairs = ({ state }: SimContext): KeyPairPart => {
  const vacant = (name: string) => {
    checkName('key pair', name);
    if (state.keyPairs.has(name)) throw driverError('already-exists', `a key pair named '${name}' already exists`);
  };
  return {
    createKeyPair: async (name) => {
      vacant(name);
      const { privateKey, fingerprint } = generateSshKeyPair(name);
      state.keyPairs.set(name, { name, fingerprint });
      return { name, fingerprint, privateKey };
    },
    importKeyPair: async (name, publicKey) => {
      vacant(name);
      const parsed = parseSshPublicKey(publicKey);
      if (!parsed) throw driverError('bad-parameter', 'the public key is not an OpenSSH public key');
      state.keyPairs.set(name, { name, fingerprint: parsed.fingerprint });
      return { name, fingerprint: parsed.fingerprint };
    },
    listKeyPairs: async () => [...state.keyPairs.values()].map((k) => ({ ...k })),
    deleteKeyPair: async (name) => {
      if (!state.keyPairs.delete(name)) throw notFound('key pair', name, { provider: 'simulator' });
    },
  };
};
