/** @module SSH key pairs, named per app. The private key of a created pair passes through this answer and nowhere else. */
import { ConflictError, NotFoundError } from '@switchboard/sdk';
import { driverErrorReason } from '../driver/driver-error.js';
import { KeyPair } from '../entities/key-pair.js';
import { providerName } from '../service/ids.js';
import { keyPairView } from '../service/views.js';
import { type Ctx, isUniqueViolation, type Part } from './context.js';

type KeyPairHandlers = Part<'listKeyPairs' | 'createKeyPair' | 'importKeyPair' | 'getKeyPair' | 'deleteKeyPair'>;

export const keyPairHandlers = (ctx: Ctx): KeyPairHandlers => {
  const { db, driver } = ctx;
  const own = async (appId: string | null, name: string) => {
    const row = await db.findOne(KeyPair, { appId, name });
    if (!row) throw new NotFoundError('key pair', name);
    return row;
  };
  const vacant = async (appId: string | null, name: string) => {
    if (await db.count(KeyPair, { appId, name }))
      throw new ConflictError(`a key pair named '${name}' already exists`, { code: 'ALREADY_EXISTS' });
  };
  /** Keeps the record; a concurrent twin loses at the unique index and its provider pair is dropped again. */
  const record = async (appId: string | null, name: string, pname: string, fingerprint: string) => {
    const row = db.create(KeyPair, { appId, name, providerName: pname, fingerprint, createdAt: new Date() });
    try {
      await db.flush();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      throw new ConflictError(`a key pair named '${name}' already exists`, { code: 'ALREADY_EXISTS' });
    }
    return row;
  };

  return {
    listKeyPairs: async ({ caller }) => ({
      status: 200,
      body: { items: (await db.find(KeyPair, { appId: caller.appId }, { orderBy: { name: 'asc' } })).map(keyPairView) },
    }),

    createKeyPair: async ({ body, caller }) => {
      await vacant(caller.appId, body.name);
      const pname = providerName(caller.appId, body.name);
      const created = await driver.createKeyPair(pname);
      const row = await record(caller.appId, body.name, pname, created.fingerprint);
      return {
        status: 201,
        body: { ...keyPairView(row), privateKey: created.privateKey },
        headers: { 'cache-control': 'no-store' },
      };
    },

    importKeyPair: async ({ body, caller }) => {
      await vacant(caller.appId, body.name);
      const pname = providerName(caller.appId, body.name);
      const imported = await driver.importKeyPair(pname, body.publicKey.trim());
      return { status: 201, body: keyPairView(await record(caller.appId, body.name, pname, imported.fingerprint)) };
    },

    getKeyPair: async ({ params, caller }) => ({ status: 200, body: keyPairView(await own(caller.appId, params.name)) }),

    deleteKeyPair: async ({ params, caller }) => {
      const row = await own(caller.appId, params.name);
      try {
        await driver.deleteKeyPair(row.providerName);
      } catch (e) {
        if (driverErrorReason(e) !== 'not-found') throw e;
      }
      await db.remove(row).flush();
      return { status: 204 };
    },
  };
};
