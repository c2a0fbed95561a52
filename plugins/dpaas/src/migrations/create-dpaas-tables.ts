/** @module The asset's tables, written with Kysely's schema builder so the same class runs on SQLite, MariaDB and MySQL. */
import { Migration, sql } from '@switchboard/sdk';

/** Millisecond precision: MariaDB's bare `datetime` would drop the milliseconds the API returns. */
const ts = sql`datetime(3)`;

export class CreateDpaasTables extends Migration {
  override async up(): Promise<void> {
    const s = this.getEntityManager().getKysely().schema;
    const add = (q: { compile(): { sql: string } }) => this.addSql(q.compile().sql);

    add(
      s
        .createTable('dpaas_app')
        .addColumn('app_key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('limits', 'json', (c) => c.notNull())
        .addColumn('locked_at', ts, (c) => c.notNull()),
    );

    add(
      s
        .createTable('dpaas_instance')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('provider_id', 'varchar(64)')
        .addColumn('name', 'varchar(63)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('zone_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('template_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('offering_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('ip_address', 'varchar(45)')
        .addColumn('key_pair', 'varchar(64)')
        .addColumn('firewall_group_ids', 'json', (c) => c.notNull())
        .addColumn('tags', 'json', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addColumn('removed_at', ts),
    );
    add(s.createIndex('dpaas_instance_app_seq_index').on('dpaas_instance').columns(['app_id', 'seq']));
    add(s.createIndex('dpaas_instance_provider_id_index').on('dpaas_instance').column('provider_id'));

    add(
      s
        .createTable('dpaas_instance_event')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('instance_id', 'varchar(20)', (c) => c.notNull())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('source', 'varchar(16)', (c) => c.notNull())
        .addColumn('from_state', 'varchar(16)')
        .addColumn('to_state', 'varchar(16)')
        .addColumn('detail', 'varchar(500)', (c) => c.notNull())
        .addColumn('at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_instance_event_instance_index').on('dpaas_instance_event').columns(['instance_id', 'seq']));

    add(
      s
        .createTable('dpaas_operation')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'varchar(24)', (c) => c.notNull().unique())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('type', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('job_id', 'varchar(160)')
        .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('resource_id', 'varchar(64)')
        .addColumn('input', 'json')
        .addColumn('idempotency_key', 'varchar(255)')
        .addColumn('request_hash', 'varchar(64)')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_reason', 'varchar(32)')
        .addColumn('error_message', 'varchar(1000)')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addColumn('completed_at', ts),
    );
    // A key names one request per app; the unique index is what makes two concurrent retries create one instance.
    add(s.createIndex('dpaas_operation_idempotency_unique').on('dpaas_operation').columns(['app_id', 'idempotency_key']).unique());
    add(s.createIndex('dpaas_operation_app_seq_index').on('dpaas_operation').columns(['app_id', 'seq']));
    add(s.createIndex('dpaas_operation_status_index').on('dpaas_operation').columns(['status', 'seq']));
    add(s.createIndex('dpaas_operation_resource_index').on('dpaas_operation').column('resource_id'));

    add(
      s
        .createTable('dpaas_snapshot')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('instance_id', 'varchar(20)')
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('policy_id', 'integer')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_snapshot_app_index').on('dpaas_snapshot').columns(['app_id', 'created_at']));
    add(s.createIndex('dpaas_snapshot_policy_index').on('dpaas_snapshot').column('policy_id'));

    add(
      s
        .createTable('dpaas_snapshot_policy')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('instance_id', 'varchar(20)', (c) => c.notNull())
        .addColumn('frequency', 'varchar(16)', (c) => c.notNull())
        .addColumn('retention', 'integer', (c) => c.notNull())
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('minute', 'integer', (c) => c.notNull())
        .addColumn('hour', 'integer', (c) => c.notNull())
        .addColumn('day_of_week', 'integer', (c) => c.notNull())
        .addColumn('next_run_at', ts, (c) => c.notNull())
        .addColumn('last_run_at', ts)
        .addColumn('last_error', 'varchar(500)')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_snapshot_policy_instance_unique').on('dpaas_snapshot_policy').columns(['instance_id', 'frequency']).unique());
    add(s.createIndex('dpaas_snapshot_policy_due_index').on('dpaas_snapshot_policy').column('next_run_at'));

    add(
      s
        .createTable('dpaas_template')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'varchar(1024)', (c) => c.notNull())
        .addColumn('zone_id', 'varchar(64)')
        .addColumn('os_type_id', 'varchar(64)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint')
        .addColumn('tags', 'json', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_template_app_index').on('dpaas_template').column('app_id'));

    add(
      s
        .createTable('dpaas_firewall_group')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('name', 'varchar(63)', (c) => c.notNull())
        .addColumn('provider_name', 'varchar(160)', (c) => c.notNull())
        .addColumn('description', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_firewall_group_name_unique').on('dpaas_firewall_group').columns(['app_id', 'name']).unique());

    add(
      s
        .createTable('dpaas_key_pair')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('provider_name', 'varchar(160)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_key_pair_name_unique').on('dpaas_key_pair').columns(['app_id', 'name']).unique());

    add(
      s
        .createTable('dpaas_tag')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)')
        .addColumn('resource_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('tag_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('tag_value', 'varchar(255)', (c) => c.notNull()),
    );
    add(s.createIndex('dpaas_tag_resource_unique').on('dpaas_tag').columns(['resource_type', 'resource_id', 'tag_key']).unique());
    add(s.createIndex('dpaas_tag_app_key_index').on('dpaas_tag').columns(['app_id', 'tag_key', 'tag_value']));
  }

  override async down(): Promise<void> {
    const s = this.getEntityManager().getKysely().schema;
    for (const table of [
      'dpaas_tag',
      'dpaas_key_pair',
      'dpaas_firewall_group',
      'dpaas_template',
      'dpaas_snapshot_policy',
      'dpaas_snapshot',
      'dpaas_operation',
      'dpaas_instance_event',
      'dpaas_instance',
      'dpaas_app',
    ])
      this.addSql(s.dropTable(table).compile().sql);
  }
}
