/** @module The admin API's background operations: thin, over BackgroundAdmin, which audits every change. */
import type { Handlers } from '@switchboard/sdk';
import type { BackgroundAdmin } from '../../../background/background-admin.js';
import { currentActor } from '../../operator-middleware.js';
import type { operations } from './generated/openapi.js';

type BackgroundOperations = Pick<
  operations,
  'listJobs' | 'listJobRuns' | 'runJob' | 'listQueues' | 'listDeadLetters' | 'replayDeadLetter' | 'dropDeadLetter'
>;

export const backgroundHandlers = (background: BackgroundAdmin): Handlers<BackgroundOperations> => ({
  listJobs: async () => ({ status: 200, body: { items: await background.jobs() } }),
  listJobRuns: async ({ params, query }) => ({ status: 200, body: { items: await background.runs(params.key, query.limit) } }),
  runJob: async ({ params }) => {
    await background.runNow(currentActor(), params.key);
    return { status: 202, body: { accepted: true, job: params.key } };
  },
  listQueues: async () => ({ status: 200, body: await background.queues() }),
  listDeadLetters: async ({ params, query }) => ({
    status: 200,
    body: { items: await background.deadLetters(params.queue, query.limit) },
  }),
  replayDeadLetter: async ({ params }) => {
    await background.replay(currentActor(), params.queue, params.id);
    return { status: 200, body: { replayed: true, id: params.id } };
  },
  dropDeadLetter: async ({ params }) => {
    await background.drop(currentActor(), params.queue, params.id);
    return { status: 204 };
  },
});
