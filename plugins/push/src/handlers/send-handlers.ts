/** @module Accept a send (202), list sends, read a delivery report, cancel a scheduled send. */
import { ConflictError, type Database, type Handlers, type Logger, NotFoundError, type QueueService } from '@switchboard/sdk';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { PushRecipient } from '../entities/recipient.js';
import { PushSend } from '../entities/send.js';
import type { operations } from '../generated/openapi.js';
import type { PushConfig } from '../push-config.js';
import { acceptSend } from '../sends/accept-send.js';
import { acceptTrace } from '../sends/accept-trace.js';
import { afterAccept } from '../sends/after-accept.js';
import { publishAcceptedChunks, publishDueChunks } from '../sends/publish-chunks.js';
import { sendTotals } from '../sends/send-totals.js';
import { queueSendWebhook } from '../webhooks/notify-queue.js';
import { appOf } from './caller-app.js';
import { recipientView, sendView } from './views.js';

type SendOps = Pick<operations, 'createSend' | 'listSends' | 'getSend' | 'cancelSend'>;

export const sendHandlers = (db: Database, log: Logger, queue: QueueService, config: Readonly<PushConfig>): Handlers<SendOps> => {
  const find = async (id: string, appId: string) => {
    const send = await db.findOne(PushSend, { id, appId });
    if (!send) throw new NotFoundError('send', id);
    return send;
  };

  return {
    createSend: async ({ body, headers, caller }) => {
      const trace = acceptTrace();
      const appId = appOf(caller);
      const { send, duplicate, chunks } = await acceptSend(db, {
        trace,
        appId,
        body,
        idempotencyKey: headers['idempotency-key'],
        chunkSize: config.chunkSize,
        snapshotBatchSize: config.snapshotBatchSize,
      });
      if (!duplicate) {
        log.info({ sendId: send.id, appId, recipients: send.recipientCount, status: send.status }, 'push send accepted');
        // After commit, and off the answer's path: the send, its recipients and its chunk outbox are committed, which
        // is what 202 promises. What this publish does not get confirmed stays owed in the outbox, and the release job
        // publishes it. Waiting here for the broker's confirms and the outbox update cost a small send 3 of its 4
        // slowest round trips while a big send was delivered (docs/assets/push.md, "Where a small send's accept
        // waited").
        if (send.status === 'queued') afterAccept(log, send.id, () => publishAcceptedChunks(db, queue, log, send.id, chunks));
        else if (send.status === 'scheduled') afterAccept(log, send.id, () => publishDueChunks(db, queue, log, { sendId: send.id }));
      }
      if (trace) log.info({ phases: trace.phases, total: trace.total(), recipients: send.recipientCount }, 'push accept phases');
      return {
        status: 202,
        body: {
          id: send.id,
          status: send.status,
          recipients: send.recipientCount,
          sendAt: send.sendAt ? send.sendAt.toISOString() : null,
          duplicate,
        },
      };
    },

    listSends: async ({ query, caller }) => {
      const limit = query.limit ?? 20;
      const before = decodeCursor<string>(query.cursor, 'string');
      const rows = await db.find(
        PushSend,
        { appId: appOf(caller), ...(before ? { id: { $lt: before } } : {}) },
        { orderBy: { id: 'desc' }, limit: limit + 1 },
      );
      const page = rows.slice(0, limit);
      const items = await Promise.all(page.map(async (s) => sendView(s, await sendTotals(db, s.id))));
      return { status: 200, body: { items, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null } };
    },

    getSend: async ({ params, query, caller }) => {
      const send = await find(params.id, appOf(caller));
      const limit = query.limit ?? 100;
      const after = decodeCursor<number>(query.cursor, 'number');
      const [totals, rows] = await Promise.all([
        sendTotals(db, send.id),
        db.find(
          PushRecipient,
          { sendId: send.id, ...(query.status ? { status: query.status } : {}), ...(after ? { id: { $gt: after } } : {}) },
          { orderBy: { id: 'asc' }, limit: limit + 1 },
        ),
      ]);
      const page = rows.slice(0, limit);
      return {
        status: 200,
        body: {
          ...sendView(send, totals),
          recipients: page.map(recipientView),
          nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
        },
      };
    },

    cancelSend: async ({ params, caller }) => {
      const appId = appOf(caller);
      const send = await find(params.id, appId);
      const n = await db.nativeUpdate(
        PushSend,
        { id: send.id, appId, status: 'scheduled' },
        { status: 'cancelled', completedAt: new Date() },
      );
      if (n === 0) {
        throw new ConflictError(`Send '${send.id}' is ${send.status}: only a scheduled send can be cancelled`, {
          code: 'SEND_NOT_CANCELLABLE',
          details: { status: send.status },
        });
      }
      // A chunk the release job published in the meantime is settled as cancelled by the worker.
      await db.nativeUpdate(PushRecipient, { sendId: send.id, status: 'queued' }, { status: 'cancelled', updatedAt: new Date() });
      await queueSendWebhook(queue, send.id).catch((err) => log.warn({ err, sendId: send.id }, 'could not queue the push webhook'));
      db.clear();
      const fresh = await find(send.id, appId);
      log.info({ sendId: send.id, appId }, 'push send cancelled');
      return { status: 200, body: sendView(fresh, await sendTotals(db, send.id)) };
    },
  };
};
