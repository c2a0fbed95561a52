/** @module The push asset's tables: credentials, devices, sends, recipients, the chunk outbox and webhooks. */
import { Migration, sql } from '@switchboard/sdk';

const TABLES = ['push_webhook', 'push_chunk', 'push_recipient', 'push_send', 'push_device', 'push_credential'] as const;

export class CreatePushTables extends Migration {
  override async up(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    // Millisecond precision everywhere: MariaDB's bare `datetime` drops milliseconds, and the APNs 410 rule
    // compares a device's registration time with Apple's timestamp.
    const ms = sql`datetime(3)`;
    const add = (q: { compile(): { sql: string } }) => this.addSql(q.compile().sql);

    add(
      schema
        .createTable('push_credential')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('provider', 'varchar(8)', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('metadata', 'json', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull()),
    );
    add(schema.createIndex('push_credential_app_provider_unique').on('push_credential').columns(['app_id', 'provider']).unique());

    add(
      schema
        .createTable('push_device')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('platform', 'varchar(8)', (c) => c.notNull())
        .addColumn('token', 'varchar(512)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(128)')
        .addColumn('tags', 'json', (c) => c.notNull())
        .addColumn('tag_text', 'text', (c) => c.notNull())
        .addColumn('locale', 'varchar(35)')
        .addColumn('time_zone', 'varchar(64)')
        .addColumn('app_version', 'varchar(64)')
        .addColumn('status', 'varchar(8)', (c) => c.notNull())
        .addColumn('retired_reason', 'varchar(64)')
        .addColumn('retired_at', ms)
        .addColumn('registered_at', ms, (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull()),
    );
    add(schema.createIndex('push_device_app_token_unique').on('push_device').columns(['app_id', 'token']).unique());
    add(schema.createIndex('push_device_app_user_index').on('push_device').columns(['app_id', 'user_id']));
    add(schema.createIndex('push_device_app_status_index').on('push_device').columns(['app_id', 'status', 'id']));

    add(
      schema
        .createTable('push_send')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(128)')
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(12)', (c) => c.notNull())
        .addColumn('target', 'json', (c) => c.notNull())
        .addColumn('notification', 'json', (c) => c.notNull())
        .addColumn('recipient_count', 'integer', (c) => c.notNull())
        .addColumn('send_at', ms)
        .addColumn('completed_at', ms)
        .addColumn('notified_at', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull()),
    );
    // NULL keys never collide, so sends without an Idempotency-Key are unconstrained on both databases.
    add(schema.createIndex('push_send_app_key_unique').on('push_send').columns(['app_id', 'idempotency_key']).unique());
    add(schema.createIndex('push_send_app_index').on('push_send').columns(['app_id', 'id']));
    add(schema.createIndex('push_send_notify_index').on('push_send').columns(['notified_at', 'completed_at']));

    add(
      schema
        .createTable('push_webhook')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('url', 'varchar(2000)', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull()),
    );
    add(schema.createIndex('push_webhook_app_unique').on('push_webhook').column('app_id').unique());

    add(
      schema
        .createTable('push_recipient')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('send_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('chunk', 'integer', (c) => c.notNull())
        .addColumn('device_id', 'varchar(32)')
        .addColumn('token', 'varchar(512)', (c) => c.notNull())
        .addColumn('platform', 'varchar(8)', (c) => c.notNull())
        .addColumn('locale', 'varchar(35)')
        .addColumn('status', 'varchar(12)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('provider', 'varchar(12)')
        .addColumn('provider_message_id', 'varchar(255)')
        .addColumn('reason', 'varchar(64)')
        .addColumn('detail', 'varchar(500)')
        .addColumn('http_status', 'integer')
        .addColumn('token_retired', 'boolean', (c) => c.notNull())
        .addColumn('due_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull()),
    );
    add(schema.createIndex('push_recipient_send_chunk_index').on('push_recipient').columns(['send_id', 'chunk', 'status']));
    add(schema.createIndex('push_recipient_send_status_index').on('push_recipient').columns(['send_id', 'status', 'id']));

    add(
      schema
        .createTable('push_chunk')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('send_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('due_at', ms, (c) => c.notNull())
        .addColumn('published_at', ms),
    );
    add(schema.createIndex('push_chunk_send_seq_unique').on('push_chunk').columns(['send_id', 'seq']).unique());
    add(schema.createIndex('push_chunk_due_index').on('push_chunk').columns(['published_at', 'due_at']));
  }

  override async down(): Promise<void> {
    const schema = this.getEntityManager().getKysely().schema;
    for (const table of TABLES) this.addSql(schema.dropTable(table).compile().sql);
  }
}
