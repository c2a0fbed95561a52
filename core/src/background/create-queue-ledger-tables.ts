/**
 * @module The migration that creates the RabbitMQ adapter's two small tables: `sb_queue_key` (idempotency keys a
 * publish claimed or had accepted, so a second publish of a key is not queued again) and `sb_queue_crash` (how often a
 * redelivered message was handled alone and the process died before settling it, so a poison message is
 * dead-lettered instead of redelivered forever).
 */
import { Migration } from '@mikro-orm/migrations';
import { sql } from 'kysely';

const ms = sql`datetime(3)`;

export class CreateQueueLedgerTables extends Migration {
  override async up(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    this.addSql(
      schema
        .createTable('sb_queue_key')
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(200)', (c) => c.notNull())
        .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
        // `pending` while a publish waits for the broker, `accepted` once the broker confirmed it.
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        // The publish attempt that holds a pending key; a takeover replaces it, so a late release cannot free it.
        .addColumn('claim', 'varchar(32)')
        .addColumn('claimed_at', ms, (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('sb_queue_key_pk', ['queue', 'idempotency_key'])
        .compile().sql,
    );
    this.addSql(schema.createIndex('sb_queue_key_created_index').on('sb_queue_key').column('created_at').compile().sql);
    this.addSql(
      schema
        .createTable('sb_queue_crash')
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('starts', 'integer', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('sb_queue_crash_pk', ['queue', 'message_id'])
        .compile().sql,
    );
  }

  override async down(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    for (const t of ['sb_queue_crash', 'sb_queue_key']) this.addSql(schema.dropTable(t).compile().sql);
  }
}
