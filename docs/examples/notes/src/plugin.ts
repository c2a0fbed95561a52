/** @module The notes asset: wiring only. Handlers, the entity and the migration live in their own files. */
import { coreServices, definePlugin } from '@switchboard/sdk';
import { Note } from './entities/note.js';
import type { operations } from './generated/openapi.js';
import { notesHandlers } from './handlers.js';
import { CreateNoteTable } from './migrations/create-note-table.js';

export default definePlugin<operations>()({
  manifest: new URL('../openapi.yaml', import.meta.url),
  entities: [Note],
  migrations: [{ name: '001-create-note-table', class: CreateNoteTable }],
  deps: {
    db: coreServices.database,
    log: coreServices.logger,
    config: coreServices.config.as<NotesConfig>(),
    events: coreServices.events,
  },
  handlers: notesHandlers,
});

/** The config slice, as `info.x-switchboard.config` declares it (defaults already applied by the core). */
export interface NotesConfig {
  maxNotesPerApp: number;
}
