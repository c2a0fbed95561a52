/** @module The access layer's tables, built with the Kysely schema builder so one class serves every dialect. */
import { Migration } from '@mikro-orm/migrations';
import { sql } from 'kysely';

const ts = sql`datetime(3)`;

export class CreateAccessTables extends Migration {
  override async up(): Promise<void> {
    const s = this.getEntityManager().getKysely().schema;
    const add = (q: { compile(): { sql: string } }) => this.addSql(q.compile().sql);
    add(
      s
        .createTable('sb_organization')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull()),
    );
    add(
      s
        .createTable('sb_developer')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull()),
    );
    add(
      s
        .createTable('sb_membership')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('developer_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('org_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addUniqueConstraint('sb_membership_developer_org_unique', ['developer_id', 'org_id']),
    );
    add(s.createIndex('sb_membership_org_id_index').on('sb_membership').column('org_id'));
    add(
      s
        .createTable('sb_session')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('subject_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('subject_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('revoked_at', ts),
    );
    add(s.createIndex('sb_session_subject_id_index').on('sb_session').column('subject_id'));
    add(
      s
        .createTable('sb_app')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('org_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('sb_app_org_id_index').on('sb_app').column('org_id'));
    add(
      s
        .createTable('sb_api_key')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('scopes', 'json', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts)
        .addColumn('revoked_at', ts)
        .addColumn('last_used_at', ts),
    );
    add(s.createIndex('sb_api_key_app_id_index').on('sb_api_key').column('app_id'));
    add(
      s
        .createTable('sb_plan')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('per_second', 'integer')
        .addColumn('per_minute', 'integer')
        .addColumn('monthly_quota', 'integer')
        .addColumn('requires_approval', 'boolean', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addUniqueConstraint('sb_plan_asset_name_unique', ['asset_id', 'name']),
    );
    add(
      s
        .createTable('sb_subscription')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('app_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('plan_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('sb_subscription_app_asset_unique', ['app_id', 'asset_id']),
    );
    add(
      s
        .createTable('sb_operator')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('disabled_at', ts),
    );
    add(
      s
        .createTable('sb_audit')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('at', ts, (c) => c.notNull())
        .addColumn('actor_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('actor_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('action', 'varchar(64)', (c) => c.notNull())
        .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('before', 'json')
        .addColumn('after', 'json'),
    );
    add(s.createIndex('sb_audit_at_index').on('sb_audit').column('at'));
    add(
      s
        .createTable('sb_asset_toggle')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('app_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('enabled', 'boolean', (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('sb_asset_toggle_asset_app_unique', ['asset_id', 'app_id']),
    );
    add(
      s
        .createTable('sb_state_version')
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull()),
    );
    add(
      s
        .createTable('sb_usage')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('app_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('asset_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('operation_id', 'varchar(100)', (c) => c.notNull())
        .addColumn('status_class', 'varchar(3)', (c) => c.notNull())
        .addColumn('hour', 'datetime', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addUniqueConstraint('sb_usage_key_unique', ['app_id', 'asset_id', 'operation_id', 'status_class', 'hour']),
    );
    add(
      s
        .createTable('sb_rate_window')
        .addColumn('key', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('used', 'integer', (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull()),
    );
    add(s.createIndex('sb_rate_window_expires_at_index').on('sb_rate_window').column('expires_at'));
    this.addSql("insert into sb_state_version (name, version) values ('access', 1)");
  }
}
