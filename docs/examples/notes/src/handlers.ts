/** @module The notes handlers, typed by operationId from the generated manifest types. */
import { ConflictError, type Database, type EventBus, type Handlers, type Logger, NotFoundError } from '@switchboard/sdk';
import { Note, type NoteRow } from './entities/note.js';
import type { operations } from './generated/openapi.js';
import type { NotesConfig } from './plugin.js';

interface Deps {
  db: Database;
  log: Logger;
  config: Readonly<NotesConfig>;
  events: EventBus;
}

const view = (n: NoteRow) => ({
  id: n.id,
  title: n.title,
  text: n.text,
  tags: n.tags,
  createdAt: n.createdAt.toISOString(),
  updatedAt: n.updatedAt.toISOString(),
});

/** Builds the handlers once, from the plugin's services. */
export const notesHandlers = ({ db, log, config, events }: Deps): Handlers<operations> => {
  const find = async (id: number, appId: string | null) => {
    const note = await db.findOne(Note, { id, appId });
    if (!note) throw new NotFoundError('note', id);
    return note;
  };

  return {
    createNote: async ({ body, caller }) => {
      const count = await db.count(Note, { appId: caller.appId });
      if (count >= config.maxNotesPerApp) {
        throw new ConflictError(`an app keeps at most ${config.maxNotesPerApp} notes`, { code: 'NOTE_LIMIT_REACHED' });
      }
      const note = db.create(Note, { appId: caller.appId, title: body.title, text: body.text, tags: body.tags ?? [] });
      await db.flush();
      log.info({ noteId: note.id }, 'note created');
      await events.emit('note.created', { id: note.id, appId: caller.appId });
      return { status: 201, body: view(note) };
    },

    listNotes: async ({ query, caller }) => {
      const notes = await db.find(
        Note,
        { appId: caller.appId },
        { orderBy: { id: 'desc' }, limit: query.tag?.length ? undefined : query.limit },
      );
      // Tag filtering in memory keeps the example portable; a real asset would index tags in their own table.
      const wanted = query.tag ?? [];
      const items = notes.filter((n) => wanted.every((t) => n.tags.includes(t))).slice(0, query.limit ?? 20);
      return { status: 200, body: { items: items.map(view) } };
    },

    getNote: async ({ params, caller }) => ({ status: 200, body: view(await find(params.id, caller.appId)) }),

    updateNote: async ({ params, body, caller }) => {
      const note = await find(params.id, caller.appId);
      db.assign(note, body);
      await db.flush();
      return { status: 200, body: view(note) };
    },

    deleteNote: async ({ params, caller }) => {
      const note = await find(params.id, caller.appId);
      await db.remove(note).flush();
      return { status: 204 };
    },
  };
};
