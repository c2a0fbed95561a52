/**
 * @module The first migration of the notes asset. Written with the Kysely schema builder so the same class produces
 * the right DDL for SQLite, MariaDB and MySQL.
 */
import { Migration, sql } from '@switchboard/sdk';

export class CreateNoteTable extends Migration {
  override async up(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    this.addSql(
      schema
        .createTable('notes_note')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('title', 'varchar(200)', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('tags', 'json', (c) => c.notNull())
        // Millisecond precision: MariaDB's bare `datetime` would drop the milliseconds the API returns.
        .addColumn('created_at', sql`datetime(3)`, (c) => c.notNull())
        .addColumn('updated_at', sql`datetime(3)`, (c) => c.notNull())
        .compile().sql,
    );
    this.addSql(schema.createIndex('notes_note_app_id_index').on('notes_note').column('app_id').compile().sql);
  }

  override async down(): Promise<void> {
    this.addSql(this.getEntityManager().getKysely().schema.dropTable('notes_note').compile().sql);
  }
}
