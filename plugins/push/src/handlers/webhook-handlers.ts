/** @module Set, read and delete an app's webhook. The signing secret is shown once, when it is made. */
import { randomBytes } from 'node:crypto';
import { type Database, type Handlers, NotFoundError } from '@switchboard/sdk';
import { PushWebhook, type PushWebhookRow } from '../entities/webhook.js';
import type { operations } from '../generated/openapi.js';
import type { PushRuntime } from '../runtime.js';
import { checkWebhookUrl } from '../webhooks/check-webhook-url.js';
import { webhookContext } from '../webhooks/webhook-context.js';
import { appOf } from './caller-app.js';

type WebhookOps = Pick<operations, 'getWebhook' | 'putWebhook' | 'deleteWebhook'>;

const view = (w: PushWebhookRow) => ({ url: w.url, createdAt: w.createdAt.toISOString(), updatedAt: w.updatedAt.toISOString() });

export const webhookHandlers = (db: Database, runtime: () => PushRuntime): Handlers<WebhookOps> => ({
  getWebhook: async ({ caller }) => {
    const hook = await db.findOne(PushWebhook, { appId: appOf(caller) });
    if (!hook) throw new NotFoundError('webhook');
    return { status: 200, body: view(hook) };
  },

  putWebhook: async ({ body, caller }) => {
    const appId = appOf(caller);
    checkWebhookUrl(body.url, runtime().production);
    // A new secret on every PUT: this is also how a leaked secret is rotated.
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const sealed = runtime().cipher.seal(secret, webhookContext(appId));
    let hook = await db.findOne(PushWebhook, { appId });
    if (hook) db.assign(hook, { url: body.url, secret: sealed });
    else hook = db.create(PushWebhook, { appId, url: body.url, secret: sealed });
    await db.flush();
    return { status: 200, body: { ...view(hook), secret } };
  },

  deleteWebhook: async ({ caller }) => {
    const removed = await db.nativeDelete(PushWebhook, { appId: appOf(caller) });
    if (removed === 0) throw new NotFoundError('webhook');
    return { status: 204 };
  },
});
