/**
 * @module The migration that creates the background tables. Kysely's schema builder keeps it dialect-neutral
 * (SQLite, MariaDB, MySQL); timestamps are `datetime(3)` so leases and lag keep their milliseconds.
 */
import { Migration } from '@mikro-orm/migrations';
import { sql } from 'kysely';

const ms = sql`datetime(3)`;

export class CreateBackgroundTables extends Migration {
  override async up(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    this.addSql(
      schema
        .createTable('sb_job')
        .addColumn('job_key', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('asset_id', 'varchar(100)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('scope', 'varchar(10)', (c) => c.notNull())
        .addColumn('schedule', 'varchar(200)', (c) => c.notNull())
        .addColumn('next_due', ms, (c) => c.notNull())
        .addColumn('lease_owner', 'varchar(200)')
        .addColumn('lease_until', ms)
        .addColumn('running_tick', ms)
        .addColumn('running_attempt', 'integer')
        .addColumn('trigger_at', ms)
        .compile().sql,
    );
    this.addSql(
      schema
        .createTable('sb_job_run')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('job_key', 'varchar(200)', (c) => c.notNull())
        .addColumn('tick', ms, (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('triggered_by', 'varchar(16)', (c) => c.notNull())
        .addColumn('replica', 'varchar(200)', (c) => c.notNull())
        .addColumn('started_at', ms, (c) => c.notNull())
        .addColumn('finished_at', ms)
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addUniqueConstraint('sb_job_run_tick_unique', ['job_key', 'tick', 'attempt'])
        .compile().sql,
    );
    this.addSql(schema.createIndex('sb_job_run_started_index').on('sb_job_run').columns(['job_key', 'started_at']).compile().sql);
    this.addSql(
      schema
        .createTable('sb_queue_message')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('queue', 'varchar(200)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(200)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('available_at', ms, (c) => c.notNull())
        .addColumn('lease_owner', 'varchar(64)')
        .addColumn('lease_until', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('finished_at', ms)
        .addColumn('last_error', 'text')
        .addUniqueConstraint('sb_queue_message_key_unique', ['queue', 'idempotency_key'])
        .compile().sql,
    );
    this.addSql(
      schema.createIndex('sb_queue_message_ready_index').on('sb_queue_message').columns(['queue', 'status', 'available_at']).compile().sql,
    );
  }

  override async down(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    for (const t of ['sb_queue_message', 'sb_job_run', 'sb_job']) this.addSql(schema.dropTable(t).compile().sql);
  }
}
