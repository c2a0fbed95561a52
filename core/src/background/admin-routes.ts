/**
 * @module The operators' view of background work, as a Hono sub-app to mount behind admin auth (e.g. under
 * `/admin`): jobs with their last run, run history, run-now, queue depths, and dead letters to list, replay or drop.
 * Errors are thrown as domain errors; the app it is mounted on answers them as problem+json.
 */
import { NotFoundError } from '@switchboard/sdk';
import { Hono } from 'hono';
import type { Background } from './background.js';

export interface BackgroundAdminOptions {
  background: Background;
}

const limitOf = (raw: string | undefined, fallback: number) => {
  const n = Number(raw ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : fallback;
};

/**
 * @example
 * app.route('/admin', createBackgroundAdminRoutes({ background: platform.background }));
 */
export const createBackgroundAdminRoutes = ({ background }: BackgroundAdminOptions): Hono => {
  const app = new Hono();
  const knownQueue = async (queue: string) => {
    if (!background.queues().includes(queue)) throw new NotFoundError('queue', queue, { code: 'QUEUE_NOT_FOUND' });
  };

  app.get('/jobs', async (c) => c.json({ items: await background.scheduler.list() }));
  app.get('/jobs/:key/runs', async (c) => {
    const key = c.req.param('key');
    const jobs = await background.scheduler.list();
    if (!jobs.some((j) => j.key === key)) throw new NotFoundError('job', key, { code: 'JOB_NOT_FOUND' });
    return c.json({ items: await background.scheduler.history(key, limitOf(c.req.query('limit'), 50)) });
  });
  app.post('/jobs/:key/run', async (c) => {
    const key = c.req.param('key');
    if (!(await background.scheduler.trigger(key))) throw new NotFoundError('job', key, { code: 'JOB_NOT_FOUND' });
    return c.json({ accepted: true, job: key }, 202);
  });

  app.get('/queues', async (c) => c.json({ adapter: background.queue.kind, items: await background.queue.depths(background.queues()) }));
  app.get('/queues/:queue/dead-letters', async (c) => {
    const queue = c.req.param('queue');
    await knownQueue(queue);
    return c.json({ items: await background.queue.deadLetters(queue, limitOf(c.req.query('limit'), 100)) });
  });
  app.post('/queues/:queue/dead-letters/:id/replay', async (c) => {
    const { queue, id } = c.req.param();
    await knownQueue(queue);
    if (!(await background.queue.replay(queue, id))) throw new NotFoundError('dead letter', id, { code: 'DEAD_LETTER_NOT_FOUND' });
    return c.json({ replayed: true, id });
  });
  app.delete('/queues/:queue/dead-letters/:id', async (c) => {
    const { queue, id } = c.req.param();
    await knownQueue(queue);
    if (!(await background.queue.drop(queue, id))) throw new NotFoundError('dead letter', id, { code: 'DEAD_LETTER_NOT_FOUND' });
    return c.body(null, 204);
  });
  return app;
};
