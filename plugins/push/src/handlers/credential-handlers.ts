/** @module Upload, replace, inspect and delete an app's FCM and APNs credentials. Responses carry metadata only. */
import { type Database, type Handlers, type Logger, NotFoundError } from '@switchboard/sdk';
import { PushCredential } from '../entities/credential.js';
import type { operations } from '../generated/openapi.js';
import { validateApnsCertificate, validateApnsTokenKey, validateFcmServiceAccount } from '../providers/index.js';
import type { PushRuntime } from '../runtime.js';
import { openCredential, type ProviderName, storeCredential } from '../store/app-credentials.js';
import { appOf } from './caller-app.js';
import { credentialView } from './views.js';

type CredentialOps = Pick<operations, 'getCredentials' | 'putFcmCredentials' | 'putApnsCredentials' | 'deleteCredentials'>;

export const credentialHandlers = (db: Database, log: Logger, runtime: () => PushRuntime): Handlers<CredentialOps> => {
  /** Drops the sender's cached client for credentials that were just replaced or deleted. */
  const forget = async (provider: ProviderName, plaintext: string | undefined) => {
    if (!plaintext) return;
    const creds = JSON.parse(plaintext);
    await (provider === 'fcm' ? runtime().fcm.forget(creds) : runtime().apns.forget(creds));
  };

  return {
    getCredentials: async ({ caller }) => {
      const rows = await db.find(PushCredential, { appId: appOf(caller) });
      const of = (p: ProviderName) => {
        const row = rows.find((r) => r.provider === p);
        return row ? credentialView(row) : null;
      };
      return { status: 200, body: { fcm: of('fcm'), apns: of('apns') } };
    },

    putFcmCredentials: async ({ body, caller }) => {
      const appId = appOf(caller);
      const sa = validateFcmServiceAccount(body.serviceAccount, '/body/serviceAccount');
      const { row, replaced } = await storeCredential(db, runtime().cipher, appId, 'fcm', JSON.stringify(sa), {
        projectId: sa.projectId,
        clientEmail: sa.clientEmail,
      });
      await forget('fcm', replaced);
      // Metadata only: the logger redacts key-like fields anyway, but nothing secret is handed to it.
      log.info({ appId, provider: 'fcm', projectId: sa.projectId, replaced: replaced !== undefined }, 'push credentials stored');
      return { status: 200, body: credentialView(row) };
    },

    putApnsCredentials: async ({ body, caller }) => {
      const appId = appOf(caller);
      // A client certificate (.p12, or PEM cert and key) or a token key (.p8): the body says which.
      if ('certificate' in body) {
        const c = validateApnsCertificate(body, '/body');
        const { row, replaced } = await storeCredential(db, runtime().cipher, appId, 'apns', JSON.stringify(c), {
          kind: 'certificate',
          bundleId: c.bundleId,
          production: c.production,
          subject: c.subject,
          expiresAt: c.expiresAt,
        });
        await forget('apns', replaced);
        log.info(
          { appId, provider: 'apns', kind: 'certificate', expiresAt: c.expiresAt, replaced: replaced !== undefined },
          'push credentials stored',
        );
        return { status: 200, body: credentialView(row) };
      }
      const key = validateApnsTokenKey(body, '/body');
      const { row, replaced } = await storeCredential(db, runtime().cipher, appId, 'apns', JSON.stringify(key), {
        kind: 'token',
        keyId: key.keyId,
        teamId: key.teamId,
        bundleId: key.bundleId,
        production: key.production,
      });
      await forget('apns', replaced);
      log.info({ appId, provider: 'apns', kind: 'token', keyId: key.keyId, replaced: replaced !== undefined }, 'push credentials stored');
      return { status: 200, body: credentialView(row) };
    },

    deleteCredentials: async ({ params, caller }) => {
      const appId = appOf(caller);
      const row = await db.findOne(PushCredential, { appId, provider: params.provider });
      if (!row) throw new NotFoundError(`${params.provider} credentials`);
      let plaintext: string | undefined;
      try {
        plaintext = openCredential(runtime().cipher, row);
      } catch {
        plaintext = undefined;
      }
      await db.remove(row).flush();
      await forget(params.provider, plaintext);
      log.info({ appId, provider: params.provider }, 'push credentials deleted');
      return { status: 204 };
    },
  };
};
