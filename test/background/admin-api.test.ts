/**
 * The background operations as part of the admin API: described in /openapi.json like every other operation,
 * validated against it (and their answers checked against it, as response validation is on in tests), and every
 * change — run now, replay, drop — written to the audit log with the operator who made it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { sqliteBackend } from '../support/backends.js';
import { POISON_QUEUE } from './fixtures/bgtest/src/plugin.js';
import { adminApi, events, queueOf, startBgPlatform, waitFor } from './support.js';

describe('background operations of the admin API', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startBgPlatform(db.url);
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  const audit = async () => (await (await platform.call('GET', '/admin/v1/audit?limit=10', { as: 'admin' })).json()).items;
  const operatorId = async () => (await (await platform.call('GET', '/admin/v1/operators', { as: 'admin' })).json()).items[0].id as string;

  it('are operations of the admin document in /openapi.json, with schemas and problem responses', async () => {
    const doc = await (await platform.app.request('/openapi.json')).json();
    const ops = {
      'admin.listJobs': doc.paths['/admin/v1/background/jobs']?.get,
      'admin.listJobRuns': doc.paths['/admin/v1/background/jobs/{key}/runs']?.get,
      'admin.runJob': doc.paths['/admin/v1/background/jobs/{key}/run']?.post,
      'admin.listQueues': doc.paths['/admin/v1/background/queues']?.get,
      'admin.listDeadLetters': doc.paths['/admin/v1/background/queues/{queue}/dead-letters']?.get,
      'admin.replayDeadLetter': doc.paths['/admin/v1/background/queues/{queue}/dead-letters/{id}/replay']?.post,
      'admin.dropDeadLetter': doc.paths['/admin/v1/background/queues/{queue}/dead-letters/{id}']?.delete,
    };
    for (const [operationId, op] of Object.entries(ops)) {
      expect(op?.operationId).toBe(operationId);
      expect(op.responses['401'].$ref).toBe('#/components/responses/admin.Unauthorized');
    }
    expect(ops['admin.runJob'].responses['404'].$ref).toBe('#/components/responses/admin.NotFound');
    expect(doc.components.responses['admin.NotFound'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/admin.Problem',
    );
    expect(doc.components.schemas['admin.DeadLetter'].required).toContain('reason');
  });

  it('validate their input like every operation', async () => {
    const bad = await platform.call('GET', '/admin/v1/background/jobs/bgtest.long/runs?limit=lots', { as: 'admin' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/query/limit' }] });
    const tooMany = await platform.call('GET', `/admin/v1/background/queues/bgtest.${POISON_QUEUE}/dead-letters?limit=1001`, {
      as: 'admin',
    });
    expect(tooMany.status).toBe(400);
    const ok = await platform.call('GET', '/admin/v1/background/jobs/bgtest.long/runs?limit=2', { as: 'admin' });
    expect(ok.status).toBe(200);
  });

  it('audit a run now with the operator who asked for it', async () => {
    const res = await adminApi(platform).request('/jobs/bgtest.long/run', { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, job: 'bgtest.long' });
    expect((await audit())[0]).toMatchObject({
      actorType: 'operator',
      actorId: await operatorId(),
      action: 'job.run',
      targetType: 'job',
      targetId: 'bgtest.long',
      before: null,
      after: { job: 'bgtest.long' },
    });
    await waitFor(async () => (await events(platform.orm, 'long-end')).length === 1, 5000);
  });

  it('audit a replay and a drop with what the dead letter was, but not its payload; a failed one is not audited', async () => {
    const api = adminApi(platform);
    const physical = `bgtest.${POISON_QUEUE}`;
    const { id } = await queueOf(platform).publish(POISON_QUEUE, { secret: 'do-not-audit' }, { idempotencyKey: 'audited-1' });
    await waitFor(async () => (await platform.background.queue.deadLetters(physical)).some((d) => d.id === id));

    expect((await api.request(`/queues/${physical}/dead-letters/${id}/replay`, { method: 'POST' })).status).toBe(200);
    const [replayed] = await audit();
    expect(replayed).toMatchObject({
      action: 'dead-letter.replay',
      targetType: 'dead-letter',
      targetId: id,
      before: { queue: physical, id, idempotencyKey: 'audited-1', attempts: 3, reason: 'poison: cannot process (attempt 3)' },
      after: { queue: physical, id, attempts: 0 },
    });
    expect(JSON.stringify(replayed)).not.toContain('do-not-audit');

    // Dead again after three more failures: drop it.
    await waitFor(async () => (await platform.background.queue.deadLetters(physical)).some((d) => d.id === id));
    expect((await api.request(`/queues/${physical}/dead-letters/${id}`, { method: 'DELETE' })).status).toBe(204);
    const [dropped] = await audit();
    expect(dropped).toMatchObject({ action: 'dead-letter.drop', targetId: id, before: { idempotencyKey: 'audited-1' }, after: null });

    const gone = await api.request(`/queues/${physical}/dead-letters/${id}`, { method: 'DELETE' });
    expect(gone.status).toBe(404);
    expect((await audit())[0].id).toBe(dropped.id);
  });
});
