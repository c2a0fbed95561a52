/** @module The table of partner documents uploaded at runtime (`sb_partner`, see partner-document.ts). */
import { Migration } from '@mikro-orm/migrations';
import { sql } from 'kysely';

export class CreatePartnerTable extends Migration {
  override async up(): Promise<void> {
    const s = this.getEntityManager().getKysely().schema;
    this.addSql(
      s
        .createTable('sb_partner')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        // `longtext`: vendor documents run to megabytes, beyond MariaDB's `text` (64 KiB); SQLite reads it as text.
        .addColumn('document', sql`longtext`, (c) => c.notNull())
        .addColumn('format', 'varchar(8)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('mode', 'varchar(8)', (c) => c.notNull())
        .addColumn('removed_at', sql`datetime(3)`)
        .addColumn('updated_at', sql`datetime(3)`, (c) => c.notNull())
        .addColumn('updated_by', 'varchar(48)', (c) => c.notNull())
        .compile().sql,
    );
  }
}
