/** @module SSH key pairs on CloudStack, identified by name within the account. */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import { checkName } from '../driver/validate-input.js';
import type { Json } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { toKeyPair } from './map-resources.js';

type KeyPairPart = Pick<ComputeDriver, 'createKeyPair' | 'importKeyPair' | 'listKeyPairs' | 'deleteKeyPair'>;

export const createCloudStackKeyPairs = (ctx: CloudStackContext): KeyPairPart => ({
  createKeyPair: async (name) => {
    checkName('key pair', name);
    const { keypair } = (await ctx.call('createSSHKeyPair', { name })) as { keypair?: Json };
    if (!keypair?.privatekey) throw driverError('provider', 'CloudStack createSSHKeyPair answered without a private key');
    return { ...toKeyPair(keypair), privateKey: String(keypair.privatekey) };
  },
  importKeyPair: async (name, publicKey) => {
    checkName('key pair', name);
    const { keypair } = (await ctx.call('registerSSHKeyPair', { name, publickey: publicKey.trim() })) as { keypair?: Json };
    if (!keypair) throw driverError('provider', 'CloudStack registerSSHKeyPair answered without the key pair');
    return toKeyPair(keypair);
  },
  listKeyPairs: async () => (await ctx.listAll<Json>('listSSHKeyPairs', 'sshkeypair')).map(toKeyPair),
  deleteKeyPair: async (name) => {
    // CloudStack words an unknown name as a parameter error; asking first makes it a plain not-found.
    const { items } = await ctx.list('listSSHKeyPairs', 'sshkeypair', { name });
    if (!items.some((k) => k.name === name)) throw notFound('key pair', name, { provider: 'cloudstack' });
    await ctx.call('deleteSSHKeyPair', { name });
  },
});
