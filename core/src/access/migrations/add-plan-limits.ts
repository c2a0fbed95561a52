/** @module Plans carry asset-specific limits (instances, vCPUs, …) that the asset enforces itself. */
import { Migration } from '@mikro-orm/migrations';

export class AddPlanLimits extends Migration {
  override async up(): Promise<void> {
    const s = this.getEntityManager().getKysely().schema;
    this.addSql(s.alterTable('sb_plan').addColumn('limits', 'json').compile().sql);
  }
}
