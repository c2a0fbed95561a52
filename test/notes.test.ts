/**
 * The notes example through the whole contract — manifest, validation, handlers, entity, migration, config,
 * events — on SQLite and on the machine's MariaDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../core/src/testing/index.js';
import { availableBackends } from './support/backends.js';

const backends = await availableBackends();

describe.each(backends)('notes on $name', (backend) => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const db = await backend.create();
    drop = db.drop;
    url = db.url;
    platform = await startTestPlatform({
      plugins: ['./docs/examples/notes'],
      databaseUrl: url,
      pluginConfig: { notes: { maxNotesPerApp: 3 } },
    });
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('applied the plugin’s migration', () => {
    expect(platform.migrationsApplied).toContain('notes/001-create-note-table');
    expect(platform.migrationsApplied.filter((m) => m.startsWith('core/')).length).toBeGreaterThan(0);
  });

  it('creates, reads, updates, lists and deletes a note', async () => {
    const created = await platform.call('POST', '/api/notes/notes', { json: { title: 'first', tags: ['a', 'b'] } });
    expect(created.status).toBe(201);
    const note = await created.json();
    expect(note).toMatchObject({ title: 'first', text: '', tags: ['a', 'b'] });
    expect(typeof note.id).toBe('number');

    const got = await platform.call('GET', `/api/notes/notes/${note.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(note);

    const patched = await platform.call('PATCH', `/api/notes/notes/${note.id}`, { json: { text: 'changed' } });
    expect(patched.status).toBe(200);
    expect((await patched.json()).text).toBe('changed');

    await platform.call('POST', '/api/notes/notes', { json: { title: 'second', tags: ['b'] } });
    const listed = await platform.call('GET', '/api/notes/notes?tag=a&limit=10');
    expect(listed.status).toBe(200);
    expect((await listed.json()).items.map((n: { title: string }) => n.title)).toEqual(['first']);

    const both = await (await platform.call('GET', '/api/notes/notes?tag=b')).json();
    expect(both.items.map((n: { title: string }) => n.title)).toEqual(['second', 'first']);

    const deleted = await platform.call('DELETE', `/api/notes/notes/${note.id}`);
    expect(deleted.status).toBe(204);
    const gone = await platform.call('GET', `/api/notes/notes/${note.id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toBe('application/problem+json');
    expect(await gone.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('enforces the config slice: the fourth note of an app is refused with a stable code', async () => {
    // Two notes exist after the previous test minus one deleted; fill up to the limit of 3.
    const count = (await (await platform.call('GET', '/api/notes/notes')).json()).items.length;
    for (let i = count; i < 3; i++)
      expect((await platform.call('POST', '/api/notes/notes', { json: { title: `n${i}` } })).status).toBe(201);
    const refused = await platform.call('POST', '/api/notes/notes', { json: { title: 'one too many' } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'NOTE_LIMIT_REACHED' });
  });

  it('persists: a second platform on the same database sees the notes and applies no migration again', async () => {
    const second = await startTestPlatform({ plugins: ['./docs/examples/notes'], databaseUrl: url });
    try {
      expect(second.migrationsApplied).toEqual([]);
      const listed = await (await second.call('GET', '/api/notes/notes')).json();
      expect(listed.items).toHaveLength(3);
    } finally {
      await second.close();
    }
  });

  it('tags every plugin log line with the asset id', () => {
    const created = platform.logs.filter((l) => l.msg === 'note created');
    expect(created.length).toBeGreaterThan(0);
    for (const line of created) expect(line.asset).toBe('notes');
  });
});
