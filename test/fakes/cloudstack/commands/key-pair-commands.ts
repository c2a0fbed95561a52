/** @module SSH key pairs, named per account; the private key appears in createSSHKeyPair's answer only. */

import { generateSshKeyPair, parseSshPublicKey } from '../../../../plugins/dpaas/src/simulator/ssh-key.js';
import { ApiError } from '../api-error.js';
import type { Handler } from '../fake-context.js';
import { listResponse } from '../list-response.js';

export const keyPairCommands: Record<string, Handler> = {
  createSSHKeyPair: (p, { state }) => {
    const name = p.require('name');
    if (state.keyPairs.has(name)) throw new ApiError(431, `A key pair with name '${name}' already exists.`);
    const { privateKey, publicKey, fingerprint } = generateSshKeyPair(name);
    state.keyPairs.set(name, { name, fingerprint, account: state.account.name, publickey: publicKey });
    return { keypair: { name, fingerprint, privatekey: privateKey } };
  },

  registerSSHKeyPair: (p, { state }) => {
    const name = p.require('name');
    const parsed = parseSshPublicKey(p.require('publickey'));
    if (!parsed) throw new ApiError(431, 'Public key is invalid');
    if (state.keyPairs.has(name)) throw new ApiError(431, `A key pair with name '${name}' already exists.`);
    state.keyPairs.set(name, { name, fingerprint: parsed.fingerprint, account: state.account.name });
    return { keypair: { name, fingerprint: parsed.fingerprint } };
  },

  listSSHKeyPairs: (p, { state }) => {
    const name = p.get('name');
    return listResponse(
      p,
      'sshkeypair',
      [...state.keyPairs.values()].filter((k) => !name || k.name === name).map(({ publickey: _, ...k }) => k),
    );
  },

  deleteSSHKeyPair: (p, { state }) => {
    const name = p.require('name');
    if (!state.keyPairs.delete(name))
      throw new ApiError(431, `A key pair with name '${name}' does not exist for account ${state.account.name} in specified domain id`);
    return { success: 'true' };
  },
};
