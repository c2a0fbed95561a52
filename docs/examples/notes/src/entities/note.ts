/** @module The Note entity: one row of `notes_note`. Tables of an asset start with its id. */
import { defineEntity, p } from '@switchboard/sdk';

export const Note = defineEntity({
  name: 'Note',
  tableName: 'notes_note',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** The app that owns the note; null for anonymous callers. */
    appId: p.string().length(64).nullable().index(),
    title: p.string().length(200),
    text: p.text(),
    tags: p.json<string[]>(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type NoteRow = InstanceType<typeof Note.class>;
